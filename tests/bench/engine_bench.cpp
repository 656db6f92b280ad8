// The engine against the raw SQLite ceiling, in one run, on file-backed stores in a
// temporary folder (WAL, synchronous=NORMAL: durable against a process crash, as the
// store configures itself). Each phase runs in a child process of its own, so that the
// peak RSS of one is not the leftover of another. Figures go to docs/PERFORMANCE.md.
//
//   (a)  the ceiling: for every event, the rows Engine::ingest leaves behind for an
//        event that enrolls a new contact into a journey whose first step waits — the
//        event (processed), the contact, the enrollment (waiting, its timer on its
//        row) — inserted by a plain loop of prepared statements, 1000 events a transaction,
//        into the store's own schema (same tables, same indexes) on the store's
//        pragmas; and (a0) the same rows into bare tables (no index but the rowid).
//        Then, on (a)'s database, the timers' ceiling: for each timer due, the rows
//        (c) changes — the enrollment completed and its timer cleared, the contact
//        rewritten — by a plain loop, --timer-limit timers a transaction.
//   (b)  ingest + enroll: Engine::ingest(client, batch) with --batch events a call,
//        distinct contacts, into a journey loaded from TOML whose first step is
//        `wait = "1d"`; events/s, and what the process holds (RSS) with all of them
//        waiting (d).
//   (c)  timers: the ManualClock moved past every due time, Engine::run_due_timers()
//        called until nothing is due: each timer resumes one enrollment, which runs
//        one step (`set`) and ends. No send: no dispatcher work is measured here
//        ((e) has sends).
//   (d)  peak RSS (VmHWM) of the process of (b)+(c), with every enrollment waiting.
//   (e)  `parcours simulate` (the real binary) on a generated config: one client, one
//        10-step journey of 30 days (send an email, wait 6 days, five times; the
//        `file` channel, which simulate replaces by a recorder), and an NDJSON file of
//        one sign-up per contact, spread over --simulate-spread seconds (default a
//        day: every action at its own instant); `--format json > /dev/null`, wall
//        time and peak RSS.
//   (f)  the same with every sign-up in one instant (an imported list): the engine
//        and the dispatcher then work in batches of 500 timers and 200 messages.
//
// Usage: parcours_engine_bench [--events N] [--batch N] [--timer-limit N]
//          [--simulate-contacts N] [--simulate-spread SECONDS] [--phases a,b,e,f]
//          [--contact-ids sequential|random] [--phase-timeout SECONDS] [--dir FOLDER]
//          [--keep yes|no]
// Defaults are the issue's targets: 1,000,000 events and enrollments, 100,000
// simulated contacts. Every phase stops at --phase-timeout (default 300 s) and
// reports what it did by then.
#include <sqlite3.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "config/client_config.hpp"
#include "config/diagnostics.hpp"
#include "config/host_config.hpp"
#include "engine/engine.hpp"
#include "engine/incoming_event.hpp"
#include "journey/journey_loader.hpp"
#include "schedule/clock.hpp"
#include "store/sqlite_store.hpp"
#include "store/store.hpp"
#include "support/fake_plugin_catalog.hpp"

namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using parcours::schedule::TimeMs;
using Clock = std::chrono::steady_clock;

constexpr int kRawEventsPerTransaction = 1000;
// 2026-11-02T10:00:00Z, a Monday.
constexpr TimeMs kStart = 1793613600000;
constexpr TimeMs kSecond = 1000;
constexpr TimeMs kDay = 86'400'000;
constexpr const char* kClient = "bench";
constexpr const char* kJourney = "welcome";

struct Options {
  long events = 1'000'000;
  long batch = 1000;
  long timer_limit = 500;
  long simulate_contacts = 100'000;
  long simulate_spread = 86'400;   // seconds over which the simulated sign-ups arrive
  std::string phases = "a,b,e,f";  // (b) includes (c) and (d)
  bool random_ids = false;
  double phase_timeout = 300;
  bool keep = false;  // leave the files (configs, events, databases) for profiling
  fs::path dir;
};

[[noreturn]] void usage_error(const std::string& why) {
  throw std::invalid_argument(
      why +
      "\nusage: parcours_engine_bench [--events N] [--batch N] [--timer-limit N] [--simulate-contacts N] "
      "[--simulate-spread SECONDS] [--phases a,b,e,f] [--contact-ids sequential|random] [--phase-timeout SECONDS] "
      "[--dir FOLDER] [--keep yes|no]");
}

