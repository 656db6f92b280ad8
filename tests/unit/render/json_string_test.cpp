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
