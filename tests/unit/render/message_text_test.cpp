// parcours::json_text::read_message (parcours/sdk.hpp), with simdjson as plugins get it:
// without the wire form, a message must be the one Message::from_json(parse(text))
// gives, field for field, and a text it cannot read must fail the same way.
#include <catch2/catch.hpp>

#include <stdexcept>
#include <string>
#include <vector>

#include <parcours/sdk.hpp>

using nlohmann::json;
using parcours::Message;
using parcours::json_text::read_message;

namespace {

// nlohmann's == takes 1 and 1u as equal: the dump tells them apart only by value, so
// the types are compared too.
void check_same_json(const json& got, const json& expected) {
  CHECK(got.dump() == expected.dump());
  CHECK(got.type() == expected.type());
  if (got.is_object() && expected.is_object() && got.size() == expected.size())
    for (auto a = got.begin(), b = expected.begin(); a != got.end(); ++a, ++b) check_same_json(*a, *b);
}

void check_same_message(const Message& got, const Message& expected) {
  CHECK(got.idempotency_key == expected.idempotency_key);
  CHECK(got.channel == expected.channel);
  CHECK(got.client == expected.client);
  CHECK(got.contact.id == expected.contact.id);
  check_same_json(got.contact.attributes, expected.contact.attributes);
  CHECK(got.content.subject == expected.content.subject);
  CHECK(got.content.text == expected.content.text);
  CHECK(got.content.html == expected.content.html);
  check_same_json(got.params, expected.params);
  CHECK(got.unsubscribe_url == expected.unsubscribe_url);
  CHECK(got.transactional == expected.transactional);
}

// The error `read` throws for `text`, with the exception's type; "" when none.
template <typename Read>
std::string failure(const Read& read) {
  try {
    read();
  } catch (const json::parse_error& error) {
    return std::string("parse_error: ") + error.what();
  } catch (const std::invalid_argument& error) {
    return std::string("invalid_argument: ") + error.what();
  }
  return {};
}

}  // namespace

TEST_CASE("a message read without its wire form has every field from_json gives it, and an empty wire") {
  const std::vector<std::string> texts{
      // The host's own shape (engine/dispatcher.cpp), with everything filled in.
      R"({"channel":"email","client":"shop","contact":{"attributes":{"email":"zoe@example.test","first_name":"Zoé",)"
      R"("age":41,"score":-3,"ratio":0.5,"tags":["a",1],"consent":{"email":true},"none":null},"id":"c-1"},)"
      R"("content":{"html":"<p>Noël \"approche\"</p>\n","subject":"Zoé, Noël approche","text":"Noël"},)"
      R"("idempotency_key":"shop/1/1/1790000000000/1","links":{"unsubscribe":"https://h/u/x"},)"
      R"("params":{"template":"welcome","n":18446744073709551615,"nested":{"b":2,"a":1}},"transactional":true})",
      // Missing members and members of the wrong type: left empty, as from_json leaves them.
      R"({})",
      R"({"channel":3,"contact":"ann","content":["x"],"params":[1],"links":{"other":"x"},"transactional":"yes"})",
      R"({"contact":{"id":7,"attributes":[1,2]},"content":{"subject":null,"html":{"a":1}},"links":"x"})",
      // A member given twice ends as the last one, as nlohmann keeps it.
      R"({"contact":{"id":"a","attributes":{"x":1}},"contact":{"id":"b"},"params":{"p":1},"params":2})",
      R"({"content":{"text":"one","text":"two"},"transactional":true,"transactional":false,"client":"a","client":"b"})",
      // What simdjson leaves to nlohmann: -0 (a signed integer to nlohmann).
      R"({"contact":{"id":"c","attributes":{"n":-0}},"params":{"z":-0.0}})",
  };
  for (const auto& text : texts) {
    INFO(text);
    const Message expected = Message::from_json(json::parse(text));
    const Message without = read_message(text, false);
    check_same_message(without, expected);
    CHECK(without.wire == json::object());
    const Message with = read_message(text, true);
    check_same_message(with, expected);
    CHECK(with.wire == expected.wire);
  }
}

TEST_CASE("a message text that is not one fails as from_json(parse(text)) fails, wire or not") {
  for (const std::string text : {"[1,2]", "\"text\"", "", "{\"a\":", "{\"a\":1}x", "{\"a\":\"\xff\"}", "nul"}) {
    INFO(text);
    const std::string expected = failure([&] { (void)Message::from_json(json::parse(text)); });
    CHECK_FALSE(expected.empty());
    CHECK(failure([&] { (void)read_message(text, false); }) == expected);
    CHECK(failure([&] { (void)read_message(text, true); }) == expected);
  }
}