Options parse_options(int argc, char** argv) {
  Options options;
  for (int i = 1; i < argc; ++i) {
    const std::string argument = argv[i];
    if (i + 1 >= argc) usage_error("missing value after " + argument);
    const std::string value = argv[++i];
    if (argument == "--events")
      options.events = std::stol(value);
    else if (argument == "--batch")
      options.batch = std::stol(value);
    else if (argument == "--timer-limit")
      options.timer_limit = std::stol(value);
    else if (argument == "--simulate-contacts")
      options.simulate_contacts = std::stol(value);
    else if (argument == "--simulate-spread")
      options.simulate_spread = std::stol(value);
    else if (argument == "--phases")
      options.phases = value;
    else if (argument == "--contact-ids" && (value == "sequential" || value == "random"))
      options.random_ids = value == "random";
    else if (argument == "--phase-timeout")
      options.phase_timeout = std::stod(value);
    else if (argument == "--dir")
      options.dir = value;
    else if (argument == "--keep" && (value == "yes" || value == "no"))
      options.keep = value == "yes";
    else
      usage_error("unknown option " + argument + " " + value);
  }
  if (options.events < 1 || options.batch < 1 || options.timer_limit < 1 || options.simulate_contacts < 1 ||
      options.simulate_spread < 0 || options.phase_timeout <= 0)
    usage_error("counts must be positive");
  if (options.dir.empty())
    options.dir = fs::temp_directory_path() / ("parcours-engine-bench-" + std::to_string(getpid()));
  return options;
}

bool wants(const Options& options, char phase) {
  std::stringstream list(options.phases);
  std::string item;
  while (std::getline(list, item, ','))
    if (item.size() == 1 && item[0] == phase) return true;
  return false;
}

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

std::string thousands(double value) {
  std::string digits = std::to_string(static_cast<long long>(value + 0.5));
  for (int i = static_cast<int>(digits.size()) - 3; i > 0; i -= 3) digits.insert(static_cast<std::size_t>(i), ",");
  return digits;
}

std::string cpu_model() {
  std::ifstream cpuinfo("/proc/cpuinfo");
  std::string line;
  while (std::getline(cpuinfo, line))
    if (line.rfind("model name", 0) == 0) return line.substr(line.find(':') + 2);
  return "unknown CPU";
}

// A field of /proc/self/status in MiB (VmHWM: the peak resident set; VmRSS: now).
double status_mib(const char* field) {
  std::ifstream status("/proc/self/status");
  std::string line;
  const std::string prefix = std::string(field) + ":";
  while (std::getline(status, line))
    if (line.rfind(prefix, 0) == 0) return std::stod(line.substr(prefix.size())) / 1024.0;
  return 0;
}

void write_file(const fs::path& path, const std::string& text) {
  fs::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary);
  out << text;
  if (!out) throw std::runtime_error("cannot write " + path.string());
}

// ---------------------------------------------------------------------------------
// The data: one sign-up per contact. Contact ids are sequential (a shop's customer
// numbers) or random 32-hex-digit ids (UUID-like) with --contact-ids random; event
// ids are always time-ordered, as an API that assigns them would make them.

class Ids {
 public:
  explicit Ids(bool random) : random_(random) {}
  std::string contact(long i) {
    char id[40];
    if (!random_) {
      std::snprintf(id, sizeof id, "c-%010ld", i);
    } else {
      std::snprintf(id, sizeof id, "%016llx%016llx", static_cast<unsigned long long>(generator_()),
                    static_cast<unsigned long long>(generator_()));
    }
    return id;
  }
  static std::string event(long i) {
    char id[32];
    std::snprintf(id, sizeof id, "evt-%012ld", i);
    return id;
  }

 private:
  bool random_;
  std::mt19937_64 generator_{20261102};
};

json properties_of(long i) {
  return json{
      {"plan", i % 3 == 0 ? "pro" : "free"}, {"source", "ads"}, {"campaign", "autumn-" + std::to_string(i % 7)}};
}

json attributes_of(long i) {
  return json{{"first_name", "Ann" + std::to_string(i % 1000)}, {"email", "c" + std::to_string(i) + "@example.test"}};
}

// ---------------------------------------------------------------------------------
// Results travel from a phase's child process to the parent as "key value" lines.

using Results = std::map<std::string, double>;

class Reporter {
 public:
  explicit Reporter(int fd) : fd_(fd) {}
  void set(const std::string& key, double value) {
    const std::string line = key + " " + std::to_string(value) + "\n";
    if (::write(fd_, line.data(), line.size()) < 0) std::perror("engine_bench: write");
  }

