// Creating instances and calling them through the C ABI: settings reach the
// constructor typed, results come back as the ABI's JSON, and whatever a plugin
// throws comes out as a clean error — never a crash.
#include <catch2/catch.hpp>

#include <parcours/plugin.h>

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "fixtures.hpp"
#include "plugin/registry.hpp"

using Catch::Matchers::Contains;
using nlohmann::json;
using parcours::plugin::Registry;
using parcours::plugin::test::fixture_dir;

namespace {

Registry registry_of(std::vector<std::string> cases) {
  Registry registry;
  std::vector<std::filesystem::path> dirs;
  for (const auto& name : cases) dirs.push_back(fixture_dir(name));
  registry.discover(dirs);
  REQUIRE(registry.refused().empty());
  return registry;
}

const std::string kGoodSettings =
    R"({"url": "https://gw.test", "retries": 5, "verbose": true, "timeout": 90000, "token": "t", "tags": ["x"]})";

json send(parcours::plugin::Instance& instance, const json& message) {
  return json::parse(instance.send(message.dump()));
}

std::string create_error(const Registry& registry, const std::string& id, const std::string& settings) {
  try {
    registry.create(id, settings, nullptr);
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  FAIL("create() of " << id << " with " << settings << " succeeded");
  return {};
}

}  // namespace

TEST_CASE("An instance created with good settings delivers through the ABI") {
  auto registry = registry_of({"valid"});
  auto instance = registry.create("test-channel", kGoodSettings, nullptr);
  REQUIRE(instance != nullptr);
  CHECK(instance->plugin_id() == "test-channel");
  const auto result = send(*instance, {{"idempotency_key", "k-1"}, {"params", {{"audience", "all"}}}});
  CHECK(result == json{{"status", "delivered"}, {"provider_id", "https://gw.test#k-1"}});
}

TEST_CASE("Typed settings reach the plugin's constructor: int, bool, duration in milliseconds, list") {
  auto registry = registry_of({"valid"});
  auto instance = registry.create("test-channel", kGoodSettings, nullptr);
  CHECK(send(*instance, {{"params", {{"outcome", "echo-settings"}}}})["provider_id"] == "5|true|90000|x");

  auto settings = json::parse(kGoodSettings);
  settings["timeout"] = 1500;  // the host passes every duration as milliseconds
  auto in_ms = registry.create("test-channel", settings.dump(), nullptr);
  CHECK(send(*in_ms, {{"params", {{"outcome", "echo-settings"}}}})["provider_id"] == "5|true|1500|x");
}

TEST_CASE("The message's fields reach the plugin") {
  auto registry = registry_of({"valid"});
  auto instance = registry.create("test-channel", kGoodSettings, nullptr);
  const json message = {{"idempotency_key", "k-2"},
                        {"channel", "sms"},
                        {"client", "acme"},
                        {"contact", {{"id", "c-1"}, {"attributes", {{"email", "ann@acme.test"}}}}},
                        {"content", {{"subject", "Hello"}}},
                        {"params", {{"outcome", "echo-message"}}}};
  CHECK(send(*instance, message)["provider_id"] == "sms|acme|c-1|ann@acme.test|Hello");
}

TEST_CASE("Retry and failed results come back in the ABI's JSON form") {
  auto registry = registry_of({"valid"});
  auto instance = registry.create("test-channel", kGoodSettings, nullptr);
  CHECK(send(*instance, {{"params", {{"outcome", "retry"}}}}) ==
        json{{"status", "retry"}, {"error", "busy"}, {"retry_after_ms", 30000}});
  CHECK(send(*instance, {{"params", {{"outcome", "failed"}}}}) == json{{"status", "failed"}, {"error", "rejected"}});
}

TEST_CASE("A message that is not JSON is a failed result, not a crash") {
  auto registry = registry_of({"valid"});
  auto instance = registry.create("test-channel", kGoodSettings, nullptr);
  const auto result = json::parse(instance->send("{not json"));
  CHECK(result["status"] == "failed");
  CHECK_THAT(result["error"].get<std::string>(), Contains("parse error"));
}

TEST_CASE("Creating with a missing or mistyped setting is an error naming the plugin and the setting") {
  auto registry = registry_of({"valid"});
  CHECK(create_error(registry, "test-channel", "{}") ==
        "plugin 'test-channel' could not create an instance: setting 'url' is missing");
  auto settings = json::parse(kGoodSettings);
  settings["retries"] = "five";
  CHECK(create_error(registry, "test-channel", settings.dump()) ==
        "plugin 'test-channel' could not create an instance: setting 'retries' must be an integer, not a string");
  settings = json::parse(kGoodSettings);
  settings["timeout"] = "soon";
  CHECK_THAT(create_error(registry, "test-channel", settings.dump()),
             Contains("setting 'timeout' must be a duration in milliseconds"));
}

TEST_CASE("Creating an unknown plugin is an error with a suggestion") {
  auto registry = registry_of({"valid"});
  CHECK(create_error(registry, "test-chanel", "{}") == "no plugin 'test-chanel' (did you mean 'test-channel'?)");
}

TEST_CASE("A constructor that throws becomes a clean create() error with its message") {
  auto registry = registry_of({"throwing"});
  CHECK(create_error(registry, "throwing", R"({"fail_in_create": true, "throw_non_std": false})") ==
        "plugin 'throwing' could not create an instance: cannot reach the gateway");
  CHECK(create_error(registry, "throwing", R"({"fail_in_create": false, "throw_non_std": true})") ==
        "plugin 'throwing' could not create an instance: an exception that is not a std::exception");
}

TEST_CASE("A send() that throws gives a failed result with the message, not a crash") {
  auto registry = registry_of({"throwing"});
  auto instance = registry.create("throwing", R"({"fail_in_create": false, "throw_non_std": false})", nullptr);
  CHECK(send(*instance, {{"params", json::object()}}) == json{{"status", "failed"}, {"error", "send exploded"}});
  CHECK(send(*instance, {{"params", {{"kind", "int"}}}}) ==
        json{{"status", "failed"}, {"error", "an exception that is not a std::exception"}});
}

TEST_CASE("validate_params runs the channel's hook, and accepts when there is none") {
  auto registry = registry_of({"valid", "c-channel"});
  CHECK(registry.validate_params("test-channel", R"({"audience": "everyone"})") ==
        std::optional<std::string>("audience 'everyone' is too broad"));
  CHECK_FALSE(registry.validate_params("test-channel", R"({"audience": "vip"})").has_value());
  CHECK_FALSE(registry.validate_params("c-channel", R"({"anything": 1})").has_value());
  CHECK(registry.validate_params("nope", "{}").has_value());
}

TEST_CASE("A plugin written against the C ABI alone creates and sends") {
  auto registry = registry_of({"c-channel"});
  auto instance = registry.create("c-channel", R"({"url": "x"})", nullptr);
  CHECK(send(*instance, json::object())["status"] == "delivered");
}

namespace {
struct RecordingHost {
  std::vector<std::string> events;
  std::vector<std::string> logs;
  parcours_host table{};
  RecordingHost() {
    table.struct_size = sizeof(parcours_host);
    table.ctx = this;
    table.log = [](void* ctx, int32_t, const char* message) {
      static_cast<RecordingHost*>(ctx)->logs.push_back(message);
    };
    table.emit = [](void* ctx, const char* event, const char**) -> int32_t {
      static_cast<RecordingHost*>(ctx)->events.push_back(event);
      return 0;
    };
    table.now_ms = [](void*) -> int64_t { return 1234; };
  }
};
}  // namespace

TEST_CASE("A trigger emits through the host table, with the host's clock") {
  auto registry = registry_of({"kinds"});
  RecordingHost host;
  auto instance = registry.create("test-trigger", R"({"emit": "schedule.morning"})", &host.table);
  instance->start();
  instance->stop();
  REQUIRE(host.events.size() == 1);
  CHECK(json::parse(host.events[0]) == json{{"type", "schedule.morning"}, {"contact", "c-1"}, {"time_ms", 1234}});
  CHECK(host.logs == std::vector<std::string>{"starting"});
}

TEST_CASE("A webhook trigger (ABI 1.1) answers requests with events or a refusal, never a crash") {
  auto registry = registry_of({"kinds"});
  auto instance = registry.create("test-trigger", R"({"emit": "order.created"})", nullptr);
  REQUIRE(instance->takes_requests());
  const json request{{"method", "POST"}, {"headers", {{"x-source", "shop"}}}, {"body", "c-7"}};
  CHECK(json::parse(instance->handle_request(request.dump())) ==
        json{{"status", 202},
             {"events",
              json::array({{{"type", "order.created"}, {"contact", "c-7"}, {"properties", {{"via", "shop"}}}}})}});
  CHECK(json::parse(instance->handle_request(json{{"body", ""}}.dump())) ==
        json{{"status", 422}, {"error", "the body names no contact"}});
  CHECK(json::parse(instance->handle_request(json{{"body", "throw"}}.dump())) ==
        json{{"status", 400}, {"error", "cannot read this payload"}});
}

TEST_CASE("A plugin built with the 1.0 SDK loads in a 1.1 host, and takes no webhooks") {
  auto registry = registry_of({"abi-1-0"});
  REQUIRE(registry.refused().empty());
  REQUIRE(registry.plugins().size() == 1);
  CHECK(registry.plugins()[0].abi_minor == 0);
  auto instance = registry.create("old-channel", R"({"url": "x"})", nullptr);
  CHECK_FALSE(instance->takes_requests());
  CHECK(json::parse(instance->send("{}"))["status"] == "delivered");
  CHECK_THROWS_WITH(instance->handle_request("{}"), Contains("takes no webhooks"));
}

TEST_CASE("A trigger whose start() fails reports the host's refusal as an error") {
  auto registry = registry_of({"kinds"});
  // No host table: the minimal host refuses events, and start() reports it.
  auto instance = registry.create("test-trigger", R"({"emit": "x"})", nullptr);
  CHECK_THROWS_WITH(instance->start(), Contains("plugin 'test-trigger' could not start: events cannot be emitted"));
}

TEST_CASE("A source's lookup answers attributes, null for unknown, and an error for failures") {
  auto registry = registry_of({"kinds"});
  auto instance = registry.create("test-source", "{}", nullptr);
  CHECK(json::parse(instance->lookup(R"({"id": "c-9", "attributes": {}})")) == json{{"bookings", 2}, {"seen", "c-9"}});
  CHECK(instance->lookup(R"({"id": "unknown"})") == "null");
  CHECK_THROWS_WITH(instance->lookup(R"({"id": "broken"})"),
                    "plugin 'test-source' lookup() failed: the bookings file is unreadable");
  CHECK_THROWS_WITH(instance->scan(), "plugin 'test-source' does not list rows");
}
