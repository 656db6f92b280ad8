// A client with journeys loaded from TOML (as `validate` would), an in-memory store,
// a manual clock, a recording channel and an observer that keeps the timeline: the
// engine and dispatcher as `simulate` drives them, for tests.
#pragma once

#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include <map>
#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

#include "config/client_config.hpp"
#include "engine/dispatcher.hpp"
#include "engine/engine.hpp"
#include "journey/journey_loader.hpp"
#include "schedule/clock.hpp"
#include "store/store.hpp"
#include "support/fake_plugin_catalog.hpp"
#include "support/temporary_config.hpp"

namespace test {

using parcours::schedule::TimeMs;

// 2026-11-02T10:00:00Z, a Monday.
inline constexpr TimeMs kStart = 1793613600000;
inline constexpr TimeMs kMinute = 60'000;
inline constexpr TimeMs kHour = 60 * kMinute;
inline constexpr TimeMs kDay = 24 * kHour;

struct Timeline final : parcours::engine::Observer {
  std::vector<parcours::engine::Action> actions;
  bool details = true;  // what wants_details() answers (asked when the engine is made)
  void on_action(const parcours::engine::Action& action) override { actions.push_back(action); }
  bool wants_details() const override { return details; }
  // "contact journey step action" lines, for compact expectations.
  std::vector<std::string> lines() const {
    std::vector<std::string> out;
    for (const auto& a : actions)
      out.push_back(std::to_string((a.time - kStart) / kMinute) + "m " + a.contact + " " + a.journey + " " +
                    (a.step.empty() ? "-" : a.step) + " " + a.action);
    return out;
  }
};

// A channel whose answers a test scripts: delivered unless told otherwise.
// Delivers every message, from any number of threads at once (the background pool's),
// and keeps each one it is handed.
struct RecordingSender final : parcours::engine::ChannelSender {
  std::mutex mutex;
  std::vector<std::string> calls;  // the ABI messages, in the order they came
  parcours::engine::SendOutcome send(const parcours::config::ClientConfig&,
                                     const parcours::config::PluginInstanceConfig&,
                                     const std::string& message_json) override {
    std::lock_guard lock(mutex);
    calls.push_back(message_json);
    return {parcours::engine::SendOutcome::Status::delivered, {}, 0, "id"};
  }
  bool concurrent() const override { return true; }
  std::size_t sent() {
    std::lock_guard lock(mutex);
    return calls.size();
  }
  // The contact ids of the messages, in order.
  std::vector<std::string> contacts() {
    std::lock_guard lock(mutex);
    std::vector<std::string> ids;
    for (const auto& call : calls) ids.push_back(nlohmann::json::parse(call)["contact"]["id"]);
    return ids;
  }
};

struct ScriptedSender final : parcours::engine::ChannelSender {
  std::vector<parcours::engine::SendOutcome> script;  // consumed front to back
  std::vector<nlohmann::json> received;
  parcours::engine::SendOutcome send(const parcours::config::ClientConfig&,
                                     const parcours::config::PluginInstanceConfig&,
                                     const std::string& message_json) override {
    received.push_back(nlohmann::json::parse(message_json));
    if (script.empty()) return {parcours::engine::SendOutcome::Status::delivered, {}, 0, {}};
    auto next = script.front();
    script.erase(script.begin());
    return next;
  }
};

// What the client's data sources know, as a test sets it: client → contact → {source: row}.
struct FakeData final : parcours::engine::DataLookup {
  std::map<std::string, nlohmann::json> rows;  // by contact id, for client acme
  mutable int lookups = 0;
  std::string fails_for;  // a contact whose lookup throws, as a journey that fails would
  nlohmann::json lookup(std::string_view client, std::string_view contact, const nlohmann::json&) const override {
    ++lookups;
    if (!fails_for.empty() && contact == fails_for) throw std::runtime_error("lookup failed for " + fails_for);
    const auto it = rows.find(std::string(contact));
    return client == "acme" && it != rows.end() ? it->second : nlohmann::json::object();
  }
};

// An email, then an SMS, on a `go` event: two channels, to see one paced, capped or
// held back and not the other.
inline const std::string kEmailThenSms = R"toml([entry]
on = "go"
[[steps]]
send = "email"
text = "mail"
[[steps]]
send = "sms"
text = "text"
)toml";

// A minute after `go`, one email: the step that sends runs from a timer.
inline const std::string kWaitThenEmail = R"toml([entry]
on = "go"
[[steps]]
wait = "1m"
[[steps]]
id = "mail"
send = "email"
text = "Hello {{contact.first_name}}"
)toml";