 private:
  int fd_;
};

// Runs `phase` in a child process; the parent waits up to `timeout` (then kills it)
// and gets its results and peak RSS (from wait4).
Results run_child(const std::string& name, double timeout, const std::function<void(Reporter&)>& phase) {
  std::fflush(stdout);
  std::fflush(stderr);
  int pipe_fds[2];
  if (::pipe(pipe_fds) != 0) throw std::runtime_error("pipe failed");
  const pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    ::close(pipe_fds[0]);
    int code = 0;
    try {
      Reporter reporter(pipe_fds[1]);
      phase(reporter);
    } catch (const std::exception& error) {
      std::fprintf(stderr, "engine_bench: phase %s: %s\n", name.c_str(), error.what());
      code = 1;
    }
    std::fflush(stdout);
    std::fflush(stderr);
    ::_exit(code);
  }
  ::close(pipe_fds[1]);
  std::string text;
  char buffer[4096];
  // The child's own deadline keeps it in time; this one (with margin) catches a hang.
  const auto deadline = Clock::now() + std::chrono::duration<double>(timeout * 1.5 + 30);
  int status = 0;
  rusage usage{};
  bool killed = false;
  for (;;) {
    const ssize_t got = ::read(pipe_fds[0], buffer, sizeof buffer);
    if (got > 0) {
      text.append(buffer, static_cast<std::size_t>(got));
      continue;
    }
    if (got == 0) break;
    if (errno == EINTR) continue;
    break;
  }
  while (::wait4(pid, &status, WNOHANG, &usage) == 0) {
    if (Clock::now() > deadline && !killed) {
      ::kill(pid, SIGKILL);
      killed = true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ::close(pipe_fds[0]);
  if (killed || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
    std::fprintf(stderr, "engine_bench: phase %s did not finish cleanly (status %d)\n", name.c_str(), status);
  Results results;
  std::istringstream lines(text);
  std::string key;
  double value = 0;
  while (lines >> key >> value) results[key] = value;
  results["peak_rss_mib"] = static_cast<double>(usage.ru_maxrss) / 1024.0;
  return results;
}

// ---------------------------------------------------------------------------------
// (a) and (a0): plain SQLite.

void check(int result, sqlite3* db, const char* what) {
  if (result != SQLITE_OK && result != SQLITE_DONE && result != SQLITE_ROW)
    throw std::runtime_error(std::string(what) + ": " + sqlite3_errmsg(db));
}

struct RawStatement {
  sqlite3* db;
  sqlite3_stmt* statement = nullptr;
  RawStatement(sqlite3* db_, const char* sql) : db(db_) {
    check(sqlite3_prepare_v2(db, sql, -1, &statement, nullptr), db, sql);
  }
  ~RawStatement() { sqlite3_finalize(statement); }
  RawStatement(const RawStatement&) = delete;
  RawStatement& operator=(const RawStatement&) = delete;
  void text(int index, const std::string& value) {
    sqlite3_bind_text(statement, index, value.data(), static_cast<int>(value.size()), SQLITE_STATIC);
  }
  void integer(int index, std::int64_t value) { sqlite3_bind_int64(statement, index, value); }
  void run() {
    check(sqlite3_step(statement), db, "insert");
    sqlite3_reset(statement);
  }
  bool row() {
    const int result = sqlite3_step(statement);
    check(result, db, "select");
    return result == SQLITE_ROW;
  }
};

// The rows of one enrolled event, as the engine writes them.
struct EventRows {
  std::string event_id, contact, properties, attributes, contact_attributes, scope;
  TimeMs time = 0;
};

EventRows rows_of(Ids& ids, long i, TimeMs now) {
  EventRows rows;
  rows.event_id = Ids::event(i);
  rows.contact = ids.contact(i);
  rows.time = now;
  const json properties = properties_of(i);
  rows.properties = properties.dump();
  rows.attributes = attributes_of(i).dump();
  rows.contact_attributes = rows.attributes;
  rows.scope = json{{"id", rows.event_id}, {"type", "signup"}, {"time", now}, {"properties", properties}}.dump();
  return rows;
}

void raw_ceiling(const Options& options, const fs::path& file, bool store_schema, Reporter& reporter,
                 const std::string& prefix) {
  if (store_schema) {
    parcours::store::SqliteStore schema(file.string());  // creates the store's tables and indexes
  }
  sqlite3* db = nullptr;
  check(sqlite3_open(file.c_str(), &db), db, "open");
  // The store's pragmas (sqlite_store.cpp).
  check(sqlite3_exec(db,
                     "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = OFF; "
                     "PRAGMA temp_store = MEMORY; PRAGMA cache_size = -32768; PRAGMA journal_size_limit = 67108864; "
                     "PRAGMA wal_autocheckpoint = 10000;",
                     nullptr, nullptr, nullptr),
        db, "pragmas");
  if (!store_schema)
    check(sqlite3_exec(db,
                       "CREATE TABLE events (seq INTEGER PRIMARY KEY, client TEXT, id TEXT, type TEXT, contact TEXT, "
                       "time INTEGER, properties TEXT, attributes TEXT, processed INTEGER);"
                       "CREATE TABLE contacts (client TEXT, id TEXT, attributes TEXT, updated_at INTEGER);"
                       "CREATE TABLE enrollments (id INTEGER PRIMARY KEY, client TEXT, journey TEXT, contact TEXT, "
                       "run INTEGER, step INTEGER, status TEXT, event TEXT, waiting_for TEXT, entered_at INTEGER, "
                       "updated_at INTEGER, wake_at INTEGER, wake_kind TEXT);",
                       nullptr, nullptr, nullptr),
          db, "schema");
  {
    RawStatement event(db,
                       "INSERT INTO events (client, id, type, contact, time, properties, attributes, processed) "
                       "VALUES (?1, ?2, 'signup', ?3, ?4, ?5, ?6, 1)");
    RawStatement contact(db, "INSERT INTO contacts (client, id, attributes, updated_at) VALUES (?1, ?2, ?3, ?4)");
    RawStatement enrollment(db,
                            "INSERT INTO enrollments (client, journey, contact, run, step, status, event, "
                            "waiting_for, entered_at, updated_at, wake_at, wake_kind) "
                            "VALUES (?1, ?2, ?3, 1, 0, 'waiting', ?4, '', ?5, ?5, ?6, 'resume')");
    const std::string client = kClient, journey = kJourney;
    Ids ids(options.random_ids);
    std::vector<EventRows> batch;
    long done = 0;
    double elapsed = 0;  // the database's work only, not making the rows
    while (done < options.events) {
      const TimeMs now = kStart + (done / kRawEventsPerTransaction) * kSecond;
      batch.clear();
      for (long i = done; i < done + kRawEventsPerTransaction && i < options.events; ++i)
        batch.push_back(rows_of(ids, i, now));
      const auto start = Clock::now();
      check(sqlite3_exec(db, "BEGIN", nullptr, nullptr, nullptr), db, "begin");
      for (const auto& rows : batch) {
        event.text(1, client);
        event.text(2, rows.event_id);
        event.text(3, rows.contact);
        event.integer(4, rows.time);
        event.text(5, rows.properties);
        event.text(6, rows.attributes);
        event.run();
        contact.text(1, client);
        contact.text(2, rows.contact);
        contact.text(3, rows.contact_attributes);
        contact.integer(4, now);
        contact.run();
        enrollment.text(1, client);
        enrollment.text(2, journey);
        enrollment.text(3, rows.contact);
        enrollment.text(4, rows.scope);
        enrollment.integer(5, now);
        enrollment.integer(6, now + kDay);
        enrollment.run();
      }
      check(sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr), db, "commit");
      done += static_cast<long>(batch.size());
      elapsed += seconds_since(start);
      if (elapsed > options.phase_timeout) break;
    }
    reporter.set(prefix + "events", static_cast<double>(done));
    reporter.set(prefix + "seconds", elapsed);

    // The timers' ceiling, on the store's schema: for every due timer, the rows the
    // engine changes when it resumes the enrollment (set, then end) — the enrollment
    // completed and its timer cleared, the contact's attributes rewritten — by a
    // plain loop, --timer-limit timers a transaction, as run_due_timers takes them.
    if (store_schema) {
      RawStatement due(db,
                       "SELECT id, contact FROM enrollments WHERE wake_at IS NOT NULL AND wake_at <= ?1 "
                       "ORDER BY wake_at, id LIMIT ?2");
      RawStatement complete(
          db, "UPDATE enrollments SET step = 1, status = 'completed', updated_at = ?2, wake_at = NULL WHERE id = ?1");
      RawStatement rewrite(db, "UPDATE contacts SET attributes = ?3, updated_at = ?4 WHERE client = ?1 AND id = ?2");
      const std::string attributes = R"({"email":"c0000000@example.test","first_name":"Ann000","stage":"welcomed"})";
      const TimeMs now = kStart + (done / kRawEventsPerTransaction + 1) * kSecond + kDay;
      struct Due {
        std::int64_t enrollment;
        std::string contact;
      };
      std::vector<Due> batch_due;
      long fired = 0;
      double timer_seconds = 0;
      for (;;) {
        const auto start = Clock::now();
        check(sqlite3_exec(db, "BEGIN", nullptr, nullptr, nullptr), db, "begin");
        batch_due.clear();
        due.integer(1, now);
        due.integer(2, options.timer_limit);
        while (due.row())
          batch_due.push_back({sqlite3_column_int64(due.statement, 0),
                               reinterpret_cast<const char*>(sqlite3_column_text(due.statement, 1))});
        sqlite3_reset(due.statement);
        for (const auto& timer : batch_due) {
          complete.integer(1, timer.enrollment);
          complete.integer(2, now);
          complete.run();
          rewrite.text(1, client);
          rewrite.text(2, timer.contact);
          rewrite.text(3, attributes);
          rewrite.integer(4, now);
          rewrite.run();
        }
        check(sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr), db, "commit");
        timer_seconds += seconds_since(start);
        fired += static_cast<long>(batch_due.size());
        if (batch_due.empty() || timer_seconds > options.phase_timeout) break;
      }
      reporter.set(prefix + "timers", static_cast<double>(fired));
      reporter.set(prefix + "timers_seconds", timer_seconds);
    }
  }
  sqlite3_close(db);
}

