// The built parcours-schedule.so, loaded with dlopen and driven through the C ABI with
// a fake host table: a clock the test moves, an emit that records (or refuses), a
// context, source rows, log lines and metrics. What the real host adds on top —
// storage, duplicates, journeys — is tested in tests/integration/test_schedule.py.
#include <dlfcn.h>
#include <parcours/plugin.h>
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#ifndef PARCOURS_SCHEDULE_PLUGIN
#error "the build defines PARCOURS_SCHEDULE_PLUGIN (the path of parcours-schedule.so)"
#endif

namespace {

using nlohmann::json;
using namespace std::chrono_literals;

constexpr std::int64_t kDecember1At07 = 1796108400000;  // 2026-12-01T07:00:00Z, 08:00 in Paris
constexpr std::int64_t kMinute = 60'000;
constexpr std::int64_t kHour = 60 * kMinute;
constexpr std::int64_t kDay = 24 * kHour;

const parcours_plugin& plugin() {
  static const parcours_plugin* descriptor = [] {
    void* library = dlopen(PARCOURS_SCHEDULE_PLUGIN, RTLD_NOW | RTLD_LOCAL);
    if (library == nullptr) FAIL("cannot load " PARCOURS_SCHEDULE_PLUGIN ": " << dlerror());
    auto entry = reinterpret_cast<parcours_plugin_entry_fn>(dlsym(library, "parcours_plugin_entry"));
    REQUIRE(entry != nullptr);
    return entry();
  }();
  REQUIRE(descriptor != nullptr);
  return *descriptor;
}

// The host side of one instance.
class FakeHost {
 public:
  FakeHost() {
    table_.struct_size = sizeof(parcours_host);
    table_.ctx = this;
    table_.log = [](void* ctx, int32_t level, const char* message) {
      auto* self = static_cast<FakeHost*>(ctx);
      std::lock_guard lock(self->mutex_);
      self->logs_.emplace_back(std::to_string(level) + " " + message);
    };
    table_.emit = [](void* ctx, const char* event_json, const char** error) -> int32_t {
      auto* self = static_cast<FakeHost*>(ctx);
      std::lock_guard lock(self->mutex_);
      auto event = json::parse(event_json);
      if (self->refused_.count(event.value("contact", "")) != 0) {
        self->error_ = "contact " + event.value("contact", "") + " is blocked";
        *error = self->error_.c_str();
        return 1;
      }
      self->events_.push_back(std::move(event));
      return 0;
    };
    table_.now_ms = [](void* ctx) -> int64_t { return static_cast<FakeHost*>(ctx)->now_.load(); };
    table_.metric = [](void* ctx, const char* name, double value, const char* labels) {
      auto* self = static_cast<FakeHost*>(ctx);
      std::lock_guard lock(self->mutex_);
      self->metrics_[std::string(name) + (labels != nullptr ? std::string(labels) : "")] = value;
    };
    table_.context_json = [](void* ctx) -> const char* { return static_cast<FakeHost*>(ctx)->context_.c_str(); };
    table_.scan_source = [](void* ctx, const char* source, const char** error) -> const char* {
      auto* self = static_cast<FakeHost*>(ctx);
      std::lock_guard lock(self->mutex_);
      ++self->scans_;
      if (std::string(source) != "members" || self->rows_.empty()) {
        self->error_ = "client 'acme' has no source '" + std::string(source) + "'";
        *error = self->error_.c_str();
        return nullptr;
      }
      return self->rows_.c_str();
    };
  }
  FakeHost(const FakeHost&) = delete;
  FakeHost& operator=(const FakeHost&) = delete;

  // An older host (ABI 1.1): the table ends before context_json.
  void drop_abi_1_2() { table_.struct_size = offsetof(parcours_host, context_json); }

