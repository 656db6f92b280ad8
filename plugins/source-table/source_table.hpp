// The keyed table behind the data-source plugins (csv, sql, http-json), written once.
//
// A source plugin reads its data — a file, a query, an HTTP answer — into rows (JSON
// objects), each with a key: the contact id it belongs to. TableBuilder collects
// them under the rules every source shares (the first row of a key wins, rows without
// a key are skipped and counted, bad rows are reported with where they came from),
// and produces an immutable Table. RefreshingTable owns the current Table and one
// background thread per instance that reloads it every `refresh` period.
//
// What it must never do: I/O on the caller's thread. lookup() is called on the
// engine's hot thread, so readers only copy a shared_ptr to the current snapshot
// under a short lock (the very first one waits, once, for the first load to be
// tried: see kFirstLoadWait); every load happens on the refresher thread. A failed
// load never replaces the last good table: it is logged with its reason and counted.
//
// Callers: plugins/csv, plugins/sql, plugins/http-json. It is a static library
// linked into each plugin, so nothing here crosses the plugin ABI.
#pragma once

#include <parcours/sdk.hpp>

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <stop_token>
#include <string>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

namespace parcours::source_table {

// One load of a source: rows in the order the source gave them, indexed by key.
// Immutable once built, so any number of threads may read it without a lock.
class Table {
 public:
  struct Row {
    std::string key;
    nlohmann::json data;  // a JSON object
  };

  // The row whose key is `key`, or null.
  const nlohmann::json* find(const std::string& key) const;
  std::size_t size() const noexcept { return rows_.size(); }
  const std::vector<Row>& rows() const noexcept { return rows_; }
  // Every row in the fixed form of Source::scan(): [{"contact": key, "data": row}, ...].
  nlohmann::json scan() const;

 private:
  friend class TableBuilder;
  std::vector<Row> rows_;
  std::unordered_map<std::string, std::size_t> index_;
};

// What one load produced beyond the rows: the counts the refresher logs and reports.
struct LoadReport {
  std::size_t duplicate_keys = 0;     // rows dropped because an earlier row had their key
  std::string first_duplicate;        // the first such key, to name in the log
  std::size_t rows_without_key = 0;   // rows with no key, an empty one, or one not text/whole number
  std::size_t bad_rows = 0;           // rows the source could not read (e.g. wrong cell count)
  std::vector<std::string> problems;  // the first few bad rows, each "line 12: why"
};

// Collects the rows of one load.
class TableBuilder {
 public:
  // How many bad rows are described one by one; the rest are only counted.
  static constexpr std::size_t kProblemsKept = 5;

  // Adds a row (a JSON object) under `key`; an absent or empty key skips it.
  void add(std::optional<std::string> key, nlohmann::json row);
  // Skips a row the source could not read, saying where and why ("line 12: ...").
  void reject(std::string problem);

  // The table and its report; the builder is left empty.
  std::pair<std::shared_ptr<const Table>, LoadReport> finish();