// ---------------------------------------------------------------------------------
// (b), (c), (d): the engine.

void write_engine_config(const fs::path& dir) {
  write_file(dir / "parcours.toml", "");
  write_file(dir / "clients" / kClient / "client.toml", R"toml(name = "Bench"
timezone = "UTC"
require_consent = false
[channels.email]
plugin = "file"
path = "var/email.jsonl"
)toml");
  write_file(dir / "clients" / kClient / "journeys" / (std::string(kJourney) + ".toml"), R"toml(id = "welcome"
name = "Welcome"
[entry]
on = "signup"
[[steps]]
id = "first-day"
wait = "1d"
[[steps]]
id = "welcomed"
set = { stage = "welcomed" }
)toml");
}

void engine_phases(const Options& options, const fs::path& dir, Reporter& reporter) {
  namespace config = parcours::config;
  write_engine_config(dir / "config");
  config::Diagnostics diagnostics;
  config::FakeCatalog catalog;
  const auto host = config::load_host_config(dir / "config", diagnostics);
  const auto clients = config::load_clients(host, catalog, diagnostics);
  std::map<std::string, std::vector<parcours::journey::Journey>> journeys;
  for (const auto& client : clients)
    journeys[client.id] = parcours::journey::load_journeys(client, catalog, diagnostics);
  if (diagnostics.has_errors()) {
    for (const auto& diagnostic : diagnostics.all()) std::fprintf(stderr, "%s\n", diagnostic.text().c_str());
    throw std::runtime_error("the bench's own config is not valid");
  }
  auto store = parcours::store::open_store("sqlite://" + (dir / "engine.db").string());
  parcours::schedule::ManualClock clock(kStart);
  parcours::engine::Engine engine(clients, journeys, *store, clock);

  // (b) One call per batch; the clock moves a second between calls (1000 sign-ups a
  // second, arriving). Building the batch (what the HTTP layer would hand over) is
  // not timed.
  Ids ids(options.random_ids);
  std::vector<parcours::engine::IncomingEvent> batch;
  double ingest_seconds = 0;
  long ingested = 0;
  while (ingested < options.events) {
    batch.clear();
    for (long i = ingested; i < ingested + options.batch && i < options.events; ++i) {
      parcours::engine::IncomingEvent event;
      event.id = Ids::event(i);
      event.type = "signup";
      event.contact = ids.contact(i);
      event.time = clock.now();
      event.properties = properties_of(i);
      event.attributes = attributes_of(i);
      batch.push_back(std::move(event));
    }
    const auto start = Clock::now();
    const auto result = engine.ingest(kClient, batch);
    ingest_seconds += seconds_since(start);
    if (result.accepted != batch.size()) throw std::runtime_error("the engine refused events it should accept");
    ingested += static_cast<long>(batch.size());
    clock.advance(kSecond);
    if (ingest_seconds > options.phase_timeout) break;
  }
  std::int64_t enrolled = 0;
  store->transact([&](parcours::store::Transaction& tx) { enrolled = tx.counter(kClient, kJourney, "", "enrolled"); });
  if (enrolled != ingested)
    throw std::runtime_error("enrolled " + std::to_string(enrolled) + " of " + std::to_string(ingested) + " events");
  reporter.set("ingest_events", static_cast<double>(ingested));
  reporter.set("ingest_seconds", ingest_seconds);
  reporter.set("waiting_hwm_mib", status_mib("VmHWM"));
  reporter.set("waiting_rss_mib", status_mib("VmRSS"));
  reporter.set("waiting_db_mib", static_cast<double>(fs::file_size(dir / "engine.db")) / (1024.0 * 1024.0));

  // (c) Every timer due: resume, set, end.
  clock.advance(kDay);
  const auto start = Clock::now();
  long fired = 0;
  double timer_seconds = 0;
  for (;;) {
    const auto n = engine.run_due_timers(static_cast<std::size_t>(options.timer_limit));
    if (n == 0) break;
    fired += static_cast<long>(n);
    timer_seconds = seconds_since(start);
    if (timer_seconds > options.phase_timeout) break;
  }
  timer_seconds = seconds_since(start);
  std::int64_t completed = 0;
  store->transact(
      [&](parcours::store::Transaction& tx) { completed = tx.counter(kClient, kJourney, "", "completed"); });
  if (completed != fired)
    throw std::runtime_error("completed " + std::to_string(completed) + " of " + std::to_string(fired) + " timers");
  reporter.set("timers_fired", static_cast<double>(fired));
  reporter.set("timers_seconds", timer_seconds);
  reporter.set("timers_hwm_mib", status_mib("VmHWM"));
}

