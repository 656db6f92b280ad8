// Messages decided when their step runs (Dispatcher as the engine's MessageTaker, what
// `parcours run` does for the steps its timers run): in the step's transaction, by the
// rules the outbox applies, stored with the outcome, handed over only once that
// transaction committed, and left to the outbox whenever the outbox must decide.
#include <catch2/catch.hpp>

#include <stdexcept>
#include <string>
#include <vector>

#include "engine_fixture.hpp"

using parcours::store::MessageRecord;
using parcours::store::Transaction;
using test::client_with;
using test::EngineFixture;
using test::Journeys;
using test::kWaitThenEmail;

namespace {

struct Run {
  EngineFixture f;
  test::RecordingSender sender;
  parcours::engine::Dispatcher dispatcher{*f.engine, *f.store, f.clock, sender};

  explicit Run(const std::string& client_toml, std::size_t max_in_flight = 1000)
      : f(Journeys{{"j", kWaitThenEmail}}, client_toml) {
    dispatcher.send_in_background({}, max_in_flight);
  }
  void go(const std::string& contact, const std::string& attributes = R"({"first_name": "Ann"})") {
    f.engine->ingest("acme",
                     {parcours::engine::parse_event(nlohmann::json::parse(R"({"type": "go", "contact": ")" + contact +
                                                                          R"(", "attributes": )" + attributes + "}"),
                                                    "t")});
  }
  // The clock a minute on, and the timers run with the dispatcher taking their messages.
  std::size_t fire() {
    f.clock.set(f.clock.now() + 60'000);
    return f.engine->run_due_timers(500, &dispatcher);
  }
  std::string status(const std::string& contact) {
    std::string found;
    f.store->transact([&](Transaction& tx) {
      const auto messages = tx.contact_messages("acme", contact, 10);
      found = messages.size() == 1 ? parcours::store::to_string(messages[0].status) : std::to_string(messages.size());
    });
    return found;
  }
  std::size_t outbox() {
    std::size_t due = 0;
    f.store->transact([&](Transaction& tx) { due = tx.due_messages(f.clock.now() + 86'400'000, 100).size(); });
    return due;
  }
  std::int64_t counter(const char* name) {
    std::int64_t value = 0;
    f.store->transact([&](Transaction& tx) { value = tx.counter("acme", "j", "mail", name); });
    return value;
  }
};

}  // namespace

TEST_CASE("a message its timer's step sends is stored `sent` in that step's transaction, and sent once it commits") {
  Run run(client_with(""));
  run.go("ann");
  CHECK(run.fire() == 1);
  // Decided with the step: never queued in the outbox, already `sent`, not yet handed over.
  CHECK(run.status("ann") == "sent");
  CHECK(run.outbox() == 0);
  CHECK(run.sender.sent() == 0);
  CHECK(run.dispatcher.hand_over_taken() == 1);
  CHECK(run.dispatcher.drain() == 1);
  CHECK(run.sender.contacts() == std::vector<std::string>{"ann"});
  CHECK(run.status("ann") == "delivered");
  CHECK(run.counter("queued") == 1);
  CHECK(run.counter("sent") == 1);
  CHECK(run.counter("delivered") == 1);
  CHECK(run.dispatcher.dispatch_due() == 0);  // nothing left for the outbox
}

TEST_CASE("a message taken at its step meets the outbox's rules: consent suppresses it there and then") {
  std::string toml = client_with("");
  toml.replace(toml.find("require_consent = false"), 23, "require_consent = true");
  Run run(toml);
  run.go("ann", R"({"first_name": "Ann", "consent": {"email": true}})");
  run.go("bob", R"({"first_name": "Bob"})");
  CHECK(run.fire() == 2);
  CHECK(run.status("ann") == "sent");
  CHECK(run.status("bob") == "suppressed");
  CHECK(run.dispatcher.hand_over_taken() == 2);
  run.dispatcher.drain();
  CHECK(run.sender.contacts() == std::vector<std::string>{"ann"});
  CHECK(run.counter("suppressed:consent") == 1);
  CHECK(run.counter("sent") == 1);
}

TEST_CASE("a paced channel's messages, and any beyond the free sending slots, are left to the outbox") {
  SECTION("a channel with a rate keeps the outbox's order") {
    Run run(client_with("rate = \"10/s\""));
    run.go("ann");
    run.fire();
    CHECK(run.status("ann") == "queued");
    CHECK(run.dispatcher.hand_over_taken() == 0);
    CHECK(run.dispatcher.dispatch_due() == 1);
  }
  SECTION("one slot: the first is taken, the second waits in the outbox") {
    Run run(client_with(""), 1);
    run.go("ann");
    run.go("bob");
    CHECK(run.fire() == 2);
    CHECK(run.status("ann") == "sent");
    CHECK(run.status("bob") == "queued");
    CHECK(run.dispatcher.hand_over_taken() == 1);
    run.dispatcher.drain();
    CHECK(run.dispatcher.dispatch_due() == 1);
    run.dispatcher.drain();
    CHECK(run.sender.sent() == 2);
  }
  SECTION("on a manual clock (no background sending) nothing is taken") {
    EngineFixture f(Journeys{{"j", kWaitThenEmail}}, client_with(""));
    f.engine->ingest(
        "acme", {parcours::engine::parse_event(nlohmann::json::parse(R"({"type": "go", "contact": "ann"})"), "t")});
    f.clock.set(f.clock.now() + 60'000);
    CHECK(f.engine->run_due_timers(500, f.dispatcher.get()) == 1);
    CHECK(f.dispatcher->hand_over_taken() == 0);
    CHECK(f.dispatcher->dispatch_due() == 1);
  }
}

TEST_CASE("messages taken in a transaction that fails are never handed over, and are taken again with the retry") {
  Run run(client_with(""));
  run.go("ann");
  // Takes the message, then the rest of the transaction fails (a disk full, say).
  struct FailsAfterTaking final : parcours::engine::MessageTaker {
    parcours::engine::Dispatcher& dispatcher;
    explicit FailsAfterTaking(parcours::engine::Dispatcher& d) : dispatcher(d) {}
    void restart() override { dispatcher.restart(); }
    bool take_now(Transaction& tx, MessageRecord& message) override {
      dispatcher.take_now(tx, message);
      throw std::runtime_error("disk full");
    }
  } failing(run.dispatcher);
  run.f.clock.set(run.f.clock.now() + 60'000);
  CHECK_THROWS_WITH(run.f.engine->run_due_timers(500, &failing), "disk full");
  CHECK(run.status("ann") == "0");  // rolled back: no message

  SECTION("the caller drops what was taken (the host's work loop)") {
    run.dispatcher.drop_taken();
    CHECK(run.dispatcher.hand_over_taken() == 0);
  }
  SECTION("or the work, run again, starts from nothing (a store retrying a transaction)") {}
  CHECK(run.sender.sent() == 0);
  // The timer is still due: the next round takes the message again, once.
  CHECK(run.f.engine->run_due_timers(500, &run.dispatcher) == 1);
  CHECK(run.dispatcher.hand_over_taken() == 1);
  run.dispatcher.drain();
  CHECK(run.sender.contacts() == std::vector<std::string>{"ann"});
  CHECK(run.counter("sent") == 1);
}
