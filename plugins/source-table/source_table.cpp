#include "source_table.hpp"

#include <parcours/thread_name.hpp>

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <ctime>
#include <exception>
#include <limits>
#include <stdexcept>

namespace parcours::source_table {

using nlohmann::json;

const json* Table::find(const std::string& key) const {
  const auto it = index_.find(key);
  return it == index_.end() ? nullptr : &rows_[it->second].data;
}

json Table::scan() const {
  json out = json::array();
  for (const auto& row : rows_) out.push_back({{"contact", row.key}, {"data", row.data}});
  return out;
}

void TableBuilder::add(std::optional<std::string> key, json row) {
  if (!key || key->empty()) {
    ++report_.rows_without_key;
    return;
  }
  if (table_->index_.count(*key) != 0) {  // the first row of a key wins
    if (report_.duplicate_keys++ == 0) report_.first_duplicate = *key;
    return;
  }
  table_->index_.emplace(*key, table_->rows_.size());
  table_->rows_.push_back({std::move(*key), std::move(row)});
}

void TableBuilder::reject(std::string problem) {
  ++report_.bad_rows;
  if (report_.problems.size() < kProblemsKept) report_.problems.push_back(std::move(problem));
}

std::pair<std::shared_ptr<const Table>, LoadReport> TableBuilder::finish() {
  std::pair<std::shared_ptr<const Table>, LoadReport> out{std::move(table_), std::move(report_)};
  table_ = std::make_shared<Table>();
  report_ = LoadReport{};
  return out;
}

std::optional<std::string> key_text(const json& value) {
  if (value.is_string()) {
    auto text = value.get<std::string>();
    if (text.empty()) return std::nullopt;
    return text;
  }
  if (value.is_number_integer() || value.is_number_unsigned()) return value.dump();
  return std::nullopt;
}

std::optional<json> canonical_number(const std::string& text) {
  // JSON's number grammar: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
  std::size_t i = 0;
  const std::size_t n = text.size();
  const auto digit = [&](std::size_t at) { return at < n && text[at] >= '0' && text[at] <= '9'; };
  if (i < n && text[i] == '-') ++i;
  if (!digit(i)) return std::nullopt;
  if (text[i] == '0') {
    ++i;
    if (digit(i)) return std::nullopt;  // "01234": a code, not a number
  } else {
    while (digit(i)) ++i;
  }
  bool whole = true;
  if (i < n && text[i] == '.') {
    whole = false;
    ++i;
    if (!digit(i)) return std::nullopt;
    while (digit(i)) ++i;
  }
  if (i < n && (text[i] == 'e' || text[i] == 'E')) {
    whole = false;
    ++i;
    if (i < n && (text[i] == '+' || text[i] == '-')) ++i;
    if (!digit(i)) return std::nullopt;
    while (digit(i)) ++i;
  }
  if (i != n) return std::nullopt;

  errno = 0;
  char* end = nullptr;
  if (whole) {
    const long long value = std::strtoll(text.c_str(), &end, 10);
    if (errno == ERANGE) return std::nullopt;  // beyond 64 bits: keep every digit as text
    return json(static_cast<std::int64_t>(value));
  }
  const double value = std::strtod(text.c_str(), &end);
  if (errno == ERANGE || !std::isfinite(value)) return std::nullopt;
  return json(value);
}

json typed_cell(const std::string& text) {
  if (text.empty()) return nullptr;
  if (text == "true") return true;
  if (text == "false") return false;
  if (auto number = canonical_number(text)) return std::move(*number);
  return text;
}

std::string excerpt(const std::string& text, std::size_t limit) {
  if (text.size() <= limit) return text;
  std::size_t cut = limit;
  // Do not cut a UTF-8 sequence in two.
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  return text.substr(0, cut) + "...";
}

RefreshingTable::RefreshingTable(parcours::Host host, std::string what, std::chrono::milliseconds refresh,
                                 Loader loader)
    : host_(host), what_(std::move(what)), refresh_(refresh), loader_(std::move(loader)) {
  const json context = host_.context();
  const auto instance = context.find("instance");
  labels_ = json::object();
  if (instance != context.end() && instance->is_string() && !instance->get<std::string>().empty())
    labels_["source"] = *instance;
}

RefreshingTable::~RefreshingTable() {
  if (thread_.joinable()) {
    thread_.request_stop();  // wakes the wait below through its stop token
    thread_.join();
  }
}

void RefreshingTable::start() {
  thread_ = std::jthread([this](std::stop_token stop) {
    parcours::name_this_thread("source-table");
    run(std::move(stop));
  });
}

std::shared_ptr<const Table> RefreshingTable::snapshot() const {
  std::unique_lock lock(mutex_);
  if (!tried_) {
    if (!asked_) {
      asked_ = true;
      changed_.notify_all();  // starts the first load now (kFirstLoadDelay)
    }
    changed_.wait_for(lock, kFirstLoadWait, [this] { return tried_; });
  }
  return table_;
}

std::shared_ptr<const Table> RefreshingTable::snapshot_for_scan() const {
  auto table = snapshot();
  if (table) return table;
  const std::lock_guard lock(mutex_);
  if (!tried_) throw std::runtime_error("the first load of " + what_ + " has not finished yet; try again shortly");
  throw std::runtime_error("no data from " + what_ + " yet: " + last_failure_);
}

std::optional<nlohmann::json> RefreshingTable::lookup(const std::string& key) const {
  const auto table = snapshot();
  if (!table) return std::nullopt;
  const auto* row = table->find(key);
  if (row == nullptr) return std::nullopt;
  return *row;
}

void RefreshingTable::run(std::stop_token stop) {
  {
    std::unique_lock lock(mutex_);
    changed_.wait_for(lock, stop, kFirstLoadDelay, [this] { return asked_; });
  }
  while (!stop.stop_requested()) {
    attempt(stop);
    std::unique_lock lock(mutex_);
    // Returns early, and at once, when the destructor requests the stop.
    changed_.wait_for(lock, stop, refresh_, [] { return false; });
  }
}

void RefreshingTable::attempt(std::stop_token stop) {
  std::optional<std::pair<std::shared_ptr<const Table>, LoadReport>> loaded;
  std::string failure;
  try {
    loaded = loader_(stop);
  } catch (const std::exception& error) {
    failure = error.what()[0] ? error.what() : "an error without a message";
  } catch (...) {
    failure = "an exception that is not a std::exception";
  }
  if (stop.stop_requested()) return;  // shutting down: a load cut short is no failure

  if (!failure.empty()) {
    ++failures_total_;
    ++failures_in_a_row_;
    const std::shared_ptr<const Table> current = snapshot_unasked();
    const std::string in_a_row =
        failures_in_a_row_ > 1 ? " (" + std::to_string(failures_in_a_row_) + " failures in a row)" : "";
    // Logged and counted before the failure is published, so that whoever waits for
    // it (scan(), a test) sees its log line and metrics too.
    if (current) {
      const std::time_t when = std::chrono::system_clock::to_time_t(last_success_);
      char stamp[32] = "";
      std::tm utc{};
      gmtime_r(&when, &utc);
      std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &utc);
      host_.warn("refresh of " + what_ + " failed: " + failure + "; still serving the " +
                 std::to_string(current->size()) + " rows last loaded successfully at " + stamp + in_a_row);
    } else {
      host_.error("cannot load " + what_ + ": " + failure + "; no data is served until a refresh succeeds" + in_a_row);
    }
    host_.metric("source_refresh_failures_total", static_cast<double>(failures_total_), labels_);
    {
      const std::lock_guard lock(mutex_);
      last_failure_ = failure;
      tried_ = true;
    }
    changed_.notify_all();
    return;
  }