 private:
  std::shared_ptr<Table> table_ = std::make_shared<Table>();
  LoadReport report_;
};

// The text of a JSON value used as a key: a non-empty string as is, a whole number in
// decimal; anything else (null, a fraction, a boolean, an object) is no key.
std::optional<std::string> key_text(const nlohmann::json& value);

// A cell of text typed as JSON the way the csv source documents it: "" → null,
// "true"/"false" → booleans, a number written canonically (as JSON writes numbers:
// no leading zero as in "01234", no leading "+", no leading or trailing space) → a
// number (a whole number beyond 64 bits stays text, so that no digit is lost), and
// everything else → the string itself. Zip codes and phone numbers stay strings.
nlohmann::json typed_cell(const std::string& text);

// Writes a JSON text number as JSON when it is canonical (see typed_cell); nothing
// otherwise. Used for database decimals too.
std::optional<nlohmann::json> canonical_number(const std::string& text);

// The first `limit` bytes of `text`, for log lines quoting what a server answered.
std::string excerpt(const std::string& text, std::size_t limit = 200);

// One attempt at reading a source. Returns the new table's builder result, or nothing
// when the data did not change since the last successful load (a file with the same
// size and time, an HTTP 304): the current table stays and the check counts as a
// success. Throws std::exception with a reason the user can act on when the data
// cannot be read. `stop` is requested when the instance is being destroyed: a load
// that can block (a request, a query) gives up promptly when it sees it.
using Loader = std::function<std::optional<std::pair<std::shared_ptr<const Table>, LoadReport>>(std::stop_token stop)>;

// The current table of one source instance and its refresher thread.
//
// Metrics (host().metric, labelled {"source": <instance name>} when the host says it):
//   source_rows                            rows in the table in use
//   source_refreshes_total                 successful loads or checks
//   source_refresh_failures_total          failed loads
//   source_last_success_timestamp_seconds  wall-clock time of the last success
//   source_rows_skipped                    rows of the last load without a key or unreadable
//   source_duplicate_keys                  rows of the last load dropped for a repeated key
class RefreshingTable {
 public:
  // `what` names the data in log lines ("/data/bookings.csv", "https://crm.test/api").
  RefreshingTable(parcours::Host host, std::string what, std::chrono::milliseconds refresh, Loader loader);
  // Stops the refresher: wakes it at once and returns when it has finished (a load in
  // flight is told to give up through its stop token).
  ~RefreshingTable();
  RefreshingTable(const RefreshingTable&) = delete;
  RefreshingTable& operator=(const RefreshingTable&) = delete;

  // How long the refresher waits before its first load when nobody asks for the data.
  //
  // `parcours validate`, and the host's own check of a config before `run`, create
  // every instance and destroy it at once: a source that loaded right away would read
  // files, query databases and call APIs just to check a config, and log their
  // failures on the way. So the first load starts at the first lookup() or scan(), or
  // after this delay, whichever comes first; an instance destroyed sooner never loads.
  static constexpr std::chrono::milliseconds kFirstLoadDelay{1000};

  // Starts the refresher (see kFirstLoadDelay). Call it last in the plugin's
  // constructor, once everything the loader uses is in place.
  void start();

  // How long lookup() and scan() wait for the first load to be tried, once: the
  // engine must not see an empty source just because the host started a moment ago
  // (`parcours simulate` runs a whole scenario in that moment). After the first try,
  // success or failure, nothing ever waits again.
  static constexpr std::chrono::milliseconds kFirstLoadWait{10000};

  // The table in use, or null when no load has succeeded. The first call starts the
  // first load if it has not started and waits for it (at most kFirstLoadWait); every
  // later call only copies a pointer under a short lock — never any I/O.
  std::shared_ptr<const Table> snapshot() const;

  // The same for scan(): the table in use, or std::runtime_error saying why there is
  // none (the last failure's reason).
  std::shared_ptr<const Table> snapshot_for_scan() const;

  // Source::lookup() for every keyed source: the row of `key` in the table in use.
  std::optional<nlohmann::json> lookup(const std::string& key) const;

 private:
  void run(std::stop_token stop);
  void attempt(std::stop_token stop);
  void report_metrics(std::size_t rows, const LoadReport* report) const;
  std::shared_ptr<const Table> snapshot_unasked() const;  // the refresher's own read: starts nothing

  parcours::Host host_;
  std::string what_;
  std::chrono::milliseconds refresh_;
  Loader loader_;
  nlohmann::json labels_;

  mutable std::mutex mutex_;
  mutable std::condition_variable_any changed_;  // the refresher's wake-up; the first lookup()/scan()'s wait
  std::shared_ptr<const Table> table_;           // guarded by mutex_
  bool tried_ = false;                           // guarded by mutex_: the first load has been tried
  mutable bool asked_ = false;                   // guarded by mutex_: lookup() or scan() wanted the data
  std::string last_failure_;                     // guarded by mutex_

  // Only the refresher thread touches these.
  std::size_t failures_total_ = 0;
  std::size_t failures_in_a_row_ = 0;
  std::size_t refreshes_total_ = 0;
  std::chrono::system_clock::time_point last_success_{};

  std::jthread thread_;  // last: stopped and joined before anything above is destroyed
};

}  // namespace parcours::source_table
