#include "cli/simulate_command.hpp"

#include <boost/program_options.hpp>
#include <nlohmann/json.hpp>

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <deque>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <sstream>
#include <unordered_map>

#include "cli/config_directory.hpp"
#include "cli/usage.hpp"
#include "config/duration.hpp"
#include "config/suggestion.hpp"
#include "engine/dispatcher.hpp"
#include "engine/engine.hpp"
#include "host/loaded_config.hpp"
#include "host/plugin_sources.hpp"
#include "schedule/clock.hpp"
#include "store/sqlite_store.hpp"
#include "store/store.hpp"

namespace parcours::cli {
namespace {

namespace po = boost::program_options;
using nlohmann::json;
using schedule::TimeMs;

// Channels under simulation: every message is accepted and nothing leaves the machine.
class RecordingSender final : public engine::ChannelSender {
 public:
  engine::SendOutcome send(const config::ClientConfig&, const config::PluginInstanceConfig&,
                           const std::string&) override {
    return {engine::SendOutcome::Status::delivered, {}, 0, {}};
  }
};

// Prints the timeline. A send step's message is dispatched after the steps that
// follow it in the same instant have run (the engine only queues it), so actions are
// held until the clock moves and a send or suppressed is printed where its step ran;
// one deferred by quiet hours, or retried, is printed when it happens. What is held
// is printed as soon as nothing before it waits for a message's outcome, so a
// hundred thousand contacts starting in one instant are not all kept in memory.
class TimelinePrinter final : public engine::Observer {
 public:
  explicit TimelinePrinter(bool as_json) : as_json_(as_json) {}
  ~TimelinePrinter() override { flush(); }

  void on_queued(const engine::Action& action) override {
    hold_until(action.time);
    // An idempotency key is queued once (the store keeps them unique).
    slots_.emplace(action.message_key, first_ + held_.size());
    held_.push_back({action.message_key, std::nullopt});
  }

  void on_action(const engine::Action& action) override {
    hold_until(action.time);
    const auto slot = action.message_key.empty() ? slots_.end() : slots_.find(action.message_key);
    if (slot != slots_.end()) {
      held_[slot->second - first_].action = action;
      slots_.erase(slot);
    } else {
      held_.push_back({{}, action});
    }
    while (!held_.empty() && held_.front().action) {
      print(*held_.front().action);
      held_.pop_front();
      ++first_;
    }
  }

  void flush() {
    end_instant();
    std::cout.flush();
  }

 private:
  struct Held {
    std::string key;  // a queued message's key, waiting for its outcome
    std::optional<engine::Action> action;
  };

  // The clock moved: what is held is printed, and a queued message that got no
  // outcome in its instant keeps no place.
  void end_instant() {
    for (const auto& held : held_)
      if (held.action) print(*held.action);
    first_ += held_.size();
    held_.clear();
    slots_.clear();
  }

  void hold_until(TimeMs time) {
    if (time != time_) end_instant();
    time_ = time;
  }

  static std::string quoted(const std::string& text) {
    return json(text).dump(-1, ' ', false, json::error_handler_t::replace);
  }

  void print(const engine::Action& action) const {
    if (as_json_) {
      // {"action", "channel" (when there is one), "contact", "detail", "journey",
      // "step", "time"}: the keys in the order a JSON object of them dumps. The detail
      // is already JSON text, made by dump().
      std::string line = "{\"action\":";
      line += quoted(action.action);
      if (!action.channel.empty()) {
        line += ",\"channel\":";
        line += quoted(action.channel);
      }
      line += ",\"contact\":";
      line += quoted(action.contact);
      line += ",\"detail\":";
      line += action.detail_json;
      line += ",\"journey\":";
      line += quoted(action.journey);
      line += ",\"step\":";
      line += action.step.empty() ? std::string("null") : quoted(action.step);
      line += ",\"time\":";
      line += quoted(schedule::format_time(action.time));
      line += "}\n";
      std::cout << line;
      return;
    }
    const json detail = json::parse(action.detail_json);
    std::cout << schedule::format_time(action.time) << "  " << action.contact << "  " << action.journey << "  "
              << (action.step.empty() ? "-" : action.step) << "  " << action.action;
    if (!action.channel.empty()) std::cout << "  " << action.channel;
    for (const auto& [key, value] : detail.items()) {
      if (key == "html") continue;  // too long for a line; --format json has it
      std::cout << "  " << key << "=" << (value.is_string() ? json(value).dump() : value.dump());
    }
    std::cout << '\n';
  }

  bool as_json_;
  TimeMs time_ = 0;
  std::deque<Held> held_;
  std::size_t first_ = 0;                               // the number of the first held action
  std::unordered_map<std::string, std::size_t> slots_;  // a queued message's key -> its held action's number
};

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path.string() + ": " + std::strerror(errno));
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// Runs everything due up to `until` in due order, moving the clock to each due time.
// One question to the store a round for both next due times; the timers are not run
// when none is due, nor the outbox when no message is due and no timer ran (either
// would find nothing to do and report nothing).
void drive(engine::Engine& engine, engine::Dispatcher& dispatcher, store::Store& store, schedule::ManualClock& clock,
           TimeMs until) {
  while (true) {
    std::optional<TimeMs> timer, message;
    store.transact([&](store::Transaction& tx) {
      timer = tx.next_timer_due();
      message = tx.next_message_due();
    });
    std::optional<TimeMs> next = timer;
    if (message && (!next || *message < *next)) next = message;
    if (!next || *next > until) return;
    clock.set(*next);
    const TimeMs now = clock.now();
    std::size_t fired = 0;
    if (timer && *timer <= now) fired = engine.run_due_timers();
    if (fired > 0 || (message && *message <= now)) dispatcher.dispatch_due();
  }
}

}  // namespace