// ---------------------------------------------------------------------------------
// (e): the real `parcours simulate`.

void write_simulate_input(const Options& options, long spread, const fs::path& dir) {
  write_file(dir / "config" / "parcours.toml", "");
  write_file(dir / "config" / "clients" / kClient / "client.toml", R"toml(name = "Bench"
timezone = "UTC"
require_consent = false
[channels.email]
plugin = "file"
path = "var/email.jsonl"
)toml");
  std::string journey = R"toml(id = "drip"
name = "Thirty days of tips"
[entry]
on = "signup"
)toml";
  for (int i = 1; i <= 5; ++i) {
    journey += "\n[[steps]]\nid = \"tip-" + std::to_string(i) + "\"\nsend = \"email\"\nsubject = \"Tip " +
               std::to_string(i) +
               " for {{contact.first_name}}\"\ntext = \"Hello {{contact.first_name}}, here is tip " +
               std::to_string(i) + " for the {{event.plan}} plan.\"\n";
    journey += "\n[[steps]]\nwait = \"6d\"\n";
  }
  write_file(dir / "config" / "clients" / kClient / "journeys" / "drip.toml", journey);

  std::ofstream events(dir / "events.ndjson", std::ios::binary);
  Ids ids(options.random_ids);
  const double step_ms =
      static_cast<double>(spread) * 1000.0 / static_cast<double>(std::max<long>(options.simulate_contacts, 1));
  for (long i = 0; i < options.simulate_contacts; ++i) {
    const TimeMs time = kStart + static_cast<TimeMs>(static_cast<double>(i) * step_ms);
    json event{{"id", Ids::event(i)},
               {"type", "signup"},
               {"contact", ids.contact(i)},
               {"time", parcours::schedule::format_time(time)},
               {"properties", properties_of(i)},
               {"attributes", attributes_of(i)}};
    events << event.dump() << '\n';
  }
  if (!events) throw std::runtime_error("cannot write the events file");
}

