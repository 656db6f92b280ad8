#include <catch2/catch.hpp>

#include <algorithm>
#include <regex>

#include "engine_fixture.hpp"

using Catch::Matchers::Contains;
using parcours::store::EnrollmentStatus;
using parcours::store::MessageStatus;
using test::EngineFixture;
using test::Journeys;
using test::kDay;
using test::kHour;
using test::kMinute;
using test::kStart;
using Lines = std::vector<std::string>;

namespace {

const char* const kCart = R"toml(id = "cart"
[entry]
on = "cart.updated"
when = "event.total > 0"
reentry = "after_exit"
[goal]
on = "order.completed"
[[steps]]
id = "wait-order"
wait_for = "order.completed"
timeout = "1h"
on_event = "end"
on_timeout = "reminder"
[[steps]]
id = "reminder"
send = "email"
template = "hello"
[[steps]]
id = "pause"
wait = "1d"
[[steps]]
id = "pick"
branch = [
  { when = "contact.consent.sms", goto = "sms" },
  { goto = "end" },
]
[[steps]]
id = "sms"
send = "sms"
text = "Cart: {{event.total}}"
)toml";

std::string cart_event(const std::string& id, const std::string& contact, double total, const std::string& extra = "") {
  return R"({"id":")" + id + R"(","type":"cart.updated","contact":")" + contact + R"(","properties":{"total":)" +
         std::to_string(total) + "}" + extra + "}";
}

}  // namespace

TEST_CASE("an event enrolls, waits for the order, times out and sends, a day later branches to an SMS") {
  EngineFixture f(Journeys{{"cart", kCart}});
  f.event(cart_event("e1", "ann", 89.9, R"(,"attributes":{"first_name":"Ann","consent":{"sms":true}})"));
  f.advance_to(kStart + 3 * kDay);
  CHECK(f.timeline.lines() == Lines{"0m ann cart - enter", "0m ann cart wait-order wait", "60m ann cart pause wait",
                                    "60m ann cart reminder send", "1500m ann cart pick branch", "1500m ann cart - end",
                                    "1500m ann cart sms send"});
  REQUIRE(f.sender.received.size() == 2);
  CHECK(f.sender.received[0]["content"]["subject"] == "Hi Ann");
  CHECK(f.sender.received[0]["content"]["text"] == "Hello Ann");
  CHECK(f.sender.received[1]["content"]["text"] == "Cart: 89.9");
  CHECK(f.enrollments("ann").at(0).status == EnrollmentStatus::completed);
}

TEST_CASE("entry.when that does not hold enrolls nobody") {
  EngineFixture f(Journeys{{"cart", kCart}});
  f.event(cart_event("e1", "ann", 0));
  CHECK(f.timeline.actions.empty());
  CHECK(f.enrollments("ann").empty());
}

TEST_CASE("the awaited event wakes the enrollment and its goal converts it, cancelling the timeout") {
  EngineFixture f(Journeys{{"cart", kCart}});
  f.event(cart_event("e1", "ann", 10));
  f.event(R"({"id":"o1","type":"order.completed","contact":"ann"})", kStart + 30 * kMinute);
  f.advance_to(kStart + 5 * kDay);
  CHECK(f.timeline.lines() == Lines{"0m ann cart - enter", "0m ann cart wait-order wait", "30m ann cart - goal"});
  CHECK(f.enrollments("ann").at(0).status == EnrollmentStatus::converted);
  CHECK(f.sender.received.empty());
  CHECK_FALSE(f.engine->next_timer_due());  // the timeout timer is gone
}

TEST_CASE("a repeated event id is accepted and not processed twice") {
  EngineFixture f(Journeys{{"cart", kCart}});
  CHECK(f.event(cart_event("e1", "ann", 10)).accepted == 1);
  const auto again = f.event(cart_event("e1", "ann", 10));
  CHECK(again.accepted == 0);
  CHECK(again.duplicates == 1);
  CHECK(f.enrollments("ann").size() == 1);
}

TEST_CASE("re-entry: never, after_exit and always") {
  const auto journey = [](const char* reentry) {
    return std::string("[entry]\non = \"visit\"\nreentry = \"") + reentry + "\"\n[[steps]]\nwait = \"1d\"\n";
  };
  EngineFixture f(
      Journeys{{"never", journey("never")}, {"after-exit", journey("after_exit")}, {"always", journey("always")}});
  f.event(R"({"id":"v1","type":"visit","contact":"ann"})");
  f.event(R"({"id":"v2","type":"visit","contact":"ann"})", kStart + kHour);     // all still waiting
  f.event(R"({"id":"v3","type":"visit","contact":"ann"})", kStart + 2 * kDay);  // all finished
  std::map<std::string, int> runs;
  for (const auto& enrollment : f.enrollments("ann"))
    runs[enrollment.journey] = std::max(runs[enrollment.journey], enrollment.run);
  CHECK(runs == std::map<std::string, int>{{"never", 1}, {"after-exit", 2}, {"always", 3}});
}

