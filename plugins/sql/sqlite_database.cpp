// SQLite, for the `sql` source: the file opened read-only for each run of the query,
// with a busy timeout (a writer holding a lock is waited for, up to `timeout`), and a
// progress handler that abandons the query when the host stops the source or the
// timeout passes.
#include <sqlite3.h>

#include <cctype>
#include <memory>
#include <stdexcept>
#include <string>

#include "sql_database.hpp"

namespace parcours::sql::detail {
namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

struct CloseDatabase {
  void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
struct FinalizeStatement {
  void operator()(sqlite3_stmt* statement) const { sqlite3_finalize(statement); }
};

// What the progress handler checks, every few thousand virtual-machine steps.
struct Watch {
  std::stop_token stop;
  Clock::time_point deadline;
  bool timed_out = false;
};

int progress(void* data) {
  auto* watch = static_cast<Watch*>(data);
  if (watch->stop.stop_requested()) return 1;
  if (Clock::now() > watch->deadline) {
    watch->timed_out = true;
    return 1;
  }
  return 0;
}

bool declared_boolean(const char* declared) {
  if (declared == nullptr) return false;
  std::string type(declared);
  for (char& c : type) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return type == "BOOLEAN" || type == "BOOL";
}

json cell(sqlite3_stmt* statement, int column, bool boolean) {
  switch (sqlite3_column_type(statement, column)) {
    case SQLITE_NULL: return nullptr;
    case SQLITE_INTEGER: {
      const auto value = static_cast<std::int64_t>(sqlite3_column_int64(statement, column));
      if (boolean && (value == 0 || value == 1)) return value == 1;
      return value;
    }
    case SQLITE_FLOAT: return sqlite3_column_double(statement, column);
    default: {  // TEXT and BLOB: the bytes as a string
      const auto* bytes = static_cast<const char*>(sqlite3_column_blob(statement, column));
      const int size = sqlite3_column_bytes(statement, column);
      return bytes == nullptr ? std::string() : std::string(bytes, static_cast<std::size_t>(size));
    }
  }
}

class SqliteDatabase final : public Database {
 public:
  SqliteDatabase(std::string path, std::chrono::milliseconds timeout) : path_(std::move(path)), timeout_(timeout) {}

  std::string describe() const override { return "the SQLite database " + path_; }

  std::optional<std::pair<std::shared_ptr<const source_table::Table>, source_table::LoadReport>> load(
      const std::string& query, const std::string& key, std::stop_token stop) override {
    sqlite3* raw = nullptr;
    const int opened = sqlite3_open_v2(path_.c_str(), &raw, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, nullptr);
    std::unique_ptr<sqlite3, CloseDatabase> db(raw);
    if (opened != SQLITE_OK)
      throw std::runtime_error("cannot open " + path_ +
                               " read-only: " + (db ? sqlite3_errmsg(db.get()) : sqlite3_errstr(opened)));
    sqlite3_busy_timeout(db.get(), static_cast<int>(timeout_.count()));
    Watch watch{stop, Clock::now() + timeout_};
    sqlite3_progress_handler(db.get(), 1000, &progress, &watch);

    sqlite3_stmt* raw_statement = nullptr;
    const char* tail = nullptr;
    if (sqlite3_prepare_v2(db.get(), query.c_str(), static_cast<int>(query.size()), &raw_statement, &tail) != SQLITE_OK)
      throw std::runtime_error("the query does not run on " + path_ + ": " + sqlite3_errmsg(db.get()));
    std::unique_ptr<sqlite3_stmt, FinalizeStatement> statement(raw_statement);
    if (!statement) throw std::runtime_error("the 'query' setting holds no SQL statement");
    for (; tail != nullptr && *tail != '\0'; ++tail)
      if (!std::isspace(static_cast<unsigned char>(*tail)) && *tail != ';')
        throw std::runtime_error("the 'query' setting holds more than one statement: give one SELECT");
    if (!sqlite3_stmt_readonly(statement.get()))
      throw std::runtime_error("the 'query' setting would change the database: the sql source only reads (SELECT)");

    const int count = sqlite3_column_count(statement.get());
    std::vector<std::string> names;
    std::vector<bool> booleans;
    for (int c = 0; c < count; ++c) {
      names.emplace_back(sqlite3_column_name(statement.get(), c));
      booleans.push_back(declared_boolean(sqlite3_column_decltype(statement.get(), c)));
    }
    const std::size_t key_index = key_column(names, key);

    source_table::TableBuilder builder;
    int step = SQLITE_ROW;
    while ((step = sqlite3_step(statement.get())) == SQLITE_ROW) {
      json row = json::object();
      for (int c = 0; c < count; ++c) row[names[c]] = cell(statement.get(), c, booleans[c]);
      auto row_key = source_table::key_text(row[names[key_index]]);
      builder.add(std::move(row_key), std::move(row));
    }
    if (step != SQLITE_DONE) {
      if (watch.timed_out)
        throw std::runtime_error("the query on " + path_ + " took longer than the timeout of " +
                                 std::to_string(timeout_.count()) + " ms");
      throw std::runtime_error("the query failed on " + path_ + ": " + sqlite3_errmsg(db.get()));
    }
    return builder.finish();
  }

 private:
  const std::string path_;
  const std::chrono::milliseconds timeout_;
};

}  // namespace

std::unique_ptr<Database> open_sqlite(const std::string& path, std::chrono::milliseconds timeout) {
  return std::make_unique<SqliteDatabase>(path, timeout);
}

}  // namespace parcours::sql::detail
