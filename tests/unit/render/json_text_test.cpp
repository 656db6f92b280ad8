#include <catch2/catch.hpp>

#include <random>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <parcours/json_parse.hpp>

#include "render/json_text.hpp"

using nlohmann::json;
using parcours::render::dump_json;
using parcours::render::parse_json;
using parcours::render::parse_json_or_discarded;

namespace {

// nlohmann's operator== says 1 (signed) equals 1u (unsigned): the types must match too,
// since a plugin asking is_number_unsigned() would see the difference.
bool same(const json& a, const json& b) {
  if (a.type() != b.type()) return false;
  if (a.is_object()) {
    if (a.size() != b.size()) return false;
    for (auto ia = a.begin(), ib = b.begin(); ia != a.end(); ++ia, ++ib)
      if (ia.key() != ib.key() || !same(*ia, *ib)) return false;
    return true;
  }
  if (a.is_array()) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
      if (!same(a[i], b[i])) return false;
    return true;
  }
  return a.dump() == b.dump();
}

// What nlohmann says of `text`: the document, or its error message.
std::string nlohmann_outcome(const std::string& text) {
  try {
    return "ok " + json::parse(text).dump();
  } catch (const json::exception& error) {
    return std::string("error ") + error.what();
  }
}

std::string our_outcome(const std::string& text) {
  try {
    const json document = parse_json(text);
    if (!same(document, json::parse(text))) return "a different document";
    return "ok " + document.dump();
  } catch (const json::exception& error) {
    return std::string("error ") + error.what();
  }
}

const std::vector<std::string> kDocuments{
    R"({"channel":"email","contact":{"attributes":{"email":"c1@example.test","first_name":"C1"},"id":"c1"},)"
    R"("content":{"html":"<p>Hello <a href=\"https://shop.test\">the shop</a>.</p>","subject":"Welcome","text":""},)"
    R"("links":{},"params":{},"transactional":false})",
    "{}",
    "[]",
    " \t\r\n{ \"a\" : [ 1 , 2 ] } \n",
    "0",
    "-1",
    "18446744073709551615",
    "9223372036854775807",
    "9223372036854775808",
    "-9223372036854775808",
    "3.5",
    "1e3",
    "-2.5E-3",
    "0.1",
    "1.7976931348623157e308",
    "5e-324",
    "-0.0",
    "true",
    "false",
    "null",
    R"("")",
    R"("\u00e9\ud83c\udf84 Zoé \" \\ \/ \b\f\n\r\t \u0000")",
    R"({"b":1,"a":2,"c":{"z":[],"y":{}}})",
    R"({"same":1,"same":2})",
    R"([1,"two",3.0,true,null,{"x":[[[]]]}])",
    R"({"big":123456789012345678901234567890})",
    R"({"negative big":-123456789012345678901234567890})",
    "-0",
    "[-0]",
    "[-0 ,-0.0]",
    R"({"zone":"UTC-0","day":"2026-01-02"})",
};

const std::vector<std::string> kRefused{
    "",
    "   ",
    "{",
    "[1,]",
    R"({"a":1,})",
    "{'a':1}",
    "nul",
    "01",
    "1.",
    ".5",
    "+1",
    "1e400",
    "-1e400",
    "NaN",
    "{} {}",
    "[1] x",
    "\"unterminated",
    "\"tab\there\"",
    "\"caf\xe9\"",
    R"("\ud800")",
    R"("\x41")",
    std::string("{\"a\":\0}", 7),
};

}  // namespace

TEST_CASE("parse_json reads every document as nlohmann does, types included") {
  for (const auto& text : kDocuments) {
    INFO(text);
    CHECK(our_outcome(text) == nlohmann_outcome(text));
    CHECK(same(parse_json_or_discarded(text), json::parse(text)));
  }
}

TEST_CASE("parse_json refuses what nlohmann refuses, with nlohmann's error") {
  for (const auto& text : kRefused) {
    INFO(text);
    CHECK(nlohmann_outcome(text).rfind("error ", 0) == 0);
    CHECK(our_outcome(text) == nlohmann_outcome(text));
    CHECK(parse_json_or_discarded(text).is_discarded());
  }
}

TEST_CASE("simdjson reads the common documents, and hands nlohmann what it would read differently") {
  using parcours::json_text::detail::try_parse;
  CHECK(try_parse(kDocuments.front()).has_value());
  CHECK(try_parse(R"([1,"two",3.0,true,null,{"x":[[[]]]}])").has_value());
  CHECK(try_parse("-0.0").has_value());         // a double to both
  CHECK(try_parse("-0").has_value() == false);  // a signed integer to nlohmann only
  CHECK(try_parse("[1,-0]").has_value() == false);
  CHECK(try_parse(R"({"day":"2026-01-02"})").has_value());  // a "-0" that ends no number
  CHECK(try_parse(R"({"big":123456789012345678901234567890})").has_value() == false);
  CHECK(try_parse("{").has_value() == false);
  // A document larger than what a thread's parser keeps is read all the same.
  std::string large = "[";
  for (int i = 0; i < 20000; ++i) large += (i ? ",\"item " : "\"item ") + std::to_string(i) + "\"";
  large += "]";
  REQUIRE(large.size() > parcours::json_text::detail::kKeptParserLimit);
  CHECK(same(parse_json(large), json::parse(large)));
}

TEST_CASE("mutated documents: parse_json and nlohmann agree on every one") {
  // Random byte changes in real documents: the same document or the same error.
  std::mt19937 random(20261202);
  const std::string alphabet = "{}[]\":,\\ 0123456789.eE+-tfnulrsa\xc3\xa9\x80\xff";
  std::size_t accepted = 0;
  for (int round = 0; round < 3000; ++round) {
    std::string text = kDocuments[random() % kDocuments.size()];
    const int changes = 1 + static_cast<int>(random() % 3);
    for (int c = 0; c < changes && !text.empty(); ++c) {
      const std::size_t at = random() % text.size();
      switch (random() % 3) {
        case 0: text[at] = alphabet[random() % alphabet.size()]; break;
        case 1: text.erase(at, 1); break;
        default: text.insert(at, 1, alphabet[random() % alphabet.size()]); break;
      }
    }
    INFO(text);
    const std::string expected = nlohmann_outcome(text);
    accepted += expected.rfind("ok ", 0) == 0;
    REQUIRE(our_outcome(text) == expected);
  }
  CHECK(accepted > 100);  // the mutations left enough valid documents to compare
}

TEST_CASE("dump_json writes the bytes nlohmann's dump() writes") {
  for (const auto& text : kDocuments) {
    INFO(text);
    const json document = json::parse(text);
    CHECK(dump_json(document) == document.dump());
  }
  json built;
  built["float"] = 0.1;
  built["negative"] = -42;
  built["unsigned"] = 42u;
  built["array"] = {1.5, "x", nullptr, false, json::object()};
  built["texts"] = {"Noël 🎄", "line\nbreak", "\x7f"};
  CHECK(dump_json(built) == built.dump());
  CHECK_THROWS_AS(dump_json(json("caf\xe9")), json::type_error);
}