  ++refreshes_total_;
  // Wall clock, not host().now(): the timestamp is compared with real time by whoever
  // watches the metrics, even when the host runs a manual clock.
  last_success_ = std::chrono::system_clock::now();
  if (failures_in_a_row_ > 0)
    host_.info("loaded " + what_ + " again after " + std::to_string(failures_in_a_row_) + " failed attempts");
  failures_in_a_row_ = 0;

  if (!loaded) {  // unchanged since the last load
    const auto current = snapshot_unasked();
    report_metrics(current ? current->size() : 0, nullptr);
    {
      const std::lock_guard lock(mutex_);
      tried_ = true;
    }
    changed_.notify_all();
    return;
  }

  auto& [table, report] = *loaded;
  if (report.duplicate_keys > 0)
    host_.warn(what_ + ": " + std::to_string(report.duplicate_keys) + " rows repeat a key already seen (first: '" +
               report.first_duplicate + "'); the first row of each key is kept");
  if (report.rows_without_key > 0)
    host_.warn(what_ + ": " + std::to_string(report.rows_without_key) +
               " rows have no key (empty, or not text or a whole number) and were skipped");
  if (report.bad_rows > 0) {
    std::string detail;
    for (const auto& problem : report.problems) detail += (detail.empty() ? "" : "; ") + problem;
    if (report.bad_rows > report.problems.size())
      detail += "; and " + std::to_string(report.bad_rows - report.problems.size()) + " more";
    host_.warn(what_ + ": " + std::to_string(report.bad_rows) + " rows could not be read and were skipped: " + detail);
  }
  host_.debug("loaded " + std::to_string(table->size()) + " rows from " + what_);
  report_metrics(table->size(), &report);
  {
    const std::lock_guard lock(mutex_);
    table_ = std::move(table);
    tried_ = true;
    last_failure_.clear();
  }
  changed_.notify_all();
}

std::shared_ptr<const Table> RefreshingTable::snapshot_unasked() const {
  const std::lock_guard lock(mutex_);
  return table_;
}

void RefreshingTable::report_metrics(std::size_t rows, const LoadReport* report) const {
  host_.metric("source_rows", static_cast<double>(rows), labels_);
  host_.metric("source_refreshes_total", static_cast<double>(refreshes_total_), labels_);
  host_.metric("source_refresh_failures_total", static_cast<double>(failures_total_), labels_);
  host_.metric("source_last_success_timestamp_seconds",
               std::chrono::duration<double>(last_success_.time_since_epoch()).count(), labels_);
  if (report != nullptr) {
    host_.metric("source_rows_skipped", static_cast<double>(report->rows_without_key + report->bad_rows), labels_);
    host_.metric("source_duplicate_keys", static_cast<double>(report->duplicate_keys), labels_);
  }
}

}  // namespace parcours::source_table
