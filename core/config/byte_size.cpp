#include "config/byte_size.hpp"

#include <array>
#include <limits>

namespace parcours::config {
namespace {

struct Unit {
  std::string_view symbol;
  std::uint64_t bytes;
};
constexpr std::array<Unit, 8> kUnits{{{"B", 1},
                                      {"KiB", 1ULL << 10},
                                      {"MiB", 1ULL << 20},
                                      {"GiB", 1ULL << 30},
                                      {"KB", 1000},
                                      {"kB", 1000},
                                      {"MB", 1000 * 1000},
                                      {"GB", 1000 * 1000 * 1000}}};
constexpr const char* kUnitList = "B, KiB, MiB, GiB, KB, MB or GB; e.g. 10MiB";

std::optional<std::uint64_t> fail(ByteSizeError* error, std::size_t offset, std::string message) {
  if (error) *error = {offset, std::move(message)};
  return std::nullopt;
}

}  // namespace

std::optional<std::uint64_t> parse_byte_size(std::string_view text, ByteSizeError* error) {
  const std::string quoted = "'" + std::string(text) + "'";
  std::size_t i = 0;
  std::uint64_t number = 0;
  while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
    if (number > (std::numeric_limits<std::uint64_t>::max() - 9) / 10)
      return fail(error, 0, "size " + quoted + " is too large");
    number = number * 10 + static_cast<std::uint64_t>(text[i] - '0');
    ++i;
  }
  if (i == 0)
    return fail(error, 0, "size " + quoted + " must start with a whole number, then a unit (" + kUnitList + ")");
  if (i == text.size()) return fail(error, i, "missing unit in size " + quoted + " (" + kUnitList + ")");
  const std::string_view symbol = text.substr(i);
  for (const auto& unit : kUnits) {
    if (unit.symbol != symbol) continue;
    if (number == 0) return fail(error, 0, "size " + quoted + " is zero");
    if (number > std::numeric_limits<std::uint64_t>::max() / unit.bytes)
      return fail(error, 0, "size " + quoted + " is too large");
    return number * unit.bytes;
  }
  return fail(error, i, "unknown unit '" + std::string(symbol) + "' in size " + quoted + " (" + kUnitList + ")");
}

std::string format_byte_size(std::uint64_t bytes) {
  for (const auto* symbol : {"GiB", "MiB", "KiB"})
    for (const auto& unit : kUnits)
      if (unit.symbol == symbol && bytes >= unit.bytes && bytes % unit.bytes == 0)
        return std::to_string(bytes / unit.bytes) + symbol;
  return std::to_string(bytes) + "B";
}

}  // namespace parcours::config
