#include "segments.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <vector>

namespace parcours::sms_plugin {
namespace {

constexpr std::size_t kGsmSingle = 160;  // septets in one SMS
constexpr std::size_t kGsmPart = 153;    // ... in one part of a concatenated SMS
constexpr std::size_t kUcsSingle = 70;   // UTF-16 code units in one SMS
constexpr std::size_t kUcsPart = 67;     // ... in one part

// The characters of the GSM 7-bit default alphabet beyond printable ASCII (TS 23.038
// §6.2.1), sorted for a binary search.
constexpr std::array<char32_t, 39> kGsmBasicNonAscii = {
    U'\u00A1', U'\u00A3', U'\u00A4', U'\u00A5', U'\u00A7', U'\u00BF', U'\u00C4', U'\u00C5', U'\u00C6', U'\u00C7',
    U'\u00C9', U'\u00D1', U'\u00D6', U'\u00D8', U'\u00DC', U'\u00DF', U'\u00E0', U'\u00E4', U'\u00E5', U'\u00E6',
    U'\u00E8', U'\u00E9', U'\u00EC', U'\u00F1', U'\u00F2', U'\u00F6', U'\u00F8', U'\u00F9', U'\u00FC', U'\u0393',
    U'\u0394', U'\u0398', U'\u039B', U'\u039E', U'\u03A0', U'\u03A3', U'\u03A6', U'\u03A8', U'\u03A9'};
static_assert(std::is_sorted(kGsmBasicNonAscii.begin(), kGsmBasicNonAscii.end()));

// Septets a character takes in GSM-7: 1 in the default alphabet, 2 in the extension
// table (escape + character), 0 when GSM-7 cannot carry it.
int gsm_septets(char32_t c) {
  switch (c) {
    case U'\n':
    case U'\r': return 1;
    case U'\f':
    case U'^':
    case U'{':
    case U'}':
    case U'\\':
    case U'[':
    case U']':
    case U'~':
    case U'|':
    case U'\u20AC': return 2;
    case U'`': return 0;  // printable ASCII, yet in neither table
    default: break;
  }
  if (c >= 0x20 && c <= 0x7E) return 1;
  if (std::binary_search(kGsmBasicNonAscii.begin(), kGsmBasicNonAscii.end(), c)) return 1;
  return 0;
}

// The code points of a UTF-8 text; an invalid or truncated sequence, an overlong form,
// a surrogate or a value past U+10FFFF becomes U+FFFD, one per bad byte.
std::vector<char32_t> decode_utf8(std::string_view text) {
  std::vector<char32_t> out;
  out.reserve(text.size());
  std::size_t i = 0;
  while (i < text.size()) {
    const auto lead = static_cast<unsigned char>(text[i]);
    std::size_t length = 0;
    char32_t c = 0;
    if (lead < 0x80) {
      length = 1;
      c = lead;
    } else if ((lead & 0xE0) == 0xC0) {
      length = 2;
      c = lead & 0x1F;
    } else if ((lead & 0xF0) == 0xE0) {
      length = 3;
      c = lead & 0x0F;
    } else if ((lead & 0xF8) == 0xF0) {
      length = 4;
      c = lead & 0x07;
    }
    bool valid = length != 0 && i + length <= text.size();
    for (std::size_t k = 1; valid && k < length; ++k) {
      const auto next = static_cast<unsigned char>(text[i + k]);
      if ((next & 0xC0) != 0x80) valid = false;
      c = (c << 6) | (next & 0x3F);
    }
    static constexpr std::array<char32_t, 5> kSmallest = {0, 0, 0x80, 0x800, 0x10000};
    if (valid && (c < kSmallest[length] || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))) valid = false;
    if (!valid) {
      out.push_back(U'\uFFFD');
      ++i;
      continue;
    }
    out.push_back(c);
    i += length;
  }
  return out;
}

// Parts needed for characters of the given sizes when one part holds `part` units
// and no character may be split between two parts.
std::size_t parts(const std::vector<int>& sizes, std::size_t part) {
  std::size_t count = 1;
  std::size_t used = 0;
  for (const int size : sizes) {
    const auto units = static_cast<std::size_t>(size);
    if (used + units > part) {
      ++count;
      used = 0;
    }
    used += units;
  }
  return count;
}

}  // namespace

const char* encoding_name(Encoding encoding) noexcept {
  return encoding == Encoding::gsm7 ? "GSM-7" : "UCS-2";
}

Segments count_segments(std::string_view utf8_text) {
  const std::vector<char32_t> characters = decode_utf8(utf8_text);
  Segments out;
  if (characters.empty()) return out;

  std::vector<int> sizes;
  sizes.reserve(characters.size());
  bool gsm = true;
  for (const char32_t c : characters) {
    const int septets = gsm_septets(c);
    if (septets == 0) {
      gsm = false;
      break;
    }
    sizes.push_back(septets);
  }
  if (!gsm) {
    out.encoding = Encoding::ucs2;
    sizes.clear();
    for (const char32_t c : characters) sizes.push_back(c > 0xFFFF ? 2 : 1);  // a surrogate pair above the BMP
  }
  for (const int size : sizes) out.units += static_cast<std::size_t>(size);
  const std::size_t single = gsm ? kGsmSingle : kUcsSingle;
  const std::size_t part = gsm ? kGsmPart : kUcsPart;
  out.count = out.units <= single ? 1 : parts(sizes, part);
  return out;
}

}  // namespace parcours::sms_plugin
