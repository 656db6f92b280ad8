// How many SMS a text takes, and in which encoding (3GPP TS 23.038 and TS 23.040).
//
// A text whose every character is in the GSM 7-bit default alphabet goes as GSM-7:
// 160 septets fit in one SMS; the characters of the extension table (^ { } \ [ ~ ] |
// € and form feed) take two septets each (an escape, then the character). A longer
// text is split into parts of 153 septets (the other 7 carry the concatenation
// header), and an escape is never separated from its character. Any other character
// (an emoji, a curly apostrophe, "ç") makes the whole text UCS-2: 70 UTF-16 code units
// in one SMS, 67 per part, and a character outside the Basic Multilingual Plane (two
// code units, a surrogate pair) never straddles two parts.
//
// Pure computation, shared by the plugin (sms_channel.cpp) and its unit tests
// (tests/unit/plugins/sms/). Providers bill per part, which is why a channel caps it.
#pragma once

#include <cstddef>
#include <string_view>

namespace parcours::sms_plugin {

enum class Encoding { gsm7, ucs2 };

// "GSM-7" or "UCS-2", as the README, errors and metrics name them.
const char* encoding_name(Encoding encoding) noexcept;

struct Segments {
  Encoding encoding = Encoding::gsm7;
  std::size_t count = 0;  // parts; 0 for an empty text
  std::size_t units = 0;  // septets (GSM-7) or UTF-16 code units (UCS-2) of the whole text
};

// The encoding and parts of a UTF-8 text. Bytes that are not valid UTF-8 count as
// U+FFFD (a replacement character), which makes the text UCS-2.
Segments count_segments(std::string_view utf8_text);

}  // namespace parcours::sms_plugin