TEST_CASE("a new contact's second event in the same batch sees the enrollment its first one made") {
  // A contact the store has no row for has no enrollments, and its lookup is skipped;
  // but not once this batch enrolled it.
  EngineFixture f(Journeys{{"never", "[entry]\non = \"visit\"\n[[steps]]\nwait = \"1d\"\n"}});
  const auto result = f.engine->ingest(
      "acme",
      {parcours::engine::parse_event(nlohmann::json::parse(R"({"id":"v1","type":"visit","contact":"new"})"), "t"),
       parcours::engine::parse_event(nlohmann::json::parse(R"({"id":"v2","type":"visit","contact":"new"})"), "t")});
  CHECK(result.accepted == 2);
  CHECK(f.enrollments("new").size() == 1);
  f.event(R"({"id":"v3","type":"visit","contact":"new"})", kStart + kHour);
  CHECK(f.enrollments("new").size() == 1);
}

TEST_CASE("set updates the contact and emit lets another journey enter") {
  EngineFixture f(Journeys{{"first", R"toml([entry]
on = "signup"
[[steps]]
set = { stage = "lead", score = 5 }
[[steps]]
emit = "lead.created"
properties = { source = "signup" }
)toml"},
                           {"second", R"toml([entry]
on = "lead.created"
when = "event.source == \"signup\" and contact.stage == \"lead\""
[[steps]]
send = "email"
text = "Welcome, lead"
)toml"}});
  f.event(R"({"id":"s1","type":"signup","contact":"ann"})");
  CHECK(f.contact("ann")["stage"] == "lead");
  CHECK(f.contact("ann")["score"] == 5);
  CHECK(f.timeline.lines() == Lines{"0m ann first - enter", "0m ann first step 1 set", "0m ann first step 2 emit",
                                    "0m ann second - enter", "0m ann second - end", "0m ann first - end",
                                    "0m ann second step 1 send"});
}

TEST_CASE("after a wait, steps read the contact as it is then, and what they set is kept") {
  EngineFixture f(Journeys{{"j", R"toml([entry]
on = "go"
[[steps]]
wait = "1h"
[[steps]]
set = { stage = "warm" }
[[steps]]
wait = "1h"
[[steps]]
branch = [
  { when = "contact.stage == \"warm\" and contact.plan == \"pro\"", goto = "pro" },
  { goto = "done" },
]
[[steps]]
id = "pro"
send = "email"
text = "Hello {{contact.first_name}}, {{contact.stage}} {{contact.plan}}"
[[steps]]
id = "done"
wait = "1m"
)toml"}});
  f.event(R"({"id":"1","type":"go","contact":"ann","attributes":{"first_name":"Ann","plan":"free"}})");
  // Between the two timers: a change the second one must see (it reads the store).
  f.event(R"({"id":"2","type":"other","contact":"ann","attributes":{"plan":"pro"}})", kStart + 90 * kMinute);
  f.advance_to(kStart + 3 * 3'600'000);
  CHECK(f.contact("ann")["stage"] == "warm");  // set after the first timer, written back
  CHECK(f.contact("ann")["plan"] == "pro");
  CHECK(f.contact("ann")["first_name"] == "Ann");
  REQUIRE(f.sender.received.size() == 1);
  CHECK(f.sender.received[0]["content"]["text"] == "Hello Ann, warm pro");
}

TEST_CASE("a split sends a contact to the same arm every time, and arms fill by weight") {
  const std::string split = R"toml([entry]
on = "visit"
reentry = "always"
[[steps]]
split = [{ weight = 80, goto = "a" }, { weight = 20, goto = "b" }]
[[steps]]
id = "a"
exit = true
[[steps]]
id = "b"
exit = true
)toml";
  EngineFixture f(Journeys{{"ab", split}});
  std::map<std::string, std::string> first_arm;
  int a = 0;
  for (int i = 0; i < 500; ++i) {
    const std::string contact = "c" + std::to_string(i);
    f.event(R"({"id":"x)" + std::to_string(i) + R"(","type":"visit","contact":")" + contact + "\"}");
  }
  for (const auto& action : f.timeline.actions)
    if (action.action == "exit") {
      first_arm[action.contact] = action.step;
      a += action.step == "a";
    }
  CHECK(a > 350);  // 80% of 500 = 400; a fair hash stays well within ±50
  CHECK(a < 450);
  f.timeline.actions.clear();
  for (int i = 0; i < 50; ++i) {
    const std::string contact = "c" + std::to_string(i);
    f.event(R"({"id":"y)" + std::to_string(i) + R"(","type":"visit","contact":")" + contact + "\"}");
  }
  for (const auto& action : f.timeline.actions)
    if (action.action == "exit") CHECK(first_arm.at(action.contact) == action.step);
}

TEST_CASE("wait_until with `at` lands at that time of day in the contact's time zone, or skips when past") {
  const std::string travel = R"toml([entry]
on = "booked"
reentry = "always"
[[steps]]
wait_until = "event.departure - 7d"
at = "09:00"
if_past = "skip"
goto = "end"
[[steps]]
id = "details"
send = "email"
text = "See you soon"
transactional = true
)toml";
  EngineFixture f(Journeys{{"travel", travel}});
  f.event(
      R"({"id":"b1","type":"booked","contact":"ny","properties":{"departure":"2026-12-01"},"attributes":{"timezone":"America/New_York"}})");
  f.event(R"({"id":"b2","type":"booked","contact":"late","properties":{"departure":"2026-11-05"}})");
  f.advance_to(kStart + 40 * kDay);
  std::vector<std::string> sends;
  for (const auto& action : f.timeline.actions)
    if (action.action == "send") sends.push_back(action.contact + "@" + parcours::schedule::format_time(action.time));
  // 2026-11-24 09:00 in New York (UTC-5) is 14:00 UTC; `late` departs in 3 days: skipped.
  CHECK(sends == std::vector<std::string>{"ny@2026-11-24T14:00:00Z"});
}

