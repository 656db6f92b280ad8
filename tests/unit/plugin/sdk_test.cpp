// The SDK's C++ layer on its own (it is header-only): settings getters, durations,
// messages and results, and the descriptor JSON of declarations.
#include <catch2/catch.hpp>

#include <parcours/sdk.hpp>

using nlohmann::json;
using parcours::SendResult;
using parcours::SettingError;
using parcours::Settings;
using std::chrono::milliseconds;

TEST_CASE("SDK durations are the host's milliseconds; text is refused, not parsed twice") {
  const Settings s(json{{"ms", 90'000}, {"text", "1m30s"}, {"zero", 0}});
  CHECK(s.duration("ms") == milliseconds(90'000));
  CHECK_THROWS_AS(s.duration("text"), SettingError);
  CHECK_THROWS_AS(s.duration("zero"), SettingError);
}

TEST_CASE("Settings getters return typed values, and fallbacks only when absent") {
  const Settings s(
      json{{"name", "a"}, {"n", 7}, {"on", true}, {"wait", 120000}, {"list", {"x", "y"}}, {"nil", nullptr}});
  CHECK(s.string("name") == "a");
  CHECK(s.integer("n") == 7);
  CHECK(s.boolean("on"));
  CHECK(s.duration("wait") == milliseconds(120'000));
  CHECK(s.list("list") == std::vector<std::string>{"x", "y"});
  CHECK(s.has("name"));
  CHECK_FALSE(s.has("nil"));
  CHECK(s.string("absent", "fallback") == "fallback");
  CHECK(s.integer("nil", 3) == 3);
  CHECK(s.string("name", "fallback") == "a");
}

TEST_CASE("Settings errors name the setting and the expected type, never the value") {
  const Settings s(json{{"token", "s3cret"}, {"n", "7"}, {"list", {"x", 1}}});
  CHECK_THROWS_AS(s.string("url"), SettingError);
  CHECK_THROWS_WITH(s.string("url"), "setting 'url' is missing");
  CHECK_THROWS_WITH(s.integer("token"), "setting 'token' must be an integer, not a string");
  CHECK_THROWS_WITH(s.boolean("n"), "setting 'n' must be a boolean, not a string");
  CHECK_THROWS_WITH(s.list("list"), "setting 'list' must be a list of strings, not an integer");
  CHECK_THROWS_WITH(s.duration("token"), Catch::Matchers::StartsWith("setting 'token' must be a duration"));
  CHECK_THROWS_WITH(Settings::parse("[1]"), "the host passed settings that are not a JSON object");
}

TEST_CASE("SendResult serialises to the ABI's result JSON, leaving out empty fields") {
  CHECK(SendResult::delivered().to_json() == json{{"status", "delivered"}});
  CHECK(SendResult::delivered("p-1").to_json() == json{{"status", "delivered"}, {"provider_id", "p-1"}});
  CHECK(SendResult::retry("busy").to_json() == json{{"status", "retry"}, {"error", "busy"}});
  CHECK(SendResult::retry("busy", std::chrono::minutes(2)).to_json() ==
        json{{"status", "retry"}, {"error", "busy"}, {"retry_after_ms", 120000}});
  CHECK(SendResult::failed("bad number").to_json() == json{{"status", "failed"}, {"error", "bad number"}});
}

TEST_CASE("Message::from_json reads the wire form and tolerates missing fields") {
  const json wire = {{"idempotency_key", "k"},
                     {"contact", {{"id", "c"}, {"attributes", {{"phone", "+33"}}}}},
                     {"content", {{"text", "hi"}}},
                     {"extra", 1}};
  const auto m = parcours::Message::from_json(wire);
  CHECK(m.idempotency_key == "k");
  CHECK(m.channel.empty());
  CHECK(m.contact.id == "c");
  CHECK(m.contact.attribute("phone") == "+33");
  CHECK(m.contact.attribute("email").empty());
  CHECK(m.content.text == "hi");
  CHECK(m.content.subject.empty());
  CHECK(m.params == json::object());
  CHECK(m.wire == wire);
  CHECK_THROWS_AS(parcours::Message::from_json(json::array()), std::invalid_argument);
}

TEST_CASE("Declared settings become the descriptor's JSON form") {
  const std::vector<parcours::Setting> settings = {
      {"url", parcours::Type::string, parcours::required, "Endpoint"},
      {"timeout", parcours::Type::duration, parcours::defaults_to("10s"), "Give up after"},
      {"tags", parcours::Type::list, parcours::defaults_to({"a"}), ""},
      {"token", parcours::Type::secret, parcours::optional, "Token"},
  };
  CHECK(parcours::detail::settings_json(settings) == json::parse(R"([
          {"name": "url", "type": "string", "required": true, "default": null, "help": "Endpoint"},
          {"name": "timeout", "type": "duration", "required": false, "default": "10s", "help": "Give up after"},
          {"name": "tags", "type": "list", "required": false, "default": ["a"], "help": ""},
          {"name": "token", "type": "secret", "required": false, "default": null, "help": "Token"}])"));
}