void simulate_phase(const Options& options, long spread, const fs::path& dir, Reporter& reporter) {
  write_simulate_input(options, spread, dir);
  const std::string binary = PARCOURS_BINARY;
  const std::string config = (dir / "config").string();
  const std::string events = (dir / "events.ndjson").string();
  const std::string errors = (dir / "simulate.stderr").string();
  std::vector<std::string> args = {binary,  "simulate", "--config", config,     "--client",
                                   kClient, "--events", events,     "--format", "json"};
  std::vector<char*> argv;
  for (auto& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);

  const auto start = Clock::now();
  const pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    std::FILE* out = std::freopen("/dev/null", "w", stdout);
    std::FILE* err = std::freopen(errors.c_str(), "w", stderr);
    if (out == nullptr || err == nullptr) ::_exit(126);
    ::execv(binary.c_str(), argv.data());
    ::_exit(127);
  }
  int status = 0;
  rusage usage{};
  bool killed = false;
  while (::wait4(pid, &status, WNOHANG, &usage) == 0) {
    if (seconds_since(start) > options.phase_timeout && !killed) {
      ::kill(pid, SIGKILL);
      killed = true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  const double elapsed = seconds_since(start);
  if (killed) {
    reporter.set("simulate_timed_out", 1);
  } else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    std::ifstream in(errors);
    std::stringstream text;
    text << in.rdbuf();
    throw std::runtime_error("parcours simulate failed (status " + std::to_string(status) + "): " + text.str());
  }
  reporter.set("simulate_contacts", static_cast<double>(options.simulate_contacts));
  reporter.set("simulate_seconds", elapsed);
  reporter.set("simulate_rss_mib", static_cast<double>(usage.ru_maxrss) / 1024.0);
}

