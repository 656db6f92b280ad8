// Channels that send without holding a thread (ChannelSender::send_async, a plugin's
// ABI 1.4 send_async): the send pool's async lanes keep at most `concurrency` sends
// started and not finished, start the others as earlier ones finish, and never nest
// sends on one stack; the dispatcher records their answers like any other.
#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "engine/send_pool.hpp"
#include "engine_fixture.hpp"

using parcours::engine::SendOutcome;
using parcours::engine::SendPool;
using test::client_with;
using test::EngineFixture;
using test::Journeys;

TEST_CASE("an async lane starts at most `concurrency` sends; each finished one starts the next") {
  SendPool pool;
  const int lane = 0;
  std::mutex mutex;
  int running = 0, peak = 0, started = 0;
  std::deque<int> unfinished;
  for (int i = 0; i < 20; ++i)
    pool.submit_async(&lane, 3, [&, i] {
      std::lock_guard lock(mutex);
      peak = std::max(peak, ++running);
      ++started;
      unfinished.push_back(i);
    });
  CHECK(started == 3);  // the others wait for room, on no thread

  // Finished from another thread, as a plugin's connection would: each makes room for one.
  std::thread answers([&] {
    for (int done = 0; done < 20; ++done) {
      {
        std::lock_guard lock(mutex);
        if (unfinished.empty()) return;  // a bug: started == 20 below fails
        unfinished.pop_front();
        --running;
      }
      pool.finished(&lane);
    }
  });
  answers.join();
  CHECK(started == 20);
  CHECK(peak == 3);
  CHECK(running == 0);
}