  const parcours_host* table() const { return &table_; }
  void set_now(std::int64_t ms) { now_ = ms; }
  void advance(std::int64_t ms) { now_ += ms; }
  void set_rows(const json& rows) {
    std::lock_guard lock(mutex_);
    rows_ = rows.dump();
  }
  void refuse(const std::string& contact) {
    std::lock_guard lock(mutex_);
    refused_.insert(contact);
  }
  std::string context_ =
      R"({"client": "acme", "instance": "morning", "plugin": "schedule", "timezone": "Europe/Paris", "country": "FR"})";

  std::vector<json> events() {
    std::lock_guard lock(mutex_);
    return events_;
  }
  std::vector<std::string> logs() {
    std::lock_guard lock(mutex_);
    return logs_;
  }
  bool logged(const std::string& part) {
    for (const auto& line : logs())
      if (line.find(part) != std::string::npos) return true;
    return false;
  }
  double metric(const std::string& key) {
    std::lock_guard lock(mutex_);
    const auto it = metrics_.find(key);
    return it == metrics_.end() ? -1 : it->second;
  }
  int scans() {
    std::lock_guard lock(mutex_);
    return scans_;
  }

 private:
  parcours_host table_{};
  std::atomic<std::int64_t> now_{kDecember1At07};
  std::mutex mutex_;
  std::vector<json> events_;
  std::vector<std::string> logs_;
  std::map<std::string, double> metrics_;
  std::set<std::string> refused_;
  std::string rows_;
  std::string error_;
  int scans_ = 0;
};

// One instance, created, started and stopped around a test.
class Instance {
 public:
  Instance(FakeHost& host, const json& settings) {
    char* error = nullptr;
    instance_ = plugin().create(settings.dump().c_str(), host.table(), &error);
    if (instance_ == nullptr) {
      const std::string message = error != nullptr ? error : "(no message)";
      plugin().free_string(error);
      FAIL("create() refused: " << message);
    }
  }
  ~Instance() {
    stop();
    plugin().destroy(instance_);
  }
  Instance(const Instance&) = delete;
  Instance& operator=(const Instance&) = delete;

  void start() {
    char* error = plugin().start(instance_);
    REQUIRE(error == nullptr);
    started_ = true;
  }
  void stop() {
    if (started_) plugin().stop(instance_);
    started_ = false;
  }

 private:
  parcours_instance* instance_ = nullptr;
  bool started_ = false;
};

// What create() says about these settings ("" when it accepts them).
std::string refusal(const json& settings) {
  char* error = nullptr;
  FakeHost host;
  parcours_instance* instance = plugin().create(settings.dump().c_str(), host.table(), &error);
  if (instance != nullptr) {
    plugin().destroy(instance);
    return "";
  }
  std::string message = error != nullptr ? error : "(no message)";
  plugin().free_string(error);
  return message;
}

bool eventually(const std::function<bool()>& condition, std::chrono::milliseconds timeout = 3s) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!condition()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(10ms);
  }
  return true;
}

// Two looks of the trigger (it looks every 250 ms).
void let_it_look() {
  std::this_thread::sleep_for(600ms);
}

const json kDaily = {{"cron", "0 9 * * *"}, {"emit", "digest.due"}, {"contact", "ops"}};

}  // namespace

TEST_CASE("the trigger fires each occurrence of the host's clock once, never before, with a deterministic event") {
  FakeHost host;
  Instance trigger(host, kDaily);
  trigger.start();
  let_it_look();
  CHECK(host.events().empty());  // 08:00 in Paris
  host.advance(59 * kMinute);
  let_it_look();
  CHECK(host.events().empty());  // 08:59
  host.advance(kMinute);
  REQUIRE(eventually([&] { return host.events().size() == 1; }));
  CHECK(host.events()[0] == json{{"id", "schedule:morning:2026-12-01T08:00:00Z"},
                                 {"type", "digest.due"},
                                 {"contact", "ops"},
                                 {"time", "2026-12-01T08:00:00Z"},
                                 {"properties", {{"scheduled_for", "2026-12-01T09:00:00+01:00"}}}});
  host.advance(3 * kDay);
  REQUIRE(eventually([&] { return host.events().size() == 4; }));
  let_it_look();
  const auto events = host.events();
  REQUIRE(events.size() == 4);
  CHECK(events[1]["id"] == "schedule:morning:2026-12-02T08:00:00Z");
  CHECK(events[2]["id"] == "schedule:morning:2026-12-03T08:00:00Z");
  CHECK(events[3]["id"] == "schedule:morning:2026-12-04T08:00:00Z");
  CHECK(host.metric("schedule_occurrences_total") == 4);
  CHECK(
      host.logged("'0 9 * * *' in Europe/Paris, emitting 'digest.due' for contact 'ops'; next occurrence "
                  "2026-12-01T09:00:00+01:00 (catch-up window 1h)"));
}