// ---------------------------------------------------------------------------------

double get(const Results& results, const std::string& key) {
  const auto it = results.find(key);
  return it == results.end() ? 0 : it->second;
}

std::string figure(double value) {
  if (value >= 1000) return thousands(value);
  char text[32];
  std::snprintf(text, sizeof text, "%.1f", value);
  return text;
}

void print_verdict(const char* name, double value, double target, bool higher_is_better, const char* unit) {
  const bool met = higher_is_better ? value >= target : value < target;
  std::printf("  %-30s %-6s %s %s (target %s %s %s)", name, met ? "met" : "MISSED", figure(value).c_str(), unit,
              higher_is_better ? ">=" : "<", figure(target).c_str(), unit);
  if (!met) std::printf(", %.0f%% of the target", higher_is_better ? 100 * value / target : 100 * target / value);
  std::printf("\n");
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const Options options = parse_options(argc, argv);
    fs::create_directories(options.dir);
    std::printf("parcours_engine_bench: %s events, batches of %ld, timer limit %ld, %s simulated contacts, %s ids\n",
                thousands(static_cast<double>(options.events)).c_str(), options.batch, options.timer_limit,
                thousands(static_cast<double>(options.simulate_contacts)).c_str(),
                options.random_ids ? "random contact" : "sequential contact");
    std::printf("machine: %u cores (nproc), %s; SQLite %s; build %s; files in %s\n",
                std::thread::hardware_concurrency(), cpu_model().c_str(), sqlite3_libversion(), PARCOURS_BUILD_TYPE,
                options.dir.c_str());

    Results all;
    const auto merge = [&](const Results& results, const std::string& prefix) {
      for (const auto& [key, value] : results) all[prefix + key] = value;
    };
    if (wants(options, 'a')) {
      merge(run_child("a0", options.phase_timeout,
                      [&](Reporter& r) { raw_ceiling(options, options.dir / "raw-bare.db", false, r, "raw_bare_"); }),
            "a0_");
      const double bare = get(all, "a0_raw_bare_events") / get(all, "a0_raw_bare_seconds");
      std::printf("(a0) raw SQLite, bare tables:       %12s events/s = %12s rows/s (3 rows an event)\n",
                  thousands(bare).c_str(), thousands(3 * bare).c_str());
      merge(run_child("a", options.phase_timeout,
                      [&](Reporter& r) { raw_ceiling(options, options.dir / "raw.db", true, r, "raw_"); }),
            "a_");
      const double raw = get(all, "a_raw_events") / get(all, "a_raw_seconds");
      std::printf("(a)  raw SQLite, the store's schema: %12s events/s = %12s rows/s (3 rows an event)\n",
                  thousands(raw).c_str(), thousands(3 * raw).c_str());
      const double raw_timers = get(all, "a_raw_timers") / get(all, "a_raw_timers_seconds");
      std::printf("(a)  raw SQLite, the timers' rows:    %12s timers/s = %12s rows/s (2 rows a timer)\n",
                  thousands(raw_timers).c_str(), thousands(2 * raw_timers).c_str());
      std::fflush(stdout);
    }
    if (wants(options, 'b')) {
      merge(run_child("b", options.phase_timeout * 2, [&](Reporter& r) { engine_phases(options, options.dir, r); }),
            "b_");
      const double ingest = get(all, "b_ingest_events") / get(all, "b_ingest_seconds");
      const double raw = get(all, "a_raw_events") > 0 ? get(all, "a_raw_events") / get(all, "a_raw_seconds") : 0;
      const double bare =
          get(all, "a0_raw_bare_events") > 0 ? get(all, "a0_raw_bare_events") / get(all, "a0_raw_bare_seconds") : 0;
      std::printf("(b)  Engine::ingest, %ld a call:     %12s events/s (%s events in %.1f s)", options.batch,
                  thousands(ingest).c_str(), thousands(get(all, "b_ingest_events")).c_str(),
                  get(all, "b_ingest_seconds"));
      if (raw > 0) std::printf("  %.1f%% of (a), %.1f%% of (a0)", 100 * ingest / raw, 100 * ingest / bare);
      std::printf("\n");
      const double timers = get(all, "b_timers_fired") / get(all, "b_timers_seconds");
      std::printf(
          "(c)  run_due_timers(%ld) until done:  %12s timers/s (%s resumed in %.1f s; one step each: set, then "
          "end)\n",
          options.timer_limit, thousands(timers).c_str(), thousands(get(all, "b_timers_fired")).c_str(),
          get(all, "b_timers_seconds"));
      if (get(all, "a_raw_timers") > 0)
        std::printf("     %.1f%% of the raw timers' rows (a)\n",
                    100 * timers / (get(all, "a_raw_timers") / get(all, "a_raw_timers_seconds")));
      std::printf(
          "(d)  peak RSS with %s waiting: %.1f MiB (VmHWM; now %.1f MiB; database %.0f MiB); whole process "
          "%.1f MiB\n",
          thousands(get(all, "b_ingest_events")).c_str(), get(all, "b_waiting_hwm_mib"), get(all, "b_waiting_rss_mib"),
          get(all, "b_waiting_db_mib"), get(all, "b_peak_rss_mib"));
      std::fflush(stdout);
    }
    // (e) sign-ups spread over --simulate-spread seconds; (f) all in one instant.
    for (const char phase : {'e', 'f'}) {
      if (!wants(options, phase)) continue;
      const std::string name(1, phase);
      const long spread = phase == 'e' ? options.simulate_spread : 0;
      merge(run_child(name, options.phase_timeout * 1.2,
                      [&](Reporter& r) { simulate_phase(options, spread, options.dir / ("simulate-" + name), r); }),
            name + "_");
      std::printf(
          "(%c)  parcours simulate, %s contacts signing up %s, 10 steps, 30 days: %.2f s%s, peak RSS %.1f "
          "MiB\n",
          phase, thousands(get(all, name + "_simulate_contacts")).c_str(),
          spread > 0 ? ("over " + thousands(static_cast<double>(spread)) + " s").c_str() : "in one instant",
          get(all, name + "_simulate_seconds"),
          get(all, name + "_simulate_timed_out") > 0 ? " (TIMED OUT, killed)" : "",
          get(all, name + "_simulate_rss_mib"));
      std::fflush(stdout);
    }

    const Options issue;  // the defaults are the issue's counts
    if (options.events != issue.events || options.simulate_contacts != issue.simulate_contacts)
      std::printf("\ntargets (for the issue's counts, 1,000,000 events and 100,000 contacts; these are not them):\n");
    else
      std::printf("\ntargets:\n");
    if (wants(options, 'b')) {
      const double ingest = get(all, "b_ingest_events") / get(all, "b_ingest_seconds");
      print_verdict("ingest + enroll", ingest, 100'000, true, "events/s");
      if (get(all, "a_raw_events") > 0) {
        const double raw = get(all, "a_raw_events") / get(all, "a_raw_seconds");
        print_verdict("ingest + enroll vs (a), percent", 100 * ingest / raw, 50, true, "%");
      }
      print_verdict("timers", get(all, "b_timers_fired") / get(all, "b_timers_seconds"), 100'000, true, "steps/s");
      print_verdict("peak RSS, all waiting", get(all, "b_waiting_hwm_mib"), 200, false, "MiB");
    }
    if (wants(options, 'e')) print_verdict("simulate, spread", get(all, "e_simulate_seconds"), 10, false, "s");
    if (wants(options, 'f')) print_verdict("simulate, one instant", get(all, "f_simulate_seconds"), 10, false, "s");

    if (options.keep) {
      std::printf("\nfiles kept in %s\n", options.dir.c_str());
    } else {
      std::error_code ignored;
      fs::remove_all(options.dir, ignored);
    }
    return 0;
  } catch (const std::exception& error) {
    std::fprintf(stderr, "parcours_engine_bench: %s\n", error.what());
    return 1;
  }
}