TEST_CASE("sends that finish inside their start are started in a loop, not one inside the other") {
  SendPool pool;
  const int lane = 0;
  thread_local int depth = 0;
  int deepest = 0, started = 0;
  // The first holds the lane's one slot, so the next 10,000 wait behind it.
  pool.submit_async(&lane, 1, [] {});
  for (int i = 0; i < 10'000; ++i)
    pool.submit_async(&lane, 1, [&] {
      deepest = std::max(deepest, ++depth);
      ++started;
      pool.finished(&lane);  // a send refused at once: answered before start returns
      --depth;
    });
  CHECK(started == 0);
  pool.finished(&lane);  // the first ends: this thread starts the 10,000, one after the other
  CHECK(started == 10'000);
  CHECK(deepest == 1);
}

namespace {

// Email sends asynchronously: the test answers each send later, from a thread of its
// own. SMS answers in place (send()), on the pool's threads.
struct AsyncSender final : parcours::engine::ChannelSender {
  std::mutex mutex;
  std::condition_variable changed;
  std::deque<Done> waiting;  // email sends started, not answered
  std::size_t peak = 0;
  std::size_t started = 0;
  std::thread::id caller = std::this_thread::get_id();

  SendOutcome send(const parcours::config::ClientConfig&, const parcours::config::PluginInstanceConfig& channel,
                   const std::string&) override {
    return {channel.name == "email" ? SendOutcome::Status::failed : SendOutcome::Status::delivered,
            channel.name == "email" ? "email must not be sent with send()" : "", 0, "sms-id"};
  }
  bool concurrent() const override { return true; }
  bool sends_async(const parcours::config::ClientConfig&,
                   const parcours::config::PluginInstanceConfig& channel) const override {
    return channel.name == "email";
  }
  void send_async(const parcours::config::ClientConfig&, const parcours::config::PluginInstanceConfig&,
                  const std::string& message_json, Done done) override {
    if (message_json.find("note: refuse-now") != std::string::npos) {
      // Inside the call, and with no lock held: done may start the next send here.
      done({SendOutcome::Status::failed, "refused at once", 0, {}});
      return;
    }
    std::lock_guard lock(mutex);
    waiting.push_back(std::move(done));
    ++started;
    peak = std::max(peak, waiting.size());
    changed.notify_all();
  }

  // Answers the sends, one at a time, until `count` were answered; false when one did
  // not come within 10 s. (On a thread of its own: no Catch assertion here.)
  bool answer(std::size_t count) {
    for (std::size_t answered = 0; answered < count; ++answered) {
      Done done;
      {
        std::unique_lock lock(mutex);
        if (!changed.wait_for(lock, std::chrono::seconds(10), [&] { return !waiting.empty(); })) return false;
        done = std::move(waiting.front());
        waiting.pop_front();
      }
      done({SendOutcome::Status::delivered, {}, 0, "provider-" + std::to_string(answered)});
    }
    return true;
  }
};

// The email carries the contact's note: "refuse-now" makes the sender answer in the call.
const std::string kEmail = test::one_email("note: {{contact.note}}");

// Ten contacts c0..c9 each sent one email by a background dispatcher, through an
// AsyncSender; `note(i)` is contact i's note.
struct TenEmails {
  EngineFixture f{Journeys{{"j", kEmail}}, client_with("concurrency = 2")};
  AsyncSender sender;
  parcours::engine::Dispatcher dispatcher{*f.engine, *f.store, f.clock, sender};

  explicit TenEmails(const std::function<std::string(int)>& note) {
    dispatcher.send_in_background({});
    for (int i = 0; i < 10; ++i)
      f.engine->ingest(
          "acme",
          {parcours::engine::parse_event(
              nlohmann::json{{"type", "go"}, {"contact", "c" + std::to_string(i)}, {"attributes", {{"note", note(i)}}}},
              "t")});
  }

  // Answers `count` sends from a thread of its own while the dispatcher drains.
  std::size_t drain_answering(std::size_t count) {
    bool answered = false;
    std::thread answers([&] { answered = sender.answer(count); });
    const std::size_t recorded = dispatcher.drain();
    answers.join();
    CHECK(answered);
    return recorded;
  }

  std::size_t count_status(const char* status) {
    std::size_t found = 0;
    f.store->transact([&](parcours::store::Transaction& tx) {
      found = 0;
      for (int i = 0; i < 10; ++i)
        for (const auto& m : tx.contact_messages("acme", "c" + std::to_string(i), 10))
          found += std::string(parcours::store::to_string(m.status)) == status ? 1 : 0;
    });
    return found;
  }
};

}  // namespace

TEST_CASE("in the background, an async channel's sends wait on no thread, keep to its concurrency, and are recorded") {
  TenEmails run([](int) { return "fine"; });
  CHECK(run.dispatcher.dispatch_due() == 10);  // returns with the sends under way
  CHECK(run.dispatcher.in_flight() == 10);
  {
    std::lock_guard lock(run.sender.mutex);
    CHECK(run.sender.started == 2);  // the channel's concurrency; the other 8 wait their turn
  }
  CHECK(run.drain_answering(10) == 10);
  CHECK(run.sender.peak == 2);
  CHECK(run.count_status("delivered") == 10);
  run.f.store->transact([&](parcours::store::Transaction& tx) {
    const auto messages = tx.contact_messages("acme", "c0", 10);
    REQUIRE(messages.size() == 1);
    CHECK_THAT(messages[0].provider_id, Catch::StartsWith("provider-"));
  });
}

TEST_CASE("an async send answered inside the call is recorded, and the next one still starts") {
  TenEmails run([](int i) { return i % 2 == 0 ? "refuse-now" : "fine"; });
  CHECK(run.dispatcher.dispatch_due() == 10);
  CHECK(run.drain_answering(5) == 10);
  CHECK(run.count_status("failed") == 5);
  CHECK(run.count_status("delivered") == 5);
}

TEST_CASE("a dispatcher going away waits until the plugin's thread is done handing over the last answer") {
  // The answer comes on a thread nothing joins: the dispatcher must not go while that
  // thread still runs its code (here, a wake-up that takes 50 ms).
  EngineFixture f(Journeys{{"j", kEmail}}, client_with(""));
  AsyncSender sender;
  std::atomic<bool> wake_returned{false};
  std::thread answers;
  {
    parcours::engine::Dispatcher dispatcher(*f.engine, *f.store, f.clock, sender);
    dispatcher.send_in_background([&] {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      wake_returned = true;
    });
    f.engine->ingest("acme", {parcours::engine::parse_event(nlohmann::json{{"type", "go"}, {"contact", "c0"}}, "t")});
    CHECK(dispatcher.dispatch_due() == 1);
    answers = std::thread([&] { sender.answer(1); });
  }  // drains
  CHECK(wake_returned);
  answers.join();
}
