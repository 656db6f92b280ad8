// ABI 1.4's send_async through the loader: a channel that has it offers it, answers on
// its own thread, and every way a plugin can get it wrong (answering inside the call,
// throwing, dropping the answer, answering twice) still gives the host exactly one
// answer. A channel without it is sent with send() behind the same call.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <future>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "fixtures.hpp"
#include "plugin/registry.hpp"

using nlohmann::json;
using parcours::plugin::Registry;
using parcours::plugin::test::fixture_dir;

namespace {

Registry async_registry() {
  Registry registry;
  registry.discover({fixture_dir("async"), fixture_dir("valid")});
  REQUIRE(registry.refused().empty());
  return registry;
}

const std::string kTestChannelSettings =
    R"({"url": "https://gw.test", "retries": 5, "verbose": true, "timeout": 90000, "token": "t", "tags": ["x"]})";

// Sends one message with send_async; returns its result and the thread it came on.
struct Answer {
  json result;
  std::thread::id thread;
  bool before_return = false;  // answered before send_async returned
};
Answer send_async(parcours::plugin::Instance& instance, const json& message) {
  std::promise<Answer> promise;
  auto future = promise.get_future();
  std::atomic<bool> returned{false};
  instance.send_async(message.dump(), [&](std::string result) {
    promise.set_value({json::parse(result), std::this_thread::get_id(), !returned.load()});
  });
  returned = true;
  REQUIRE(future.wait_for(std::chrono::seconds(10)) == std::future_status::ready);
  return future.get();
}

}  // namespace

TEST_CASE("A channel that overrides send_async offers it (ABI 1.4); one that does not, does not") {
  auto registry = async_registry();
  CHECK(registry.create("async-channel", "{}", nullptr)->sends_async());
  CHECK_FALSE(registry.create("test-channel", kTestChannelSettings, nullptr)->sends_async());
}

TEST_CASE("send_async answers on the plugin's own thread; send() still works on the same plugin") {
  auto registry = async_registry();
  auto instance = registry.create("async-channel", "{}", nullptr);
  const auto answer = send_async(*instance, {{"idempotency_key", "k-1"}});
  CHECK(answer.result == json{{"status", "delivered"}, {"provider_id", "async#k-1"}});
  CHECK(answer.thread != std::this_thread::get_id());
  CHECK(json::parse(instance->send(json{{"idempotency_key", "k-2"}}.dump())) ==
        json{{"status", "delivered"}, {"provider_id", "sync#k-2"}});
}

TEST_CASE("send_async's answer given inside the call, a throw, a dropped or a doubled answer: one answer each") {
  auto registry = async_registry();
  auto instance = registry.create("async-channel", "{}", nullptr);

  const auto now = send_async(*instance, {{"idempotency_key", "k"}, {"params", {{"outcome", "now"}}}});
  CHECK(now.result == json{{"status", "delivered"}, {"provider_id", "now#k"}});
  CHECK(now.before_return);
  CHECK(now.thread == std::this_thread::get_id());

  CHECK(send_async(*instance, {{"params", {{"outcome", "throw"}}}}).result ==
        json{{"status", "failed"}, {"error", "the provider's client broke"}});
  CHECK(send_async(*instance, {{"params", {{"outcome", "drop"}}}}).result ==
        json{{"status", "failed"}, {"error", "the channel dropped the message without answering"}});

  std::vector<std::string> answers;
  instance->send_async(json{{"params", {{"outcome", "twice"}}}}.dump(),
                       [&](std::string result) { answers.push_back(std::move(result)); });
  REQUIRE(answers.size() == 1);  // a second call would have freed the host's context twice
  CHECK(json::parse(answers[0]) == json{{"status", "delivered"}, {"provider_id", "first"}});
}

TEST_CASE("Without send_async in the plugin, Instance::send_async sends with send() and answers in the call") {
  auto registry = async_registry();
  auto instance = registry.create("test-channel", kTestChannelSettings, nullptr);
  const auto answer = send_async(*instance, {{"idempotency_key", "k-3"}, {"params", {{"audience", "all"}}}});
  CHECK(answer.result == json{{"status", "delivered"}, {"provider_id", "https://gw.test#k-3"}});
  CHECK(answer.before_return);
}

TEST_CASE("Destroying an instance answers every send it still had in flight first") {
  auto registry = async_registry();
  auto instance = registry.create("async-channel", "{}", nullptr);
  std::mutex mutex;
  std::vector<std::string> answers;
  for (int i = 0; i < 200; ++i)
    instance->send_async(json{{"idempotency_key", "k" + std::to_string(i)}}.dump(), [&](std::string result) {
      std::lock_guard lock(mutex);
      answers.push_back(std::move(result));
    });
  instance.reset();
  std::lock_guard lock(mutex);
  CHECK(answers.size() == 200);
  CHECK(json::parse(answers.back())["status"] == "delivered");
}
