// The SDK's C++ layer on its own (it is header-only): settings getters, durations,
// messages and results, and the descriptor JSON of declarations.
#include <catch2/catch.hpp>

#include <parcours/sdk.hpp>

#include <string>
#include <vector>

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

TEST_CASE("SendResult's text is its JSON document's dump(), byte for byte, whatever it holds") {
  const std::string invalid_utf8 = "bad \xff byte";
  const std::vector<SendResult> results{
      SendResult::delivered(),
      SendResult::delivered("<id-1@example.test>").with_answer(json{{"reply", "250 OK"}, {"code", 250}}),
      SendResult::retry("busy \"now\"\n\t\x01", std::chrono::milliseconds(1500)),
      SendResult::retry("slow", std::chrono::milliseconds(0)).with_answer(json{{"b", 1}, {"a", {1, 2.5, nullptr}}}),
      SendResult::failed("Zoé, Noël"),
      SendResult::failed(invalid_utf8).with_answer(json{{"text", invalid_utf8}}),
      SendResult::delivered(invalid_utf8),
      // Answers of every kind, written by the SDK's own writer (floats by nlohmann's).
      SendResult::delivered("sid").with_answer(json{{"z", json::object()},
                                                    {"y", json::array()},
                                                    {"x", {{"b", {1, {2, 3}, json::object()}}, {"a", false}}},
                                                    {"w", -9223372036854775807LL - 1},
                                                    {"v", 18446744073709551615ULL},
                                                    {"u", nullptr},
                                                    {"p", "C:\\path\\only backslashes"},
                                                    {"t", true},
                                                    {"s", "quote \" backslash \\ del \x7f ctl \x1f tab \t"},
                                                    {"r", {1.0, -0.0, 1e100, 0.1, 2.5}},
                                                    {"q\"k\u00e9y", "é"}}),
      SendResult::failed("x").with_answer(json{{"bad \xff", invalid_utf8}, {"", ""}}),
  };
  for (const auto& result : results) {
    const auto expected = result.to_json().dump(-1, ' ', false, json::error_handler_t::replace);
    INFO(expected);
    CHECK(result.to_json_text() == expected);
  }
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

namespace {

// A channel that serves the host's popup routes (ABI 1.3), and one that does not.
class RequestChannel final : public parcours::Channel {
 public:
  explicit RequestChannel(const Settings&) {}
  SendResult send(const parcours::Message&) override { return SendResult::delivered(); }
  parcours::Response handle_request(const parcours::Request& request) override {
    if (request.method == "GET")
      return parcours::Response::reply(
          200,
          json{{"popups", json::array({json{{"contact", request.param("contact")}, {"client", request.client}}})}});
    if (request.param("action") == "throw") throw std::runtime_error("the queue is gone");
    if (request.param("action") == "seen")
      return parcours::Response::accept({json{{"type", "popup.seen"}, {"contact", request.param("contact")}}});
    return parcours::Response::refuse(404, "no popup '" + request.param("popup") + "'");
  }
};

class SendOnlyChannel final : public parcours::Channel {
 public:
  explicit SendOnlyChannel(const Settings&) {}
  SendResult send(const parcours::Message&) override { return SendResult::delivered(); }
};

const parcours::PluginInfo& request_channel_info() {
  static const parcours::PluginInfo info{
      .id = "request-channel", .version = "1.0.0", .kind = parcours::Kind::channel, .description = "test"};
  return info;
}

const parcours::PluginInfo& send_only_info() {
  static const parcours::PluginInfo info{
      .id = "send-only", .version = "1.0.0", .kind = parcours::Kind::channel, .description = "test"};
  return info;
}

// Calls the descriptor's handle_request and frees the answer as the host does.
json ask(const parcours_plugin& plugin, parcours_instance* instance, const json& request) {
  char* answer = plugin.handle_request(instance, request.dump().c_str());
  REQUIRE(answer != nullptr);
  const json parsed = json::parse(answer);
  plugin.free_string(answer);
  return parsed;
}

}  // namespace

TEST_CASE("A channel that overrides handle_request offers it (ABI 1.3): path params in, body and events out") {
  STATIC_REQUIRE(PARCOURS_ABI_MINOR >= 3);
  const parcours_plugin* plugin = parcours::detail::describe<RequestChannel>(&request_channel_info);
  REQUIRE(plugin != nullptr);
  REQUIRE(plugin->handle_request != nullptr);
  char* error = nullptr;
  parcours_instance* instance = plugin->create("{}", nullptr, &error);
  REQUIRE(instance != nullptr);

  const json get{{"method", "GET"},
                 {"path", "/v1/clients/acme/popups/c-1"},
                 {"client", "acme"},
                 {"route", "popups"},
                 {"params", {{"contact", "c-1"}}}};
  CHECK(ask(*plugin, instance, get) ==
        json{{"status", 200},
             {"events", json::array()},
             {"body", {{"popups", json::array({json{{"contact", "c-1"}, {"client", "acme"}}})}}}});
  const json seen{{"method", "POST"}, {"params", {{"contact", "c-1"}, {"popup", "p-1"}, {"action", "seen"}}}};
  CHECK(ask(*plugin, instance, seen) ==
        json{{"status", 202}, {"events", json::array({json{{"type", "popup.seen"}, {"contact", "c-1"}}})}});
  const json unknown{{"method", "POST"}, {"params", {{"contact", "c-1"}, {"popup", "p-9"}, {"action", "clicked"}}}};
  CHECK(ask(*plugin, instance, unknown) == json{{"status", 404}, {"error", "no popup 'p-9'"}});
  const json throws{{"method", "POST"}, {"params", {{"action", "throw"}}}};
  CHECK(ask(*plugin, instance, throws) == json{{"status", 400}, {"error", "the queue is gone"}});
  plugin->destroy(instance);

  const parcours_plugin* send_only = parcours::detail::describe<SendOnlyChannel>(&send_only_info);
  REQUIRE(send_only != nullptr);
  CHECK(send_only->handle_request == nullptr);
  CHECK(send_only->send != nullptr);
}

TEST_CASE("WebhookResponse, the ABI 1.1 name, is the same Response: accept and refuse keep their meaning") {
  const parcours::WebhookResponse accepted = parcours::WebhookResponse::accept({json{{"type", "x"}}});
  CHECK(accepted.status == 202);
  CHECK(accepted.body.is_null());
  const parcours::WebhookResponse refused = parcours::WebhookResponse::refuse(401, "bad signature");
  CHECK(refused.status == 401);
  CHECK(refused.error == "bad signature");
  CHECK(std::is_same_v<parcours::WebhookRequest, parcours::Request>);
}