int run_simulate_command(const std::vector<std::string>& args) {
  po::options_description options(
      "Usage: parcours simulate [--config DIR] --client ID --events FILE [--until DURATION]\n"
      "                         [--format text|json] [--store URL]\n\n"
      "Run a client's journeys on a virtual clock that starts at the first event's time,\n"
      "with the events of FILE (NDJSON, the ingestion format). Channels are replaced by\n"
      "recorders: nothing is sent. Prints the timeline; ends when nothing is due before\n"
      "--until.\n\nOptions");
  std::string directory, client_id, events_file, until_text = "90d", format = "text", store_url;
  options.add_options()("config,c", po::value(&directory),
                        "config directory (default: $PARCOURS_CONFIG, else ./config)")(
      "client", po::value(&client_id)->required(), "the client whose journeys run")(
      "events", po::value(&events_file)->required(), "NDJSON file of events, one object a line")(
      "until", po::value(&until_text), "how long after the first event to simulate (default 90d)")(
      "format", po::value(&format), "text (default) or json: one object a line")(
      "store", po::value(&store_url), "store URL (default: a temporary SQLite file)")("help,h", "show this help");
  po::variables_map values;
  if (auto code = parse_command_line(args, options, values)) return *code;
  if (format != "text" && format != "json") {
    std::cerr << "parcours simulate: --format must be text or json, not '" << format << "'\n";
    return kExitUsage;
  }
  config::DurationError duration_error;
  const auto until = config::parse_duration(until_text, &duration_error);
  if (!until) {
    std::cerr << "parcours simulate: --until: " << duration_error.message << '\n';
    return kExitUsage;
  }

  config::Diagnostics diagnostics;
  host::LoadedConfig loaded = host::load_config(config_directory(directory), diagnostics);
  if (diagnostics.has_errors()) {
    for (const auto& diagnostic : diagnostics.in_reading_order()) std::cerr << diagnostic.text() << '\n';
    std::cerr << "the config is not valid: run `parcours validate` and fix it first\n";
    return kExitInvalidInput;
  }
  const auto known = std::find_if(loaded.clients.begin(), loaded.clients.end(),
                                  [&](const config::ClientConfig& client) { return client.id == client_id; });
  if (known == loaded.clients.end()) {
    std::vector<std::string> ids;
    for (const auto& client : loaded.clients) ids.push_back(client.id);
    std::cerr << "parcours simulate: no client '" << client_id << "'" << config::did_you_mean(client_id, ids) << '\n';
    return kExitInvalidInput;
  }

  std::vector<engine::IncomingEvent> events;
  try {
    events = engine::parse_ndjson(read_file(events_file), events_file);
  } catch (const std::exception& error) {
    std::cerr << "parcours simulate: " << error.what() << '\n';
    return kExitInvalidInput;
  }
  if (events.empty()) {
    std::cerr << "parcours simulate: " << events_file << " holds no event\n";
    return kExitInvalidInput;
  }
  // Events are applied in time order (stable: same-time events keep their file order);
  // an event without a time happens when the one before it does.
  std::optional<TimeMs> last;
  for (auto& event : events) {
    if (!event.time && last) event.time = last;
    if (event.time) last = event.time;
  }
  std::stable_sort(events.begin(), events.end(),
                   [](const auto& a, const auto& b) { return a.time.value_or(0) < b.time.value_or(0); });
  const TimeMs start = events.front().time.value_or(schedule::SystemClock().now());
  const TimeMs end = start + std::chrono::duration_cast<std::chrono::milliseconds>(*until).count();

  // The store: a temporary file that disappears with the run, unless --store names one.
  // Nobody reads the temporary one afterwards, so it is a scratch store: committed in
  // batches, never synced (store/sqlite_store.hpp).
  std::filesystem::path temporary;
  if (store_url.empty()) {
    temporary = std::filesystem::temp_directory_path() /
                ("parcours-simulate-" + std::to_string(::getpid()) + "-" + std::to_string(start));
    std::filesystem::create_directories(temporary);
  }
  int status = kExitOk;
  try {
    std::unique_ptr<store::Store> store =
        temporary.empty() ? store::open_store(store_url)
                          : std::make_unique<store::SqliteStore>((temporary / "simulate.db").string(),
                                                                 store::SqliteStore::Durability::none);
    schedule::ManualClock clock(start);
    TimelinePrinter printer(format == "json");
    // The sources are real (a CSV file is read as under `run`); channels are recorders.
    const host::PluginSources sources(loaded, host::PluginEnvironment{&clock, nullptr, nullptr});
    engine::Engine engine(loaded.clients, loaded.journeys, *store, clock, &printer, &sources);
    RecordingSender sender;
    engine::Dispatcher dispatcher(engine, *store, clock, sender, &printer, engine::RetryPolicy{}, &sources);
    // A fixed secret: a simulation's links (never served) are the same at every run.
    const links::LinkSigner links("simulate", loaded.host.server.public_url);
    dispatcher.set_link_signer(&links);
    for (const auto& event : events) {
      const TimeMs at = std::max(event.time.value_or(start), clock.now());
      drive(engine, dispatcher, *store, clock, at);
      clock.set(at);
      engine.ingest(client_id, {event});
      drive(engine, dispatcher, *store, clock, clock.now());
    }
    drive(engine, dispatcher, *store, clock, end);
    printer.flush();
  } catch (const std::exception& error) {
    std::cerr << "parcours simulate: " << error.what() << '\n';
    status = kExitInvalidInput;
  }
  if (!temporary.empty()) {
    std::error_code ignored;
    std::filesystem::remove_all(temporary, ignored);
  }
  return status;
}

}  // namespace parcours::cli
