// WorkRunner::run_due with background sending (what `parcours run` does): due timers
// wait while every sending slot is taken, so that the messages their steps send are
// decided at the step rather than queued in the outbox and handled twice — but not
// beyond kTimersWaitForSendingAtMost, so a channel that stops answering cannot hold up
// every journey.
#include <catch2/catch.hpp>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "engine/engine_fixture.hpp"
#include "host/work_runner.hpp"
#include "store/sqlite_store.hpp"

using parcours::engine::SendOutcome;
using parcours::host::WorkRunner;
using parcours::store::Transaction;
using test::EngineFixture;
using test::Journeys;
using test::kWaitThenEmail;

namespace {

// Delivers every message once the test opens the gate, or as many as it lets through.
struct GatedSender final : parcours::engine::ChannelSender {
  std::mutex mutex;
  std::condition_variable changed;
  bool open = false;
  int let_through = 0;
  int waiting = 0;
  SendOutcome send(const parcours::config::ClientConfig&, const parcours::config::PluginInstanceConfig&,
                   const std::string&) override {
    std::unique_lock lock(mutex);
    ++waiting;
    changed.notify_all();
    changed.wait(lock, [&] { return open || let_through > 0; });
    if (!open) --let_through;
    return {SendOutcome::Status::delivered, {}, 0, "id"};
  }
  bool concurrent() const override { return true; }
  void open_gate() {
    std::lock_guard lock(mutex);
    open = true;
    changed.notify_all();
  }
  void let(int count) {
    std::lock_guard lock(mutex);
    let_through += count;
    changed.notify_all();
  }
  bool wait_for(int count) {
    std::unique_lock lock(mutex);
    return changed.wait_for(lock, std::chrono::seconds(10), [&] { return waiting >= count; });
  }
};

struct Run {
  EngineFixture f{Journeys{{"j", kWaitThenEmail}}};
  GatedSender sender;
  parcours::engine::Dispatcher dispatcher{*f.engine, *f.store, f.clock, sender};
  WorkRunner runner{*f.engine, dispatcher, *f.store, f.clock};

  explicit Run(std::size_t max_in_flight) { dispatcher.send_in_background({}, max_in_flight); }
  ~Run() { sender.open_gate(); }  // a failed check leaves none waiting for ever
  void go(const std::string& contact) {
    f.engine->ingest("acme",
                     {parcours::engine::parse_event(nlohmann::json{{"type", "go"}, {"contact", contact}}, "t")});
  }
  std::size_t timers(const std::vector<std::string>& contacts = {"a", "b", "c"}) {
    std::size_t pending = 0;
    f.store->transact([&](Transaction& tx) {
      pending = 0;
      for (const auto& contact : contacts)
        for (const auto& enrollment : tx.contact_enrollments("acme", contact)) pending += enrollment.wake_at ? 1 : 0;
    });
    return pending;
  }
  // Waits until the channel answered all but `count` of the messages out.
  bool answered_down_to(std::size_t count) {
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (dispatcher.in_flight() > count)
      if (std::chrono::steady_clock::now() > until)
        return false;
      else
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    return true;
  }
  std::size_t outbox() {
    std::size_t queued = 0;
    f.store->transact([&](Transaction& tx) { queued = tx.due_messages(f.clock.now() + test::kDay, 100).size(); });
    return queued;
  }
};

}  // namespace

TEST_CASE("while every sending slot is taken, due timers wait for one, at most kTimersWaitForSendingAtMost") {
  Run run(1);
  for (const char* contact : {"a", "b", "c"}) run.go(contact);
  run.f.clock.set(run.f.clock.now() + test::kMinute);

  // One slot: one timer fires and its message goes out; the other two wait, their
  // messages neither decided nor queued.
  run.runner.run_due();
  REQUIRE(run.sender.wait_for(1));
  CHECK(run.dispatcher.in_flight() == 1);
  CHECK(run.timers() == 2);
  CHECK(run.outbox() == 0);

  // Just short of the bound, they still wait.
  run.f.clock.set(run.f.clock.now() + WorkRunner::kTimersWaitForSendingAtMost - 1);
  run.runner.run_due();
  CHECK(run.timers() == 2);

  // The channel still has not answered: past the bound the journeys go on, and their
  // messages queue in the outbox for a free slot.
  run.f.clock.set(run.f.clock.now() + 1);
  run.runner.run_due();
  CHECK(run.timers() == 0);
  CHECK(run.outbox() == 2);

  run.sender.open_gate();
  run.dispatcher.drain();
  CHECK(run.dispatcher.in_flight() == 0);
}

