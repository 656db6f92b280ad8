// Dispatcher::send_in_background (what `parcours run` uses on the wall clock): channels
// are called on threads of their own, a slow channel holds back only its own messages,
// answers are recorded when record_answers() runs, and nothing is lost at the end.
#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <string>
#include <thread>

#include "engine_fixture.hpp"

using parcours::engine::SendOutcome;
using test::EngineFixture;
using test::Journeys;
using test::kEmailThenSms;

namespace {

// Email answers only once the test opens the gate; SMS at once.
struct GatedSender final : parcours::engine::ChannelSender {
  std::mutex mutex;
  std::condition_variable changed;
  bool open = false;
  int email_waiting = 0;
  std::atomic<int> sms_sent{0};

  SendOutcome send(const parcours::config::ClientConfig&, const parcours::config::PluginInstanceConfig& channel,
                   const std::string&) override {
    if (channel.name == "sms") {
      ++sms_sent;
      return {SendOutcome::Status::delivered, {}, 0, "sms-id"};
    }
    std::unique_lock lock(mutex);
    ++email_waiting;
    changed.notify_all();
    changed.wait(lock, [&] { return open; });
    return {SendOutcome::Status::retry, "greylisted", 0, {}};
  }
  bool concurrent() const override { return true; }

  void open_gate() {
    std::lock_guard lock(mutex);
    open = true;
    changed.notify_all();
  }
  bool wait_for_email(int count) {
    std::unique_lock lock(mutex);
    return changed.wait_for(lock, std::chrono::seconds(10), [&] { return email_waiting >= count; });
  }
};

// "email:sent sms:delivered ": the contact's messages by channel name.
std::string statuses(EngineFixture& f, const std::string& contact) {
  std::vector<std::string> found;
  f.store->transact([&](parcours::store::Transaction& tx) {
    found.clear();
    for (const auto& m : tx.contact_messages("acme", contact, 10))
      found.push_back(m.channel + ":" + std::string(parcours::store::to_string(m.status)) + " ");
  });
  std::sort(found.begin(), found.end());
  std::string out;
  for (const auto& item : found) out += item;
  return out;
}

}  // namespace

// Calls record_answers() until `count` answers are recorded (they come on other threads).
bool record(parcours::engine::Dispatcher& dispatcher, std::size_t count) {
  std::size_t recorded = 0;
  for (int i = 0; i < 1000 && recorded < count; ++i) {
    recorded += dispatcher.record_answers();
    if (recorded < count) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return recorded == count;
}

void go(EngineFixture& f, const std::string& contact) {
  f.engine->ingest("acme", {parcours::engine::parse_event(nlohmann::json{{"type", "go"}, {"contact", contact}}, "t")});
}

TEST_CASE("in the background, a channel that hangs holds back neither the caller nor another channel") {
  EngineFixture f(Journeys{{"j", kEmailThenSms}});
  GatedSender sender;
  std::atomic<int> wakes{0};
  parcours::engine::Dispatcher dispatcher(*f.engine, *f.store, f.clock, sender, &f.timeline);
  dispatcher.send_in_background([&] { ++wakes; });

  go(f, "ann");
  CHECK(dispatcher.dispatch_due() == 2);  // returns at once, the email still on the wire
  REQUIRE(sender.wait_for_email(1));
  REQUIRE(record(dispatcher, 1));  // the SMS's answer, while the email hangs
  CHECK(statuses(f, "ann") == "email:sent sms:delivered ");
  CHECK(dispatcher.in_flight() == 1);

  sender.open_gate();
  CHECK(dispatcher.drain() == 1);
  CHECK(dispatcher.in_flight() == 0);
  CHECK(statuses(f, "ann") == "email:queued sms:delivered ");  // the email's retry, recorded
  for (int i = 0; i < 200 && wakes == 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  CHECK(wakes >= 1);                                    // the last answer out wakes the caller to record it
  CHECK(f.timeline.lines().back().ends_with(" send"));  // the observer hears of the delivered SMS
}

TEST_CASE("in the background, no more than max_in_flight messages are out; answers make room") {
  EngineFixture f(Journeys{{"j", kEmailThenSms}}, EngineFixture::kDefaultClient + std::string("concurrency = 4\n"));
  GatedSender sender;
  parcours::engine::Dispatcher dispatcher(*f.engine, *f.store, f.clock, sender);
  dispatcher.send_in_background({}, 2);
  for (const char* contact : {"a", "b", "c"}) go(f, contact);

  CHECK(dispatcher.dispatch_due() == 2);  // 6 due, 2 taken
  CHECK(dispatcher.dispatch_due() == 0);  // full: nothing decided, nothing lost
  CHECK(dispatcher.in_flight() == 2);
  sender.open_gate();
  std::size_t decided = 2;
  for (int i = 0; i < 1000 && decided < 6; ++i) {
    dispatcher.record_answers();
    decided += dispatcher.dispatch_due();
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  dispatcher.drain();
  CHECK(decided == 6);
  for (const char* contact : {"a", "b", "c"}) CHECK(statuses(f, contact) == "email:queued sms:delivered ");
}

TEST_CASE("a dispatcher going away waits for the messages on the wire and records their answers") {
  EngineFixture f(Journeys{{"j", kEmailThenSms}});
  GatedSender sender;
  std::thread later;
  {
    parcours::engine::Dispatcher dispatcher(*f.engine, *f.store, f.clock, sender);
    dispatcher.send_in_background({});
    go(f, "ann");
    dispatcher.dispatch_due();
    REQUIRE(sender.wait_for_email(1));
    later = std::thread([&] {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      sender.open_gate();
    });
  }  // the destructor drains
  later.join();
  CHECK(statuses(f, "ann") == "email:queued sms:delivered ");
}

namespace {

const std::string kTemplated = R"toml([entry]
on = "go"
[[steps]]
id = "mail"
send = "email"
template = "hello"
)toml";

std::int64_t counter(EngineFixture& f, const char* name) {
  std::int64_t value = 0;
  f.store->transact([&](parcours::store::Transaction& tx) { value = tx.counter("acme", "j", "mail", name); });
  return value;
}

}  // namespace

TEST_CASE("in the background too, a message that cannot be rendered is failed before it goes out, not counted sent") {
  EngineFixture f(Journeys{{"j", kTemplated}});
  for (const char* file : {"hello.txt", "hello.subject"})
    std::filesystem::remove(f.clients.front().directory / "templates" / file);
  test::RecordingSender sender;
  parcours::engine::Dispatcher dispatcher(*f.engine, *f.store, f.clock, sender);
  dispatcher.send_in_background({});
  go(f, "ann");
  CHECK(dispatcher.dispatch_due() == 1);
  CHECK(dispatcher.drain() == 0);  // failed while being decided: nothing went out
  CHECK(sender.calls.empty());
  CHECK(statuses(f, "ann") == "email:failed ");
  f.store->transact([&](parcours::store::Transaction& tx) {
    const auto messages = tx.contact_messages("acme", "ann", 10);
    REQUIRE(messages.size() == 1);
    CHECK_THAT(messages[0].reason, Catch::StartsWith("cannot render: template 'hello' has no file"));
  });
  CHECK(counter(f, "sent") == 0);  // as when rendering in place: failed, never sent
  CHECK(counter(f, "failed") == 1);
}