TEST_CASE("stop() returns promptly, and nothing is emitted after it") {
  FakeHost host;
  Instance trigger(host, kDaily);
  // Woken at once, not left to finish its 250 ms sleep: five stops at different points
  // of that sleep all take well under it.
  for (int i = 0; i < 5; ++i) {
    trigger.start();
    std::this_thread::sleep_for(std::chrono::milliseconds(100 + 37 * i));
    const auto before = std::chrono::steady_clock::now();
    trigger.stop();
    CHECK(std::chrono::steady_clock::now() - before < 80ms);
  }
  host.advance(kDay);
  let_it_look();
  CHECK(host.events().empty());
}

TEST_CASE("catch-up: at start, an occurrence within the window still fires; an older one does not") {
  SECTION("09:30 with the default 1 h window: the 09:00 occurrence fires") {
    FakeHost host;
    host.set_now(kDecember1At07 + 90 * kMinute);
    Instance trigger(host, kDaily);
    trigger.start();
    REQUIRE(eventually([&] { return host.events().size() == 1; }));
    CHECK(host.events()[0]["id"] == "schedule:morning:2026-12-01T08:00:00Z");
  }
  SECTION("11:00: past the window, nothing fires") {
    FakeHost host;
    host.set_now(kDecember1At07 + 3 * kHour);
    Instance trigger(host, kDaily);
    trigger.start();
    let_it_look();
    CHECK(host.events().empty());
  }
  SECTION("11:00 with a 3 h window: it fires") {
    FakeHost host;
    host.set_now(kDecember1At07 + 3 * kHour);
    auto settings = kDaily;
    settings["catch_up"] = 3 * kHour;
    Instance trigger(host, settings);
    trigger.start();
    REQUIRE(eventually([&] { return host.events().size() == 1; }));
  }
}

