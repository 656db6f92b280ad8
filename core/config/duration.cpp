#include "config/duration.hpp"

#include <array>
#include <limits>

namespace parcours::config {
namespace {

struct Unit {
  char symbol;
  std::int64_t seconds;
};
// Largest first: the order in which units must appear.
constexpr std::array<Unit, 5> kUnits{{{'w', 604800}, {'d', 86400}, {'h', 3600}, {'m', 60}, {'s', 1}}};
constexpr const char* kExpected = "expected a duration like 30s, 15m, 2h, 3d, 1w or 1d12h";

std::optional<std::chrono::seconds> fail(DurationError* error, std::size_t offset, std::string message) {
  if (error) *error = {offset, std::move(message)};
  return std::nullopt;
}

}  // namespace

std::optional<std::chrono::seconds> parse_duration(std::string_view text, DurationError* error) {
  if (text.empty()) return fail(error, 0, std::string("empty duration: ") + kExpected);
  std::int64_t total = 0;
  std::size_t next_unit = 0;  // index into kUnits of the largest unit still allowed
  std::size_t i = 0;
  while (i < text.size()) {
    const std::size_t number_start = i;
    std::int64_t number = 0;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
      if (number > (std::numeric_limits<std::int64_t>::max() - 9) / 10 / kUnits[0].seconds)
        return fail(error, number_start, "duration '" + std::string(text) + "' is too large");
      number = number * 10 + (text[i] - '0');
      ++i;
    }
    if (i == number_start)
      return fail(error, i,
                  "unexpected '" + std::string(1, text[i]) + "' in duration '" + std::string(text) + "': " + kExpected);
    if (i == text.size())
      return fail(error, i,
                  "missing unit after " + std::string(text.substr(number_start)) + " in duration '" +
                      std::string(text) + "' (s, m, h, d or w)");
    const char symbol = text[i];
    std::size_t unit = 0;
    while (unit < kUnits.size() && kUnits[unit].symbol != symbol) ++unit;
    if (unit == kUnits.size())
      return fail(error, i,
                  "unknown unit '" + std::string(1, symbol) + "' in duration '" + std::string(text) +
                      "' (s, m, h, d or w; e.g. 1d12h)");
    if (unit < next_unit)
      return fail(error, i,
                  "unit '" + std::string(1, symbol) + "' out of order in duration '" + std::string(text) +
                      "': write the largest unit first, each once (e.g. 1d12h)");
    total += number * kUnits[unit].seconds;
    next_unit = unit + 1;
    ++i;
  }
  if (total == 0) return fail(error, 0, "duration '" + std::string(text) + "' is zero");
  return std::chrono::seconds(total);
}

std::string format_duration(std::chrono::seconds value) {
  std::int64_t left = value.count();
  if (left == 0) return "0s";
  std::string out;
  if (left < 0) {
    out = "-";
    left = -left;
  }
  for (const auto& unit : kUnits) {
    if (left >= unit.seconds) {
      out += std::to_string(left / unit.seconds) + unit.symbol;
      left %= unit.seconds;
    }
  }
  return out;
}

}  // namespace parcours::config
