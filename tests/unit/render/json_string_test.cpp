#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "render/json_string.hpp"

using parcours::render::append_json_string;
using parcours::render::InvalidUtf8;

namespace {

std::string written(const std::string& text, InvalidUtf8 invalid = InvalidUtf8::fail) {
  std::string out = "x";  // appended to, not replaced
  append_json_string(out, text, invalid);
  return out.substr(1);
}

std::string nlohmann_dump(const std::string& text, nlohmann::json::error_handler_t handler) {
  return nlohmann::json(text).dump(-1, ' ', false, handler);
}

}  // namespace

TEST_CASE("JSON strings are byte for byte what nlohmann writes, for every ASCII byte and for UTF-8") {
  std::string every_ascii;
  for (int c = 0; c < 0x80; ++c) every_ascii += static_cast<char>(c);
  const std::vector<std::string> texts{"",
                                       "plain",
                                       every_ascii,
                                       R"(<a href="https://shop.test/?a=1&b=2">C:\path</a>)",
                                       "line\r\nnext\ttab\bback\fform\x01\x1f\x7f",
                                       "Zoé, Noël approche — 🎄",
                                       "\"\\"};
  for (const auto& text : texts) {
    INFO(text);
    CHECK(written(text) == nlohmann_dump(text, nlohmann::json::error_handler_t::strict));
    CHECK(written(text, InvalidUtf8::replace) == nlohmann_dump(text, nlohmann::json::error_handler_t::replace));
    CHECK(nlohmann::json::parse(written(text)) == text);
  }
}

TEST_CASE("invalid UTF-8 fails as nlohmann's dump() does, or is replaced when asked") {
  const std::string broken = "caf\xe9 au lait";  // Latin-1, not UTF-8
  std::string out;
  CHECK_THROWS_AS(append_json_string(out, broken), nlohmann::json::type_error);
  CHECK(written(broken, InvalidUtf8::replace) == "\"caf\xef\xbf\xbd au lait\"");
}

TEST_CASE("JSON strings: every byte value at every place in a run of plain text, as nlohmann writes it") {
  // Plain runs are skipped eight bytes at a time: a byte that needs work must be seen
  // wherever it falls in a word, and whatever its neighbours (0x20 right after a stop,
  // 0x7f, 0x1f, the bytes around '"' and '\').
  const std::string plain = "abcdefghijklmnopqrstuvwx ~!#[]";
  for (int c = 0; c < 0x100; ++c) {
    for (std::size_t at = 0; at <= 20; ++at) {
      std::string text = plain.substr(0, at) + static_cast<char>(c) + plain.substr(at);
      if (c >= 0x80) text = plain.substr(0, at) + "é" + plain.substr(at) + "\x1f";  // valid UTF-8, later a control
      INFO("byte " << c << " at " << at);
      const auto expected = nlohmann_dump(text, nlohmann::json::error_handler_t::strict);
      REQUIRE(written(text) == expected);
    }
  }
  for (const char* neighbours : {"\x1f\x20\x21", "\x21\x22\x23", "\x5b\x5c\x5d", "\x7f\x20\x1f", "        \x20\x1f"}) {
    const std::string text = plain + neighbours + plain + neighbours;
    CHECK(written(text) == nlohmann_dump(text, nlohmann::json::error_handler_t::strict));
  }
}