TEST_CASE("a jump of the clock over more than 1000 occurrences fires 1000 and warns about the rest") {
  FakeHost host;
  host.set_now(kDecember1At07 + 30'000);  // 07:00:30: with a 1 s catch-up, nothing is due at start
  Instance trigger(host, {{"cron", "* * * * *"}, {"emit", "tick"}, {"contact", "ops"}, {"catch_up", 1000}});
  trigger.start();
  let_it_look();
  REQUIRE(host.events().empty());
  host.advance(1500 * kMinute);
  REQUIRE(eventually([&] { return host.metric("schedule_skipped_jumps_total") == 1; }));
  let_it_look();
  const auto events = host.events();
  REQUIRE(events.size() == 1000);
  CHECK(events.front()["id"] == "schedule:morning:2026-12-01T07:01:00Z");
  CHECK(events.back()["id"] == "schedule:morning:2026-12-01T23:40:00Z");
  CHECK(host.logged("fired 1000 occurrences and skipped those from 2026-12-02T00:41:00+01:00 on"));
  // The next look goes on from now, not from the skipped ones.
  host.advance(kMinute);
  REQUIRE(eventually([&] { return host.events().size() == 1001; }));
  CHECK(host.events().back()["id"] == "schedule:morning:2026-12-02T08:01:00Z");
}

TEST_CASE("an audience: one event per row, the row's data as properties; anniversary keeps today's dates") {
  FakeHost host;
  host.set_rows(json::array({
      {{"contact", "ann"}, {"data", {{"first_name", "Ann"}, {"birthday", "1990-12-01"}}}},
      {{"contact", "bob"}, {"data", {{"first_name", "Bob"}, {"birthday", "1985-12-02"}}}},
      {{"contact", "dan"}, {"data", {{"first_name", "Dan"}, {"birthday", "n/a"}}}},
      {{"contact", "eve"}, {"data", {{"first_name", "Eve"}, {"birthday", ""}}}},
      {{"data", {{"first_name", "Nobody"}}}},
  }));
  SECTION("without anniversary, every row with a contact") {
    Instance trigger(host, {{"cron", "0 9 * * *"}, {"emit", "news"}, {"audience", "members"}});
    trigger.start();
    host.advance(kHour);
    REQUIRE(eventually([&] { return host.events().size() == 4; }));
    const auto ann = host.events()[0];
    CHECK(ann ==
          json{{"id", "schedule:morning:2026-12-01T08:00:00Z:ann"},
               {"type", "news"},
               {"contact", "ann"},
               {"time", "2026-12-01T08:00:00Z"},
               {"properties",
                {{"first_name", "Ann"}, {"birthday", "1990-12-01"}, {"scheduled_for", "2026-12-01T09:00:00+01:00"}}}});
    CHECK(host.logged("a row of 'members' has no contact id; skipped"));
  }
  SECTION("with anniversary, only today's; a bad date is logged, an empty one only counted") {
    Instance trigger(
        host,
        {{"cron", "0 9 * * *"}, {"emit", "customer.birthday"}, {"audience", "members"}, {"anniversary", "birthday"}});
    trigger.start();
    host.advance(kHour);
    REQUIRE(eventually([&] { return host.events().size() == 1; }));
    CHECK(host.events()[0]["contact"] == "ann");
    CHECK(eventually([&] {
      return host.logged(
          "emitted 'customer.birthday' for 1 of 5 rows of 'members' (1 not today's anniversary, 1 "
          "without a date), 2 skipped (no contact id, or not a date)");
    }));
    CHECK(host.logged("contact 'dan' has no date in column 'birthday' (\"n/a\""));
    CHECK_FALSE(host.logged("contact 'eve'"));
    host.advance(kDay);
    REQUIRE(eventually([&] { return host.events().size() == 2; }));
    CHECK(host.events()[1]["id"] == "schedule:morning:2026-12-02T08:00:00Z:bob");
  }
}

TEST_CASE("a failing audience and a refused event are logged and counted; the trigger goes on") {
  FakeHost host;
  host.refuse("bob");
  Instance trigger(host, {{"cron", "0 9 * * *"}, {"emit", "news"}, {"audience", "members"}});
  trigger.start();  // no rows yet: the source "fails"
  CHECK(host.logged("audience 'members' cannot be listed now: client 'acme' has no source 'members'"));
  host.advance(kHour);
  REQUIRE(eventually([&] { return host.metric(R"(schedule_failures_total{"reason":"audience"})") == 1; }));
  CHECK(host.logged("cannot list the rows of audience 'members': client 'acme' has no source 'members'"));
  host.set_rows(json::array({{{"contact", "ann"}, {"data", json::object()}},
                             {{"contact", "bob"}, {"data", json::object()}},
                             {{"contact", "cat"}, {"data", json::object()}}}));
  host.advance(kDay);
  REQUIRE(eventually([&] { return host.events().size() == 2; }));
  CHECK(host.events()[0]["contact"] == "ann");
  CHECK(host.events()[1]["contact"] == "cat");
  CHECK(host.metric(R"(schedule_failures_total{"reason":"emit"})") == 1);
  CHECK(
      host.logged("event schedule:morning:2026-12-02T08:00:00Z:bob for contact 'bob' was refused: contact bob is "
                  "blocked"));
}

TEST_CASE("the audience is listed once per look, however many occurrences the look fires") {
  FakeHost host;
  host.set_rows(json::array({{{"contact", "ann"}, {"data", json::object()}}}));
  Instance trigger(host, {{"cron", "0 * * * *"}, {"emit", "hourly"}, {"audience", "members"}});
  trigger.start();
  REQUIRE(eventually([&] { return host.events().size() == 1; }));  // 07:00, within the catch-up window
  let_it_look();
  const int before = host.scans();
  host.advance(5 * kHour);
  REQUIRE(eventually([&] { return host.events().size() == 6; }));
  let_it_look();
  CHECK(host.scans() == before + 1);
}

TEST_CASE("the trigger's own timezone wins over the client's; no zone at all is UTC") {
  SECTION("timezone setting") {
    FakeHost host;
    auto settings = kDaily;
    settings["timezone"] = "America/New_York";
    Instance trigger(host, settings);
    trigger.start();
    host.advance(7 * kHour);  // 14:00 UTC, 09:00 in New York
    REQUIRE(eventually([&] { return host.events().size() == 1; }));
    CHECK(host.events()[0]["properties"]["scheduled_for"] == "2026-12-01T09:00:00-05:00");
  }
  SECTION("a client without timezone") {
    FakeHost host;
    host.context_ = R"({"client": "acme", "instance": "morning", "plugin": "schedule", "timezone": ""})";
    Instance trigger(host, kDaily);
    trigger.start();
    CHECK(host.logged("the client has no timezone (and the trigger no timezone setting): firing in UTC"));
    host.advance(2 * kHour);  // 09:00 UTC
    REQUIRE(eventually([&] { return host.events().size() == 1; }));
    CHECK(host.events()[0]["properties"]["scheduled_for"] == "2026-12-01T09:00:00+00:00");
  }
  SECTION("an ABI 1.1 host gives no context: UTC, and the event type stands in for the instance name") {
    FakeHost host;
    host.drop_abi_1_2();
    Instance trigger(host, kDaily);
    trigger.start();
    host.advance(2 * kHour);
    REQUIRE(eventually([&] { return host.events().size() == 1; }));
    CHECK(host.events()[0]["id"] == "schedule:digest.due:2026-12-01T09:00:00Z");
  }
}

TEST_CASE("create() refuses bad settings, naming the setting and what to do") {
  CHECK(refusal({{"cron", "0 24 * * *"}, {"emit", "x"}, {"contact", "ops"}}) ==
        "cron: field 2 (hour) value 24 is out of range 0-23");
  CHECK(refusal({{"cron", "0 9 * * *"}, {"emit", ""}, {"contact", "ops"}}) ==
        "emit: the event type is empty; give the type a journey enters on, e.g. emit = \"schedule.morning\"");
  CHECK(refusal({{"cron", "0 9 * * *"}, {"emit", "x"}}).rfind("contact: missing; without an audience", 0) == 0);
  CHECK(refusal({{"cron", "0 9 * * *"}, {"emit", "x"}, {"contact", "ops"}, {"audience", "members"}}) ==
        "contact: not used with audience = \"members\" (each row of the source gives its own contact); remove one of "
        "the two");
  CHECK(refusal({{"cron", "0 9 * * *"}, {"emit", "x"}, {"audience", ""}}) ==
        "audience: the source name is empty; name one of the client's [sources.<name>] tables");
  CHECK(refusal({{"cron", "0 9 * * *"}, {"emit", "x"}, {"contact", "ops"}, {"anniversary", "birthday"}})
            .rfind("anniversary: needs an audience", 0) == 0);
  CHECK(refusal({{"cron", "0 9 * * *"}, {"emit", "x"}, {"audience", "members"}, {"anniversary", ""}}) ==
        "anniversary: the column name is empty");
  CHECK(refusal({{"cron", "0 9 * * *"}, {"emit", "x"}, {"contact", "ops"}, {"timezone", "Mars/Olympus"}}) ==
        "timezone: 'Mars/Olympus' is not a time zone of the tz database; write an IANA name such as Europe/Paris, "
        "America/New_York or UTC");
  CHECK(refusal({{"cron", "0 9 * * *"}, {"emit", "x"}, {"contact", "ops"}, {"catch_up", "1h"}}) ==
        "catch_up: must be a duration such as \"1h\" or \"15m\" (\"1s\" for no catch-up)");
  CHECK(refusal(kDaily).empty());
}
