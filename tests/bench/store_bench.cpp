// The store against the raw SQLite ceiling, in one run on a temporary file:
//   (a)  the ceiling: event-like rows (the columns of `events`) inserted by a plain
//        loop with one prepared statement, 1000 rows a transaction, WAL and
//        synchronous=NORMAL as the store uses them;
//   (a') the same into a table with the store's indexes on events (the unique event
//        id per client, the index of unprocessed events): what idempotent intake costs;
//   (b)  Store::transact inserting the same events, 1000 per call;
//   (c)  Store::transact from 2 threads with 1 event per call: group commit at work;
//   (d)  Store::transact from 1 thread with 1 event per call: a commit per event.
// Usage: parcours_store_bench [--rows N] [--dir FOLDER]   (default 200,000 rows)
#include <sqlite3.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "store/sqlite_store.hpp"

namespace {

using parcours::store::EventRecord;
using parcours::store::SqliteStore;
using parcours::store::Transaction;
using Clock = std::chrono::steady_clock;

constexpr int kRowsPerTransaction = 1000;

struct Options {
  long rows = 200'000;
  std::filesystem::path dir;
};

Options parse_options(int argc, char** argv) {
  Options options;
  for (int i = 1; i < argc; ++i) {
    const std::string argument = argv[i];
    if (argument == "--rows" && i + 1 < argc) {
      options.rows = std::stol(argv[++i]);
      if (options.rows < kRowsPerTransaction) throw std::invalid_argument("--rows must be at least 1000");
    } else if (argument == "--dir" && i + 1 < argc) {
      options.dir = argv[++i];
    } else {
      throw std::invalid_argument("usage: parcours_store_bench [--rows N] [--dir FOLDER]");
    }
  }
  if (options.dir.empty())
    options.dir = std::filesystem::temp_directory_path() / ("parcours-store-bench-" + std::to_string(getpid()));
  return options;
}

std::string cpu_model() {
  std::ifstream cpuinfo("/proc/cpuinfo");
  std::string line;
  while (std::getline(cpuinfo, line))
    if (line.rfind("model name", 0) == 0) return line.substr(line.find(':') + 2);
  return "unknown CPU";
}

// The same event for every case: a time-ordered id, as an ingest would see them.
EventRecord event_number(long i) {
  EventRecord event;
  event.client = "acme";
  char id[32];
  std::snprintf(id, sizeof id, "evt-%012ld", i);
  event.id = id;
  event.type = "cart.updated";
  event.contact = "contact-" + std::to_string(i % 50'000);
  event.time = 1'700'000'000'000 + i;
  event.properties_json = R"({"cart":")" + std::to_string(i) + R"(","total":129.90,"items":3})";
  event.attributes_json = R"({"topic":"travel"})";
  return event;
}

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

void check(int result, sqlite3* db, const char* what) {
  if (result != SQLITE_OK && result != SQLITE_DONE && result != SQLITE_ROW)
    throw std::runtime_error(std::string(what) + ": " + sqlite3_errmsg(db));
}

// (a) and (a'): plain SQLite, no store code.
double raw_rows_per_second(const std::filesystem::path& file, long rows, bool with_store_indexes) {
  sqlite3* db = nullptr;
  check(sqlite3_open(file.c_str(), &db), db, "open");
  check(sqlite3_exec(db, "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;", nullptr, nullptr, nullptr), db,
        "pragmas");
  std::string schema =
      "CREATE TABLE events (seq INTEGER PRIMARY KEY, client TEXT NOT NULL, id TEXT NOT NULL, type TEXT NOT NULL, "
      "contact TEXT NOT NULL, time INTEGER NOT NULL, properties TEXT NOT NULL, attributes TEXT NOT NULL, "
      "processed INTEGER NOT NULL DEFAULT 0";
  schema += with_store_indexes ? ", UNIQUE (client, id)); CREATE INDEX events_unprocessed ON events (seq) WHERE "
                                 "processed = 0;"
                               : ");";
  check(sqlite3_exec(db, schema.c_str(), nullptr, nullptr, nullptr), db, "schema");
  sqlite3_stmt* insert = nullptr;
  check(sqlite3_prepare_v2(db,
                           "INSERT INTO events (client, id, type, contact, time, properties, attributes, processed) "
                           "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                           -1, &insert, nullptr),
        db, "prepare");
  std::vector<EventRecord> batch;
  const auto start = Clock::now();
  for (long done = 0; done < rows; done += kRowsPerTransaction) {
    batch.clear();
    for (long i = done; i < done + kRowsPerTransaction && i < rows; ++i) batch.push_back(event_number(i));
    check(sqlite3_exec(db, "BEGIN", nullptr, nullptr, nullptr), db, "begin");
    for (const auto& event : batch) {
      sqlite3_bind_text(insert, 1, event.client.data(), static_cast<int>(event.client.size()), SQLITE_STATIC);
      sqlite3_bind_text(insert, 2, event.id.data(), static_cast<int>(event.id.size()), SQLITE_STATIC);
      sqlite3_bind_text(insert, 3, event.type.data(), static_cast<int>(event.type.size()), SQLITE_STATIC);
      sqlite3_bind_text(insert, 4, event.contact.data(), static_cast<int>(event.contact.size()), SQLITE_STATIC);
      sqlite3_bind_int64(insert, 5, event.time);
      sqlite3_bind_text(insert, 6, event.properties_json.data(), static_cast<int>(event.properties_json.size()),
                        SQLITE_STATIC);
      sqlite3_bind_text(insert, 7, event.attributes_json.data(), static_cast<int>(event.attributes_json.size()),
                        SQLITE_STATIC);
      sqlite3_bind_int64(insert, 8, 0);
      check(sqlite3_step(insert), db, "insert");
      sqlite3_reset(insert);
    }
    check(sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr), db, "commit");
  }
  const double elapsed = seconds_since(start);
  sqlite3_finalize(insert);
  sqlite3_close(db);
  return static_cast<double>(rows) / elapsed;
}

// (b): the store, 1000 events per transact() call.
double store_batched_rows_per_second(const std::filesystem::path& file, long rows) {
  SqliteStore store(file.string());
  std::vector<EventRecord> batch;
  const auto start = Clock::now();
  for (long done = 0; done < rows; done += kRowsPerTransaction) {
    batch.clear();
    for (long i = done; i < done + kRowsPerTransaction && i < rows; ++i) batch.push_back(event_number(i));
    store.transact([&](Transaction& tx) {
      for (auto& event : batch) tx.insert_event(event);
    });
  }
  return static_cast<double>(rows) / seconds_since(start);
}

// (c) and (d): the store, one event per transact() call, from `threads` threads.
double store_single_rows_per_second(const std::filesystem::path& file, long rows, int threads,
                                    SqliteStore::GroupCommitStats& stats) {
  SqliteStore store(file.string());
  std::vector<std::thread> workers;
  const auto start = Clock::now();
  for (int t = 0; t < threads; ++t)
    workers.emplace_back([&, t] {
      for (long i = t; i < rows; i += threads) {
        auto event = event_number(i);
        store.transact([&](Transaction& tx) { tx.insert_event(event); });
      }
    });
  for (auto& worker : workers) worker.join();
  const double rate = static_cast<double>(rows) / seconds_since(start);
  stats = store.stats();
  return rate;
}

std::string thousands(double value) {
  std::string digits = std::to_string(static_cast<long long>(value + 0.5));
  for (int i = static_cast<int>(digits.size()) - 3; i > 0; i -= 3) digits.insert(static_cast<std::size_t>(i), ",");
  return digits;
}

void print_row(const std::string& name, double rate, double ceiling, const std::string& note = "") {
  std::printf("%-52s %12s rows/s  %5.1f%% of (a)%s\n", name.c_str(), thousands(rate).c_str(), 100.0 * rate / ceiling,
              note.c_str());
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const Options options = parse_options(argc, argv);
    std::filesystem::create_directories(options.dir);
    std::printf("parcours_store_bench: %s event rows per case, files in %s\n", thousands(options.rows).c_str(),
                options.dir.c_str());
    std::printf("machine: %u cores (nproc), %s; SQLite %s; build %s\n", std::thread::hardware_concurrency(),
                cpu_model().c_str(), sqlite3_libversion(), PARCOURS_BUILD_TYPE);
    std::fflush(stdout);

    const double raw = raw_rows_per_second(options.dir / "raw.db", options.rows, false);
    print_row("(a)  raw SQLite, 1000-row transactions", raw, raw);
    std::fflush(stdout);
    const double raw_indexed = raw_rows_per_second(options.dir / "raw-indexed.db", options.rows, true);
    print_row("(a') raw SQLite with the store's event indexes", raw_indexed, raw);
    std::fflush(stdout);
    const double batched = store_batched_rows_per_second(options.dir / "store-batched.db", options.rows);
    print_row("(b)  Store::transact, 1000 events per call", batched, raw);
    std::fflush(stdout);

    SqliteStore::GroupCommitStats stats;
    const double grouped = store_single_rows_per_second(options.dir / "store-2-threads.db", options.rows, 2, stats);
    char note[96];
    std::snprintf(note, sizeof note, "  (%s commits, %.2f events per commit)", thousands(stats.commits).c_str(),
                  static_cast<double>(stats.works) / static_cast<double>(std::max<std::uint64_t>(stats.commits, 1)));
    print_row("(c)  Store::transact, 2 threads, 1 event per call", grouped, raw, note);
    std::fflush(stdout);
    const double single = store_single_rows_per_second(options.dir / "store-1-thread.db", options.rows, 1, stats);
    std::snprintf(note, sizeof note, "  (%s commits)", thousands(stats.commits).c_str());
    print_row("(d)  Store::transact, 1 thread, 1 event per call", single, raw, note);

    std::filesystem::remove_all(options.dir);
    return 0;
  } catch (const std::exception& error) {
    std::fprintf(stderr, "parcours_store_bench: %s\n", error.what());
    return 1;
  }
}