TEST_CASE("an observer that wants no details gets \"{}\", but a suppression still says why") {
  EngineFixture f(Journeys{{"j", R"toml([entry]
on = "go"
[[steps]]
wait = "1h"
[[steps]]
send = "email"
text = "Hello {{contact.first_name}}"
)toml"}});
  // Made again, now that the observer says no: it is asked once, when they are made.
  f.timeline.details = false;
  f.dispatcher.reset();
  f.engine = std::make_unique<parcours::engine::Engine>(f.clients, f.loaded, *f.store, f.clock, &f.timeline, &f.data);
  f.dispatcher = std::make_unique<parcours::engine::Dispatcher>(*f.engine, *f.store, f.clock, f.sender, &f.timeline,
                                                                parcours::engine::RetryPolicy{}, &f.data);
  f.event(R"({"id":"1","type":"go","contact":"ann","attributes":{"first_name":"Ann"}})");
  f.event(R"({"id":"2","type":"go","contact":"bob","attributes":{"consent":{"email":false}}})");
  f.advance_to(f.clock.now() + 2 * 3'600'000);
  std::vector<std::string> seen;
  for (const auto& a : f.timeline.actions) seen.push_back(a.contact + " " + a.action + " " + a.detail_json);
  CHECK(std::count(seen.begin(), seen.end(), "ann send {}") == 1);
  CHECK(std::count(seen.begin(), seen.end(), "ann wait {}") == 1);
  CHECK(std::count(seen.begin(), seen.end(), "bob suppressed {\"reason\":\"consent\",\"text\":\"Hello \"}") == 1);
  // The message itself is the same: only the timeline's copy of it is left out.
  REQUIRE(f.sender.received.size() == 1);
  CHECK(f.sender.received[0]["content"]["text"] == "Hello Ann");
}

TEST_CASE("consent: false never sends, missing counts as no when required, transactional is exempt from missing") {
  const std::string client = R"toml(timezone = "UTC"
require_consent = true
[channels.email]
plugin = "file"
path = "x"
)toml";
  EngineFixture f(Journeys{{"j", R"toml([entry]
on = "go"
[[steps]]
send = "email"
text = "marketing"
[[steps]]
send = "email"
text = "receipt"
transactional = true
)toml"}},
                  client);
  f.event(R"({"id":"1","type":"go","contact":"yes","attributes":{"consent":{"email":true}}})");
  f.event(R"({"id":"2","type":"go","contact":"missing"})");
  f.event(R"({"id":"3","type":"go","contact":"no","attributes":{"consent":{"email":false}}})");
  std::vector<std::string> outcomes;
  for (const auto& a : f.timeline.actions)
    if (a.action == "send" || a.action == "suppressed")
      outcomes.push_back(
          a.contact + " " + a.action + " " + nlohmann::json::parse(a.detail_json)["text"].get<std::string>() +
          (a.action == "suppressed" ? " " + nlohmann::json::parse(a.detail_json)["reason"].get<std::string>() : ""));
  std::sort(outcomes.begin(), outcomes.end());
  CHECK(outcomes == std::vector<std::string>{"missing send receipt", "missing suppressed marketing consent",
                                             "no suppressed marketing consent", "no suppressed receipt consent",
                                             "yes send marketing", "yes send receipt"});
  // The counters the dashboard and GET .../journeys/{id} show: each reason counted apart.
  const auto counter = [&](const char* step, const char* name) {
    std::int64_t value = 0;
    f.store->transact([&](parcours::store::Transaction& tx) { value = tx.counter("acme", "j", step, name); });
    return value;
  };
  CHECK(counter("step 1", "queued") == 3);
  CHECK(counter("step 1", "sent") == 1);
  CHECK(counter("step 1", "suppressed") == 2);
  CHECK(counter("step 1", "suppressed:consent") == 2);
  CHECK(counter("step 1", "suppressed:pressure") == 0);
  CHECK(counter("step 2", "sent") == 2);
  CHECK(counter("step 2", "suppressed:consent") == 1);
}

TEST_CASE("pressure suppresses the send that would exceed max_per_day; the journey goes on") {
  const std::string client = R"toml(require_consent = false
[pressure]
max_per_day = 2
[channels.email]
plugin = "file"
path = "x"
)toml";
  EngineFixture f(Journeys{{"j", R"toml([entry]
on = "go"
[[steps]]
send = "email"
text = "1"
[[steps]]
send = "email"
text = "2"
[[steps]]
send = "email"
text = "3"
[[steps]]
wait = "1d1h"
[[steps]]
send = "email"
text = "4"
)toml"}},
                  client);
  f.event(R"({"id":"1","type":"go","contact":"ann"})");
  f.advance_to(kStart + 2 * kDay);
  std::vector<std::string> outcomes;
  for (const auto& a : f.timeline.actions)
    if (a.action == "send" || a.action == "suppressed") outcomes.push_back(a.action);
  CHECK(outcomes == std::vector<std::string>{"send", "send", "suppressed", "send"});
  std::int64_t by_pressure = 0;
  f.store->transact([&](parcours::store::Transaction& tx) {
    by_pressure = tx.counter("acme", "j", "step 3", "suppressed:pressure");
  });
  CHECK(by_pressure == 1);
}

TEST_CASE("a send in quiet hours is deferred to their end in the contact's time zone") {
  const std::string client = R"toml(timezone = "Europe/Paris"
require_consent = false
[pressure]
quiet_hours = { start = "21:00", end = "08:00" }
[channels.email]
plugin = "file"
path = "x"
)toml";
  EngineFixture f(Journeys{{"j", "[entry]\non = \"go\"\n[[steps]]\nsend = \"email\"\ntext = \"hi\"\n"}}, client);
  // 21:30 UTC is 22:30 in Paris: the message waits for 08:00 Paris, 07:00 UTC.
  f.event(R"({"id":"1","type":"go","contact":"ann"})", kStart + 11 * kHour + 30 * kMinute);
  f.advance_to(kStart + 2 * kDay);
  REQUIRE(f.timeline.actions.back().action == "send");
  CHECK(parcours::schedule::format_time(f.timeline.actions.back().time) == "2026-11-03T07:00:00Z");
}

TEST_CASE("a channel asking to retry gets the same idempotency key with growing delays, then fails for good") {
  EngineFixture f(Journeys{{"j", "[entry]\non = \"go\"\n[[steps]]\nsend = \"email\"\ntext = \"hi\"\n"}});
  using Status = parcours::engine::SendOutcome::Status;
  for (int i = 0; i < 10; ++i) f.sender.script.push_back({Status::retry, "busy", 0, {}});
  f.event(R"({"id":"1","type":"go","contact":"ann"})");
  f.advance_to(kStart + 30 * kDay);
  REQUIRE(f.sender.received.size() == 8);  // RetryPolicy::max_attempts
  for (const auto& message : f.sender.received)
    CHECK(message["idempotency_key"] == f.sender.received[0]["idempotency_key"]);
  std::int64_t sent = 0, failed = 0;
  f.store->transact([&](parcours::store::Transaction& tx) {
    sent = tx.counter("acme", "j", "step 1", "sent");
    failed = tx.counter("acme", "j", "step 1", "failed");
  });
  CHECK(sent == 1);  // one message, however many attempts
  CHECK(failed == 1);
  const auto d1 = f.dispatcher->backoff("k", 1, 0), d2 = f.dispatcher->backoff("k", 2, 0);
  CHECK(d1 >= 15'000);
  CHECK(d1 <= 30'000);
  CHECK(d2 >= 30'000);
  CHECK(d2 <= 60'000);
  CHECK(f.dispatcher->backoff("k", 40, 0) <= 6 * kHour);
  CHECK(f.dispatcher->backoff("k", 1, 120'000) == 120'000);  // the channel's own hint wins when longer
}

TEST_CASE("waits survive a restart: a new engine on the same store file resumes them") {
  TemporaryConfig place;
  const std::string url = "sqlite://" + (place.root() / "engine.db").string();
  const std::string journey =
      "[entry]\non = \"go\"\n[[steps]]\nwait = \"2d\"\n[[steps]]\nsend = \"email\"\ntext = \"later\"\n";
  {
    EngineFixture first(Journeys{{"j", journey}}, EngineFixture::kDefaultClient, url);
    first.event(R"({"id":"1","type":"go","contact":"ann"})");
    CHECK(first.sender.received.empty());
  }
  EngineFixture second(Journeys{{"j", journey}}, EngineFixture::kDefaultClient, url);
  second.advance_to(kStart + 3 * kDay);
  REQUIRE(second.sender.received.size() == 1);
  CHECK(second.sender.received[0]["content"]["text"] == "later");
}

TEST_CASE("an unknown client is refused before anything is stored") {
  EngineFixture f(Journeys{{"cart", kCart}});
  auto event = parcours::engine::parse_event(nlohmann::json::parse(cart_event("e1", "ann", 5)), "event 1");
  CHECK_THROWS_WITH(f.engine->ingest("nobody", {event}), Contains("unknown client 'nobody'"));
}

TEST_CASE("a loop whose waits are all in the past is stopped after a bound and the enrollment exits") {
  // Valid config (the loop has a wait), but the wait's time is always past.
  EngineFixture f(Journeys{{"spin", R"toml([entry]
on = "go"
[[steps]]
id = "again"
wait_until = "journey.entered_at"
[[steps]]
set = { spins = 1 }
goto = "again"
)toml"}});
  f.event(R"({"id":"1","type":"go","contact":"ann"})");
  REQUIRE_FALSE(f.timeline.actions.empty());
  const auto& last = f.timeline.actions.back();
  CHECK(last.action == "exit");
  CHECK(nlohmann::json::parse(last.detail_json)["reason"] == "runaway");
  CHECK(f.enrollments("ann").at(0).status == EnrollmentStatus::exited);
  CHECK_FALSE(f.engine->next_timer_due());
}

TEST_CASE("exit leaves at once; wait_for's when ignores events that do not match") {
  EngineFixture f(Journeys{{"j", R"toml([entry]
on = "signup"
[[steps]]
id = "big-order"
wait_for = "order"
when = "event.total >= 100"
timeout = "2d"
on_timeout = "leave"
[[steps]]
id = "vip"
set = { vip = true }
goto = "end"
[[steps]]
id = "leave"
exit = true
)toml"}});
  f.event(R"({"id":"s1","type":"signup","contact":"ann"})");
  f.event(R"({"id":"s2","type":"signup","contact":"bob"})");
  f.event(R"({"id":"o1","type":"order","contact":"ann","properties":{"total":20}})", kStart + kHour);
  f.event(R"({"id":"o2","type":"order","contact":"ann","properties":{"total":150}})", kStart + 2 * kHour);
  f.advance_to(kStart + 3 * kDay);
  CHECK(f.contact("ann")["vip"] == true);
  CHECK(f.enrollments("ann").at(0).status == EnrollmentStatus::completed);
  CHECK_FALSE(f.contact("bob").contains("vip"));
  CHECK(f.enrollments("bob").at(0).status == EnrollmentStatus::exited);
  CHECK(f.timeline.lines().back() == "2880m bob j leave exit");
}

TEST_CASE("a split arm to the end is a holdout group: those contacts get nothing") {
  EngineFixture f(Journeys{{"ab", R"toml([entry]
on = "go"
[[steps]]
split = [{ weight = 50, goto = "mail" }, { weight = 50, goto = "end" }]
[[steps]]
id = "mail"
send = "email"
text = "offer"
)toml"}});
  int held_out = 0, mailed = 0;
  for (int i = 0; i < 200; ++i) f.event(R"({"type":"go","contact":"c)" + std::to_string(i) + "\"}");
  for (const auto& action : f.timeline.actions) {
    if (action.action == "split") (nlohmann::json::parse(action.detail_json)["goto"] == "end" ? held_out : mailed)++;
  }
  CHECK(held_out + mailed == 200);
  CHECK(held_out > 60);  // 50% ± a wide margin: the hash spreads contacts
  CHECK(mailed > 60);
  CHECK(f.sender.received.size() == static_cast<std::size_t>(mailed));
}

TEST_CASE("a per-channel limit suppresses on that channel only") {
  const std::string client = R"toml(require_consent = false
[pressure.channels.sms]
max_per_week = 1
[channels.email]
plugin = "file"
path = "x"
[channels.sms]
plugin = "file"
path = "y"
)toml";
  EngineFixture f(Journeys{{"j", R"toml([entry]
on = "go"
[[steps]]
send = "sms"
text = "1"
[[steps]]
send = "email"
text = "2"
[[steps]]
wait = "1d"
[[steps]]
send = "sms"
text = "3"
[[steps]]
send = "email"
text = "4"
)toml"}},
                  client);
  f.event(R"({"id":"1","type":"go","contact":"ann"})");
  f.advance_to(kStart + 2 * kDay);
  std::vector<std::string> outcomes;
  for (const auto& a : f.timeline.actions)
    if (a.action == "send" || a.action == "suppressed") outcomes.push_back(a.channel + " " + a.action);
  CHECK(outcomes == std::vector<std::string>{"sms send", "email send", "sms suppressed", "email send"});
}

TEST_CASE("counters follow enrollments: waiting per step goes up and down, split arms count entries and conversions") {
  EngineFixture f(Journeys{{"ab", R"toml([entry]
on = "visit"
[goal]
on = "order"
[[steps]]
id = "pick"
split = [{ weight = 50, goto = "a" }, { weight = 50, goto = "b" }]
[[steps]]
id = "a"
wait_for = "click"
timeout = "1d"
on_event = "after"
on_timeout = "after"
[[steps]]
id = "b"
wait = "1h"
[[steps]]
id = "after"
wait = "2d"
)toml"}});
  const auto counter = [&](const std::string& step, const std::string& name) {
    std::int64_t value = 0;
    f.store->transact([&](parcours::store::Transaction& tx) { value = tx.counter("acme", "ab", step, name); });
    return value;
  };
  std::map<std::string, int> arm_of;
  for (int i = 0; i < 20; ++i) f.event(R"({"type":"visit","contact":"c)" + std::to_string(i) + "\"}");
  for (const auto& action : f.timeline.actions)
    if (action.action == "split") arm_of[action.contact] = nlohmann::json::parse(action.detail_json)["arm"];
  REQUIRE(arm_of.size() == 20);
  int in_a = 0;
  for (const auto& [contact, arm] : arm_of) in_a += arm == 1;
  REQUIRE(in_a > 0);
  REQUIRE(in_a < 20);
  CHECK(counter("pick#arm1", "entered") == in_a);
  CHECK(counter("pick#arm2", "entered") == 20 - in_a);
  CHECK(counter("a", "waiting") == in_a);
  CHECK(counter("b", "waiting") == 20 - in_a);

  // The awaited event moves arm 1 on; arm 2's contacts do not wait for it.
  for (int i = 0; i < 20; ++i) f.event(R"({"type":"click","contact":"c)" + std::to_string(i) + "\"}");
  CHECK(counter("a", "waiting") == 0);
  CHECK(counter("after", "waiting") == in_a);
  f.advance_to(test::kStart + test::kHour);
  CHECK(counter("b", "waiting") == 0);
  CHECK(counter("after", "waiting") == 20);

  // Half of them order: their goal ends the wait, and each counts for the arm it took,
  // also those whose scope a wait_for replaced since.
  int converted_a = 0;
  for (int i = 0; i < 10; ++i) {
    const std::string contact = "c" + std::to_string(i);
    f.event(R"({"type":"order","contact":")" + contact + "\"}");
    converted_a += arm_of[contact] == 1;
  }
  CHECK(counter("", "converted") == 10);
  CHECK(counter("after", "waiting") == 10);
  CHECK(counter("pick#arm1", "converted") == converted_a);
  CHECK(counter("pick#arm2", "converted") == 10 - converted_a);

  f.advance_to(test::kStart + 4 * test::kDay);
  CHECK(counter("after", "waiting") == 0);
  CHECK(counter("", "completed") == 10);
  CHECK(counter("pick#arm1", "converted") + counter("pick#arm2", "converted") == 10);
}

TEST_CASE("the split arms an enrollment took stay out of what conditions and templates see") {
  EngineFixture f(Journeys{{"ab", R"toml([entry]
on = "visit"
[[steps]]
id = "pick"
split = [{ weight = 1, goto = "mail" }]
[[steps]]
id = "mail"
send = "email"
subject = "Hi"
text = "total {{event.total}}"
)toml"}});
  f.event(R"({"type":"visit","contact":"ann","properties":{"total":3}})");
  REQUIRE(f.sender.received.size() == 1);
  CHECK(f.sender.received[0].dump().find("split_arms") == std::string::npos);
  CHECK(f.enrollments("ann").at(0).event_json.find(R"("split_arms":{"pick":1})") != std::string::npos);
}

TEST_CASE("data.<source>.* from the client's sources: in branches and templates, asked once per contact") {
  const char* const kStay = R"toml(id = "stay"
[entry]
on = "booking.confirmed"
[[steps]]
id = "tier"
branch = [
  { when = "data.crm.tier == \"gold\" and data.crm.nights >= 3", goto = "vip" },
  { goto = "end" },
]
[[steps]]
id = "vip"
send = "email"
subject = "{{data.crm.tier}} stay"
text = "{{#data.crm}}{{nights}} nights{{/data.crm}}{{^data.crm}}no booking{{/data.crm}}"
)toml";
  EngineFixture f(Journeys{{"stay", kStay}},
                  EngineFixture::kDefaultClient + std::string("[sources.crm]\nplugin = \"rows\"\n"));
  f.data.rows["ann"] = {{"crm", {{"tier", "gold"}, {"nights", 4}}}};
  f.data.rows["bob"] = {{"crm", {{"tier", "silver"}, {"nights", 9}}}};
  f.event(R"({"id":"b1","type":"booking.confirmed","contact":"ann"})");
  f.event(R"({"id":"b2","type":"booking.confirmed","contact":"bob"})");
  f.event(R"({"id":"b3","type":"booking.confirmed","contact":"cat"})");  // unknown to the source: data.crm is null
  REQUIRE(f.sender.received.size() == 1);
  CHECK(f.sender.received[0]["contact"]["id"] == "ann");
  CHECK(f.sender.received[0]["content"]["subject"] == "gold stay");
  CHECK(f.sender.received[0]["content"]["text"] == "4 nights");
  // One lookup per contact's activation (the two names in one condition share it),
  // one per rendered message.
  CHECK(f.data.lookups == 4);
}

TEST_CASE("ingest_many: one transaction for several callers' batches, each all or nothing") {
  EngineFixture f(Journeys{{"vip", R"toml(
[entry]
on = "signed_up"
when = "data.crm.tier != \"x\""
[[steps]]
wait = "1d"
)toml"}},
                  EngineFixture::kDefaultClient + std::string("[sources.crm]\nplugin = \"rows\"\n"));
  for (const auto* contact : {"ann", "bob", "cat", "dan"}) f.data.rows[contact] = {{"crm", {{"tier", "gold"}}}};
  using parcours::engine::IngestRequest;
  const auto events = [](std::vector<std::string> texts) {
    std::vector<parcours::engine::IncomingEvent> out;
    for (const auto& text : texts) out.push_back(parcours::engine::parse_event(nlohmann::json::parse(text), "test"));
    return out;
  };

  SECTION("every batch applied, duplicates across batches counted as such, an unknown client refused alone") {
    const auto outcomes = f.engine->ingest_many({
        IngestRequest{"acme", events({R"({"id":"e1","type":"signed_up","contact":"ann"})",
                                      R"({"id":"e2","type":"signed_up","contact":"bob"})"})},
        IngestRequest{"nobody", events({R"({"id":"e3","type":"signed_up","contact":"cat"})"})},
        IngestRequest{"acme", events({R"({"id":"e1","type":"signed_up","contact":"ann"})",
                                      R"({"id":"e4","type":"signed_up","contact":"dan"})"})},
    });
    REQUIRE(outcomes.size() == 3);
    CHECK_FALSE(outcomes[0].error);
    CHECK(outcomes[0].result.accepted == 2);
    REQUIRE(outcomes[1].error);
    CHECK_THROWS_WITH(std::rethrow_exception(outcomes[1].error), Catch::Contains("unknown client 'nobody'"));
    CHECK_FALSE(outcomes[2].error);
    CHECK(outcomes[2].result.accepted == 1);
    CHECK(outcomes[2].result.duplicates == 1);
    for (const auto* contact : {"ann", "bob", "dan"}) CHECK(f.enrollments(contact).size() == 1);
  }

  SECTION("store_only: stored unapplied, then applied in the order they came; a bad event is set aside") {
    using Mode = parcours::engine::Engine::IngestMode;
    const auto outcomes =
        f.engine->ingest_many({IngestRequest{"acme", events({R"({"id":"e1","type":"signed_up","contact":"ann"})",
                                                             R"({"id":"e2","type":"signed_up","contact":"bob"})"})},
                               IngestRequest{"acme", events({R"({"id":"e1","type":"signed_up","contact":"ann"})",
                                                             R"({"id":"e3","type":"signed_up","contact":"cat"})"})}},
                              Mode::store_only);
    CHECK(outcomes.at(0).result.accepted == 2);
    CHECK(outcomes.at(1).result.accepted == 1);
    CHECK(outcomes.at(1).result.duplicates == 1);
    CHECK(f.enrollments("ann").empty());  // not applied yet
    f.data.fails_for = "bob";             // bob's event cannot be applied
    CHECK(f.engine->process_pending_events(10) == 3);
    CHECK(f.enrollments("ann").size() == 1);
    CHECK(f.enrollments("bob").empty());  // set aside, and not holding up cat behind it
    CHECK(f.enrollments("cat").size() == 1);
    CHECK(f.engine->process_pending_events(10) == 0);  // nothing left, bob's event included
  }

  SECTION("a batch that fails inside the shared transaction fails alone; the others are kept") {
    f.data.fails_for = "bob";
    const auto outcomes = f.engine->ingest_many({
        IngestRequest{"acme", events({R"({"id":"e1","type":"signed_up","contact":"ann"})"})},
        IngestRequest{"acme", events({R"({"id":"e2","type":"signed_up","contact":"cat"})",
                                      R"({"id":"e3","type":"signed_up","contact":"bob"})"})},
        IngestRequest{"acme", events({R"({"id":"e4","type":"signed_up","contact":"dan"})"})},
    });
    REQUIRE(outcomes.size() == 3);
    CHECK_FALSE(outcomes[0].error);
    CHECK(outcomes[0].result.accepted == 1);
    REQUIRE(outcomes[1].error);
    CHECK_THROWS_WITH(std::rethrow_exception(outcomes[1].error), Catch::Contains("lookup failed for bob"));
    CHECK_FALSE(outcomes[2].error);
    CHECK(f.enrollments("ann").size() == 1);
    CHECK(f.enrollments("dan").size() == 1);
    CHECK(f.enrollments("cat").empty());  // all or nothing: cat came in bob's batch
    CHECK(f.enrollments("bob").empty());
    // Nothing of the failed batch was stored: sent again, it is new, not a duplicate.
    f.data.fails_for.clear();
    const auto again =
        f.engine->ingest_many({IngestRequest{"acme", events({R"({"id":"e2","type":"signed_up","contact":"cat"})",
                                                             R"({"id":"e3","type":"signed_up","contact":"bob"})"})}});
    CHECK(again.at(0).result.accepted == 2);
  }
}

TEST_CASE("a timer due in the same batch as the step that woke its enrollment does not fire on top of it") {
  // Both timers fall due at 1m and are read in one batch: "a" runs first and emits the
  // ping that wakes "b", which goes on to a new wait. The copy of "b" the batch read
  // still shows its timeout: taking it as well would send "late" and skip the hour.
  EngineFixture f(Journeys{{"a", R"toml([entry]
on = "go"
[[steps]]
wait = "1m"
[[steps]]
emit = "ping"
)toml"},
                           {"b", R"toml([entry]
on = "go"
[[steps]]
wait_for = "ping"
timeout = "1m"
on_event = "hour"
on_timeout = "late"
[[steps]]
id = "late"
send = "email"
text = "late"
[[steps]]
id = "hour"
wait = "1h"
[[steps]]
id = "woken"
send = "email"
text = "woken"
)toml"}});
  f.event(R"({"id":"g1","type":"go","contact":"ann"})");
  f.advance_to(kStart + kMinute);
  CHECK(f.timeline.lines() == Lines{"0m ann a - enter", "0m ann a step 1 wait", "0m ann b - enter",
                                    "0m ann b step 1 wait", "1m ann a step 2 emit", "1m ann b hour wait",
                                    "1m ann a - end"});
  CHECK(f.engine->next_timer_due() == std::optional<test::TimeMs>(kStart + kMinute + 60 * kMinute));
  f.advance_to(kStart + 2 * 60 * kMinute);
  REQUIRE(f.sender.received.size() == 1);
  CHECK(f.sender.received[0]["content"]["text"] == "woken");
}

TEST_CASE("an event sent without an id gets a generated one: never repeated, time-ordered, in a fixed form") {
  EngineFixture f(Journeys{{"j", test::one_email("hi")}});
  CHECK(f.event(R"({"type":"go","contact":"ann"})").accepted == 1);
  CHECK(f.event(R"({"type":"go","contact":"bob"})").accepted == 1);  // same instant: still not a duplicate
  f.clock.set(kStart + 3 * kMinute);
  CHECK(f.event(R"({"type":"go","contact":"cid"})").accepted == 1);
  std::vector<std::string> ids;
  for (const char* contact : {"ann", "bob", "cid"})
    ids.push_back(nlohmann::json::parse(f.enrollments(contact).at(0).event_json)["id"]);
  // "gen-" then the time in ms as 11 hex digits at least, a per-process nonce and a counter, 8 each.
  const std::regex form("gen-[0-9a-f]{11,}-[0-9a-f]{8}-[0-9a-f]{8}");
  for (const auto& id : ids) CHECK(std::regex_match(id, form));
  CHECK(ids[0].starts_with("gen-1a19bb39500-"));        // kStart
  CHECK(ids[2].starts_with("gen-1a19bb65420-"));        // three minutes on
  CHECK(ids[0].substr(16, 8) == ids[2].substr(16, 8));  // one process, one nonce
  CHECK(ids[0] != ids[1]);
  CHECK(ids[0] < ids[1]);
  CHECK(ids[1] < ids[2]);
}
