#include "render/json_string.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <nlohmann/json.hpp>

namespace parcours::render {
namespace {

// The bytes that stop a run of plain ones: control characters, '"', '\' and every byte
// of a non-ASCII character (UTF-8 that nlohmann checks).
constexpr std::array<bool, 256> kStops = [] {
  std::array<bool, 256> stops{};
  for (int c = 0; c < 256; ++c) stops[c] = c < 0x20 || c == '"' || c == '\\' || c >= 0x80;
  return stops;
}();

// Whether any of the 8 bytes in `word` may be a stop: it never misses one, and a rare
// false alarm only sends those bytes through the table. (Bit tricks from "Bit Twiddling
// Hacks": a zero byte, and a byte below n.)
constexpr std::uint64_t kOnes = 0x0101010101010101ULL;
constexpr std::uint64_t kHighs = 0x8080808080808080ULL;
inline bool may_stop(std::uint64_t word) {
  const auto has_zero = [](std::uint64_t v) { return (v - kOnes) & ~v & kHighs; };
  return ((word | (word - kOnes * 0x20)) & kHighs) != 0  // ≥ 0x80, or < 0x20
         || has_zero(word ^ (kOnes * '"')) != 0 || has_zero(word ^ (kOnes * '\\')) != 0;
}

}  // namespace

void append_json_string(std::string& out, std::string_view text, InvalidUtf8 invalid) {
  static const char* const hex = "0123456789abcdef";
  const std::size_t start = out.size();
  const char* const data = text.data();
  const std::size_t size = text.size();
  // Room for the text and its quotes, growing as append() would: an exact reserve on
  // every call would copy a document built of many strings once per string.
  if (out.capacity() < start + size + 2) out.reserve(std::max(start + size + 2, 2 * out.capacity()));
  out += '"';
  std::size_t plain = 0;  // start of the run of bytes copied as they are
  std::size_t i = 0;
  while (true) {
    // Plain bytes, eight at a time while no stop may be among them, then one by one.
    for (std::uint64_t word; i + 8 <= size; i += 8) {
      std::memcpy(&word, data + i, 8);
      if (may_stop(word)) break;
    }
    while (i < size && !kStops[static_cast<unsigned char>(data[i])]) ++i;
    if (i >= size) break;
    const auto c = static_cast<unsigned char>(data[i]);
    if (c >= 0x80) {
      // UTF-8 to check (and maybe replace): nlohmann's own work, for the whole text.
      out.resize(start);
      out += nlohmann::json(std::string(text))
                 .dump(-1, ' ', false,
                       invalid == InvalidUtf8::replace ? nlohmann::json::error_handler_t::replace
                                                       : nlohmann::json::error_handler_t::strict);
      return;
    }
    out.append(data + plain, i - plain);
    plain = ++i;
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:  // the other control characters, as nlohmann writes them: \u00XX
        out += "\\u00";
        out += hex[c >> 4];
        out += hex[c & 15];
    }
  }
  out.append(data + plain, size - plain);
  out += '"';
}

}  // namespace parcours::render