// A journey entered on "go" whose one step sends `text` by email.
inline std::string one_email(const std::string& text) {
  return "[entry]\non = \"go\"\n[[steps]]\nsend = \"email\"\ntext = \"" + text + "\"\n";
}

// A client.toml with the two channels (`file` plugin), each table followed by `extra`
// settings (concurrency, rate...).
inline std::string client_with(const std::string& email_extra, const std::string& sms_extra = "") {
  return "require_consent = false\n[channels.email]\nplugin = \"file\"\npath = \"x\"\n" + email_extra +
         "\n[channels.sms]\nplugin = \"file\"\npath = \"y\"\n" + sms_extra + "\n";
}

// File name (without .toml) → TOML. Named, so that `EngineFixture f(Journeys{{...}})`
// is not read as a pair of iterators.
using Journeys = std::map<std::string, std::string>;

class EngineFixture {
 public:
  // `client_toml` is client.toml.
  explicit EngineFixture(const Journeys& journeys, const std::string& client_toml = kDefaultClient,
                         const std::string& store_url = "sqlite://:memory:")
      : clock(kStart) {
    dir_.write("parcours.toml", "");
    dir_.write("clients/acme/client.toml", client_toml);
    dir_.write("clients/acme/templates/hello.txt", "Hello {{contact.first_name}}");
    dir_.write("clients/acme/templates/hello.subject", "Hi {{contact.first_name}}\n");
    for (const auto& [name, toml] : journeys) dir_.write("clients/acme/journeys/" + name + ".toml", toml);
    parcours::config::Diagnostics diagnostics;
    parcours::config::FakeCatalog catalog;
    const auto host = parcours::config::load_host_config(dir_.root(), diagnostics);
    clients = parcours::config::load_clients(host, catalog, diagnostics);
    for (const auto& client : clients)
      loaded[client.id] = parcours::journey::load_journeys(client, catalog, diagnostics);
    for (const auto& diagnostic : diagnostics.all()) UNSCOPED_INFO(diagnostic.text());
    REQUIRE_FALSE(diagnostics.has_errors());
    store = parcours::store::open_store(store_url, dir_.root().string());
    engine = std::make_unique<parcours::engine::Engine>(clients, loaded, *store, clock, &timeline, &data);
    dispatcher = std::make_unique<parcours::engine::Dispatcher>(*engine, *store, clock, sender, &timeline,
                                                                parcours::engine::RetryPolicy{}, &data);
  }

  static constexpr const char* kDefaultClient = R"toml(timezone = "Europe/Paris"
require_consent = false
[channels.email]
plugin = "file"
path = "out.jsonl"
[channels.sms]
plugin = "file"
path = "sms.jsonl"
)toml";

  // Ingests one event at the clock's time (or `at`), then runs what became due.
  parcours::engine::IngestResult event(const std::string& json_text, std::optional<TimeMs> at = std::nullopt) {
    if (at) advance_to(*at);
    auto event = parcours::engine::parse_event(nlohmann::json::parse(json_text), "test event");
    auto result = engine->ingest("acme", {event});
    advance_to(clock.now());
    return result;
  }

  // Runs everything due up to `until`, in due order (as `simulate` does).
  void advance_to(TimeMs until) {
    while (true) {
      auto next = engine->next_timer_due();
      const auto message = dispatcher->next_message_due();
      if (message && (!next || *message < *next)) next = message;
      if (!next || *next > until) break;
      clock.set(*next);
      engine->run_due_timers();
      dispatcher->dispatch_due();
    }
    clock.set(until);
  }

  std::vector<parcours::store::EnrollmentRecord> enrollments(const std::string& contact) {
    std::vector<parcours::store::EnrollmentRecord> out;
    store->transact([&](parcours::store::Transaction& tx) { out = tx.contact_enrollments("acme", contact); });
    return out;
  }

  nlohmann::json contact(const std::string& id) {
    nlohmann::json out;
    store->transact([&](parcours::store::Transaction& tx) {
      auto record = tx.find_contact("acme", id);
      out = record ? nlohmann::json::parse(record->attributes_json) : nlohmann::json();
    });
    return out;
  }

  TemporaryConfig dir_;
  parcours::schedule::ManualClock clock;
  std::vector<parcours::config::ClientConfig> clients;
  std::map<std::string, std::vector<parcours::journey::Journey>> loaded;
  std::unique_ptr<parcours::store::Store> store;
  Timeline timeline;
  ScriptedSender sender;
  FakeData data;  // declared before the engine that holds a pointer to it
  std::unique_ptr<parcours::engine::Engine> engine;
  std::unique_ptr<parcours::engine::Dispatcher> dispatcher;
};

}  // namespace test