TEST_CASE("a free sending slot lets the next due timer fire, and its message is decided at its step") {
  Run run(1);
  for (const char* contact : {"a", "b"}) run.go(contact);
  run.f.clock.set(run.f.clock.now() + test::kMinute);
  run.runner.run_due();
  REQUIRE(run.sender.wait_for(1));
  CHECK(run.timers() == 1);

  run.sender.open_gate();
  run.dispatcher.drain();  // the first answer recorded: the slot is free again
  run.runner.run_due();
  run.dispatcher.drain();
  CHECK(run.timers() == 0);
  CHECK(run.outbox() == 0);  // never queued: taken when its step ran
  CHECK(run.sender.waiting == 2);
}

TEST_CASE("due timers wait for a round's share of free sending slots, so each transaction carries a batch") {
  Run run(16);  // a round: 16 / 8 = 2 slots
  REQUIRE(run.dispatcher.slots_per_round() == 2);
  std::vector<std::string> contacts;
  for (int i = 0; i < 20; ++i) contacts.push_back("c" + std::to_string(i));
  for (const auto& contact : contacts) run.go(contact);
  const auto due = run.f.clock.now() + test::kMinute;
  run.f.clock.set(due);

  run.runner.run_due();  // 16 fire, as many as there are slots
  CHECK(run.dispatcher.in_flight() == 16);
  CHECK(run.timers(contacts) == 4);

  // One answer back: one slot free, fewer than a round's share. The timers wait, and
  // by the clock they are next due when they stop waiting.
  run.sender.let(1);
  REQUIRE(run.answered_down_to(15));
  run.runner.run_due();
  CHECK(run.timers(contacts) == 4);
  CHECK(run.outbox() == 0);
  CHECK(run.runner.next_due() == due + WorkRunner::kTimersWaitForSendingAtMost);

  // A second answer: a round's share of slots, and two timers fire.
  run.sender.let(1);
  REQUIRE(run.answered_down_to(14));
  run.runner.run_due();
  CHECK(run.timers(contacts) == 2);
  CHECK(run.outbox() == 0);

  run.sender.open_gate();
  run.dispatcher.drain();
}

TEST_CASE("the answers back so far are recorded in the transaction that fires the next timers") {
  Run run(16);
  auto* sqlite = dynamic_cast<parcours::store::SqliteStore*>(run.f.store.get());
  REQUIRE(sqlite != nullptr);
  for (const char* contact : {"a", "b"}) run.go(contact);
  run.f.clock.set(run.f.clock.now() + test::kMinute);
  run.runner.run_due();
  run.sender.open_gate();
  REQUIRE(run.answered_down_to(0));  // both answered, neither recorded yet

  run.go("c");
  run.f.clock.set(run.f.clock.now() + test::kMinute);
  const auto commits = sqlite->stats().commits;
  run.runner.run_due();
  // One commit records both answers and fires c's timer; the outbox's look (nothing
  // due) is the other.
  CHECK(sqlite->stats().commits == commits + 2);
  CHECK(run.timers() == 0);
  std::size_t delivered = 0;
  run.f.store->transact([&](Transaction& tx) {
    delivered = 0;
    for (const char* contact : {"a", "b"})
      for (const auto& message : tx.contact_messages("acme", contact, 10))
        delivered += message.status == parcours::store::MessageStatus::delivered ? 1 : 0;
  });
  CHECK(delivered == 2);
  run.dispatcher.drain();
  std::int64_t counted = 0;
  run.f.store->transact([&](Transaction& tx) { counted = tx.counter("acme", "j", "mail", "delivered"); });
  CHECK(counted == 3);
}
