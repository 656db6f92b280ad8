#include <catch2/catch.hpp>

#include <string>

#include "segments.hpp"

using parcours::sms_plugin::count_segments;
using parcours::sms_plugin::Encoding;
using parcours::sms_plugin::encoding_name;

namespace {

std::string repeat(const std::string& piece, std::size_t times) {
  std::string out;
  for (std::size_t i = 0; i < times; ++i) out += piece;
  return out;
}

}  // namespace

TEST_CASE("an empty text takes no SMS") {
  const auto segments = count_segments("");
  CHECK(segments.count == 0);
  CHECK(segments.units == 0);
  CHECK(segments.encoding == Encoding::gsm7);
}

TEST_CASE("a GSM-7 text fits 160 characters in one SMS, then 153 per part") {
  CHECK(count_segments(repeat("a", 1)).count == 1);
  CHECK(count_segments(repeat("a", 160)).count == 1);
  CHECK(count_segments(repeat("a", 161)).count == 2);
  CHECK(count_segments(repeat("a", 306)).count == 2);
  CHECK(count_segments(repeat("a", 307)).count == 3);
  CHECK(count_segments(repeat("a", 459)).count == 3);
  CHECK(count_segments(repeat("a", 460)).count == 4);
  const auto segments = count_segments(repeat("a", 161));
  CHECK(segments.encoding == Encoding::gsm7);
  CHECK(segments.units == 161);
  CHECK(std::string(encoding_name(segments.encoding)) == "GSM-7");
}

TEST_CASE("the GSM default alphabet beyond ASCII stays GSM-7, one septet each") {
  // French, German, Spanish, Scandinavian letters and the Greek capitals the alphabet has.
  const std::string text = "à Paris: café, où? ¡Señor! Äpfel Öl Über ß Ø å Æ æ £5 ¥ § ¿ ΔΦΓΛΩΠΨΣΘΞ @_$ ¤ É Ç";
  const auto segments = count_segments(text);
  CHECK(segments.encoding == Encoding::gsm7);
  CHECK(segments.count == 1);
  // Not every accented letter is in it: ç (only the capital Ç is), ë, ê, â...
  CHECK(count_segments("ç").encoding == Encoding::ucs2);
  CHECK(count_segments("Joyeux Noël").encoding == Encoding::ucs2);
  CHECK(count_segments("fête").encoding == Encoding::ucs2);
}

TEST_CASE("the extension table's characters take two septets each") {
  CHECK(count_segments("€").units == 2);
  CHECK(count_segments("^{}\\[~]|€").units == 18);
  CHECK(count_segments("\f").units == 2);
  CHECK(count_segments("^{}\\[~]|€").encoding == Encoding::gsm7);
  // 80 euro signs are 160 septets: one SMS; one more character makes two parts.
  CHECK(count_segments(repeat("€", 80)).count == 1);
  CHECK(count_segments(repeat("€", 80) + "a").count == 2);
  CHECK(count_segments(repeat("a", 159) + "€").count == 2);
}

TEST_CASE("an escape and its character are never split between two parts") {
  // 152 septets, then '€' (2): it cannot start in part 1's last septet, so it opens
  // part 2; 152 + 2 + 152 = 306 septets would fit 2 parts of 153 if split freely.
  const std::string text = repeat("a", 152) + "€" + repeat("a", 152);
  CHECK(count_segments(text).units == 306);
  CHECK(count_segments(text).count == 3);
  CHECK(count_segments(repeat("a", 151) + "€" + repeat("a", 153)).count == 2);
}

TEST_CASE("a character outside GSM-7 makes the whole text UCS-2: 70 units in one SMS, 67 per part") {
  CHECK(count_segments("Merci ’").encoding == Encoding::ucs2);  // a curly apostrophe
  CHECK(std::string(encoding_name(Encoding::ucs2)) == "UCS-2");
  CHECK(count_segments("`").encoding == Encoding::ucs2);  // ASCII, yet in neither GSM table
  CHECK(count_segments(repeat("ж", 70)).count == 1);
  CHECK(count_segments(repeat("ж", 71)).count == 2);
  CHECK(count_segments(repeat("ж", 134)).count == 2);
  CHECK(count_segments(repeat("ж", 135)).count == 3);
  // The GSM characters of a UCS-2 text count one unit each, the euro sign too.
  CHECK(count_segments(repeat("a", 69) + "€ж").units == 71);
  CHECK(count_segments("中文").units == 2);
}

TEST_CASE("an emoji is two UTF-16 units, and a surrogate pair never straddles two parts") {
  CHECK(count_segments("😀").units == 2);
  CHECK(count_segments("😀").encoding == Encoding::ucs2);
  CHECK(count_segments(repeat("😀", 35)).count == 1);  // 70 units
  CHECK(count_segments(repeat("😀", 35) + "a").count == 2);
  // 66 units, then an emoji: it opens part 2 rather than split (66 + 2 + 66 = 134).
  CHECK(count_segments(repeat("a", 65) + "ж" + "😀" + repeat("a", 66)).count == 3);
  CHECK(count_segments(repeat("a", 65) + "😀" + repeat("a", 67)).count == 2);
}

TEST_CASE("bytes that are not UTF-8 count as replacement characters, in UCS-2") {
  const auto segments = count_segments(std::string("ab\xff") + "c");
  CHECK(segments.encoding == Encoding::ucs2);
  CHECK(segments.units == 4);
  CHECK(count_segments(std::string("\xc3")).units == 1);          // truncated sequence
  CHECK(count_segments(std::string("\xc0\xaf")).units == 2);      // overlong '/': two bad bytes
  CHECK(count_segments(std::string("\xed\xa0\x80")).units == 3);  // an encoded surrogate
}
