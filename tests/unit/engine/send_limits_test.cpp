// A channel's `rate` and `concurrency` (client.toml): the dispatcher paces sends to a
// channel and runs up to `concurrency` of them at once, each channel on its own.
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <thread>

#include "engine_fixture.hpp"

using test::client_with;
using test::EngineFixture;
using test::Journeys;
using test::kEmailThenSms;
using test::kStart;

namespace {

const std::string kOneSend = test::one_email("hi");

// Milliseconds after kStart of each send, in timeline order.
std::vector<long long> send_offsets(const EngineFixture& f) {
  std::vector<long long> out;
  for (const auto& action : f.timeline.actions)
    if (action.action == "send") out.push_back(action.time - kStart);
  return out;
}

}  // namespace

TEST_CASE("rate = \"2/s\": a burst of one second's worth, then one every half second") {
  EngineFixture f(Journeys{{"j", kOneSend}}, client_with("rate = \"2/s\""));
  for (int i = 0; i < 6; ++i)
    f.engine->ingest("acme", {parcours::engine::parse_event(
                                 nlohmann::json{{"type", "go"}, {"contact", "c" + std::to_string(i)}}, "test")});
  f.advance_to(kStart + 10'000);
  CHECK(send_offsets(f) == std::vector<long long>{0, 0, 500, 1000, 1500, 2000});
}

TEST_CASE("rate = \"60/m\" paces a backlog one a second, and other channels are not held back") {
  EngineFixture f(Journeys{{"j", kEmailThenSms}}, client_with("rate = \"60/m\""));
  for (int i = 0; i < 3; ++i)
    f.engine->ingest("acme", {parcours::engine::parse_event(
                                 nlohmann::json{{"type", "go"}, {"contact", "c" + std::to_string(i)}}, "test")});
  f.advance_to(kStart + 10'000);
  std::map<std::string, std::vector<long long>> by_channel;
  for (const auto& action : f.timeline.actions)
    if (action.action == "send") by_channel[action.channel].push_back(action.time - kStart);
  CHECK(by_channel["email"] == std::vector<long long>{0, 1000, 2000});
  CHECK(by_channel["sms"] == std::vector<long long>{0, 0, 0});
}

namespace {

// Counts sends in flight per channel; each takes a little while, as a network call.
struct SlowSender final : parcours::engine::ChannelSender {
  std::mutex mutex;
  std::map<std::string, int> in_flight, peak;
  int total_in_flight = 0, total_peak = 0;
  std::atomic<int> sent{0};

  parcours::engine::SendOutcome send(const parcours::config::ClientConfig&,
                                     const parcours::config::PluginInstanceConfig& channel,
                                     const std::string&) override {
    {
      std::lock_guard lock(mutex);
      peak[channel.name] = std::max(peak[channel.name], ++in_flight[channel.name]);
      total_peak = std::max(total_peak, ++total_in_flight);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    {
      std::lock_guard lock(mutex);
      --in_flight[channel.name];
      --total_in_flight;
    }
    ++sent;
    return {parcours::engine::SendOutcome::Status::delivered, {}, 0, {}};
  }
  bool concurrent() const override { return true; }
};

}  // namespace

TEST_CASE("concurrency caps the sends in flight per channel; channels run side by side") {
  EngineFixture f(Journeys{{"j", kEmailThenSms}}, client_with("concurrency = 3", "concurrency = 1"));
  SlowSender sender;
  parcours::engine::Dispatcher dispatcher(*f.engine, *f.store, f.clock, sender);
  std::vector<parcours::engine::IncomingEvent> events;
  for (int i = 0; i < 12; ++i)
    events.push_back(
        parcours::engine::parse_event(nlohmann::json{{"type", "go"}, {"contact", "c" + std::to_string(i)}}, "test"));
  f.engine->ingest("acme", events);
  dispatcher.dispatch_due();
  CHECK(sender.sent == 24);
  CHECK(sender.peak["email"] <= 3);
  CHECK(sender.peak["sms"] == 1);
  // 12 sends of 20 ms each on email with 3 at a time overlap; so do the two channels.
  CHECK(sender.peak["email"] >= 2);
  CHECK(sender.total_peak >= 2);
}
