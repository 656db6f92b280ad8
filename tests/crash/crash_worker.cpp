// The process the crash test kills. It is a host in miniature, built from the same
// parts as `parcours run` (host/: loaded config, plugin channels, work runner) on a
// manual clock, so that a run is repeatable: it replays the events of a file in time
// order — moving the clock to each event's time and running what fell due before
// it — then runs everything due up to an end time, sending through the real `file`
// plugin. Started again after a SIGKILL, it recovers from the store and replays the
// same file: events already stored are ignored by id, timers and messages already
// handled are gone from the store, so it carries on where the kill stopped it.
//
// Usage: parcours_crash_worker CONFIG_DIR CLIENT EVENTS_FILE END_TIME
// Exit 0 when everything due up to END_TIME ran; 1 with a message otherwise.
#include <algorithm>
#include <fstream>
#include <iostream>
#include <sstream>

#include "engine/dispatcher.hpp"
#include "engine/engine.hpp"
#include "host/loaded_config.hpp"
#include "host/plugin_channels.hpp"
#include "host/work_runner.hpp"
#include "journey/value.hpp"
#include "schedule/clock.hpp"
#include "store/store.hpp"

using namespace parcours;
using schedule::TimeMs;

namespace {

TimeMs parse_time(const std::string& text) {
  const auto time = journey::parse_iso_time(text);
  if (!time) throw std::runtime_error("not an RFC 3339 time: " + text);
  return time->time_since_epoch().count();
}

void run_until(host::WorkRunner& runner, schedule::ManualClock& clock, TimeMs until) {
  while (const auto next = runner.next_due()) {
    if (*next > until) break;
    clock.set(*next);
    runner.run_due();
  }
  clock.set(until);
}

int work(int argc, char** argv) {
  if (argc != 5) {
    std::cerr << "usage: parcours_crash_worker CONFIG_DIR CLIENT EVENTS_FILE END_TIME\n";
    return 2;
  }
  const std::string client = argv[2];
  config::Diagnostics diagnostics;
  const host::LoadedConfig loaded = host::load_config(argv[1], diagnostics);
  if (diagnostics.has_errors()) {
    for (const auto& diagnostic : diagnostics.in_reading_order()) std::cerr << diagnostic.text() << '\n';
    return 1;
  }
  std::ifstream in(argv[3]);
  std::ostringstream text;
  text << in.rdbuf();
  auto events = engine::parse_ndjson(text.str(), argv[3]);
  std::stable_sort(events.begin(), events.end(),
                   [](const auto& a, const auto& b) { return a.time.value_or(0) < b.time.value_or(0); });
  const TimeMs end = parse_time(argv[4]);

  auto store = store::open_store(loaded.host.store.url, loaded.host.directory.string());
  schedule::ManualClock clock(events.empty() ? end : events.front().time.value_or(end));
  engine::Engine engine(loaded.clients, loaded.journeys, *store, clock);
  host::PluginChannels channels(loaded, host::PluginEnvironment{&clock, nullptr, nullptr});
  engine::Dispatcher dispatcher(engine, *store, clock, channels);
  host::WorkRunner runner(engine, dispatcher, *store, clock);
  runner.recover();
  for (const auto& event : events) {
    // One event per transaction, as a stream of HTTP requests would come: every
    // commit is a point the test may kill the process at.
    run_until(runner, clock, event.time.value_or(clock.now()));
    engine.ingest(client, {event});
    runner.run_due();
  }
  run_until(runner, clock, end);
  std::cout << "done\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return work(argc, argv);
  } catch (const std::exception& error) {
    std::cerr << "parcours_crash_worker: " << error.what() << '\n';
    return 1;
  }
}
