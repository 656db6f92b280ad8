#include "store/sqlite_connection.hpp"

#include <sqlite3.h>

#include <mutex>

#include "store/store.hpp"

namespace parcours::store {

namespace {

// SQLite's own settings for the process, before its first use. MEMSTATUS: SQLite counts
// every allocation under a global mutex for sqlite3_status(), which Parcours never asks
// for; off, its mallocs and frees (about 80 a journey in the welcome-journey bench) go
// straight to the allocator. When something initialised SQLite first, sqlite3_config()
// refuses (SQLITE_MISUSE) and the default stays: slower, not wrong.
void configure_sqlite_once() {
  static std::once_flag once;
  std::call_once(once, [] { sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0); });
}

}  // namespace

Connection::Connection(const std::string& path) : path_(path) {
  configure_sqlite_once();
  // NOMUTEX: SqliteStore already lets one thread at a time use the connection, so
  // SQLite's own per-call mutex would only cost time.
  const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
  const int result = sqlite3_open_v2(path.c_str(), &db_, flags, nullptr);
  if (result != SQLITE_OK) {
    const std::string message = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(result);
    sqlite3_close(db_);
    db_ = nullptr;
    throw StoreError("store " + path_ + ": cannot open the database: " + message);
  }
  sqlite3_extended_result_codes(db_, 1);
}

Connection::~Connection() {
  // Every Statement is finalized before its connection goes (members are destroyed in
  // reverse order), so close cannot fail with SQLITE_BUSY here.
  sqlite3_close(db_);
}

void Connection::execute(std::string_view sql) {
  const std::string text(sql);
  char* error = nullptr;
  if (sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &error) != SQLITE_OK) {
    const std::string message = error ? error : sqlite3_errmsg(db_);
    sqlite3_free(error);
    throw StoreError("store " + path_ + ": " + text + ": " + message);
  }
}

std::string Connection::query_text(std::string_view sql) {
  Statement statement(*this, sql);
  if (!statement.step()) return {};
  return statement.text(0);
}

bool Connection::in_autocommit() const {
  return sqlite3_get_autocommit(db_) != 0;
}

std::int64_t Connection::last_insert_rowid() const {
  return sqlite3_last_insert_rowid(db_);
}

void Connection::fail(std::string_view what) const {
  throw StoreError("store " + path_ + ": " + std::string(what) + ": " + sqlite3_errmsg(db_));
}

void Connection::fail(std::string_view what, int result_code) const {
  // sqlite3_errmsg describes the latest call on the connection, which is the failing
  // one; the result code is the fallback when there is no message.
  const char* message = sqlite3_errmsg(db_);
  if (message == nullptr || *message == '\0') message = sqlite3_errstr(result_code);
  throw StoreError("store " + path_ + ": " + std::string(what) + ": " + message);
}

Statement::Statement(Connection& connection, std::string_view sql) : connection_(connection), sql_(sql) {
  // PERSISTENT: these statements live as long as the connection; SQLite keeps them
  // out of its lookaside memory, which is meant for short-lived ones.
  const int result = sqlite3_prepare_v3(connection_.handle(), sql_.data(), static_cast<int>(sql_.size()),
                                        SQLITE_PREPARE_PERSISTENT, &statement_, nullptr);
  if (result != SQLITE_OK) connection_.fail("cannot prepare `" + sql_ + "`", result);
}

Statement::~Statement() {
  sqlite3_finalize(statement_);
}

void Statement::bind(int index, std::int64_t value) {
  const int result = sqlite3_bind_int64(statement_, index, value);
  if (result != SQLITE_OK) connection_.fail("cannot bind parameter " + std::to_string(index) + " of `" + sql_ + "`");
}

void Statement::bind(int index, std::string_view value) {
  // SQLITE_STATIC: no copy; the value outlives the use (see the header).
  const int result = sqlite3_bind_text64(statement_, index, value.data(), value.size(), SQLITE_STATIC, SQLITE_UTF8);
  if (result != SQLITE_OK) connection_.fail("cannot bind parameter " + std::to_string(index) + " of `" + sql_ + "`");
}

void Statement::bind_null(int index) {
  const int result = sqlite3_bind_null(statement_, index);
  if (result != SQLITE_OK) connection_.fail("cannot bind parameter " + std::to_string(index) + " of `" + sql_ + "`");
}

bool Statement::step() {
  const int result = sqlite3_step(statement_);
  if (result == SQLITE_ROW) return true;
  if (result == SQLITE_DONE) return false;
  connection_.fail("`" + sql_ + "` failed", result);
}

void Statement::run_to_end() {
  while (step()) {
  }
}

int Statement::changes() const {
  return sqlite3_changes(connection_.handle());
}

std::int64_t Statement::integer(int column) const {
  return sqlite3_column_int64(statement_, column);
}

std::string Statement::text(int column) const {
  const auto* data = reinterpret_cast<const char*>(sqlite3_column_text(statement_, column));
  if (data == nullptr) return {};
  return std::string(data, static_cast<std::size_t>(sqlite3_column_bytes(statement_, column)));
}

bool Statement::is_null(int column) const {
  return sqlite3_column_type(statement_, column) == SQLITE_NULL;
}

void Statement::reset() {
  // sqlite3_reset repeats the error of the last step, which was already reported.
  sqlite3_reset(statement_);
  sqlite3_clear_bindings(statement_);
}

}  // namespace parcours::store
