// The thin RAII layer over the SQLite C API that the SQLite store is written with:
// a Connection owns one sqlite3 handle and knows the file it names (every error says
// which file and quotes SQLite), a Statement is one statement prepared once and run
// many times (the engine calls the store at more than 100,000 rows a second: nothing
// is re-prepared and no SQL is built per call).
//
// Neither class locks: SqliteStore lets one thread at a time use a connection.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

struct sqlite3;
struct sqlite3_stmt;

namespace parcours::store {

class Connection {
 public:
  // Opens (creating) the database file at `path`, or a private in-memory database
  // when `path` is ":memory:". Throws StoreError naming the file.
  explicit Connection(const std::string& path);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  sqlite3* handle() const { return db_; }
  const std::string& path() const { return path_; }

  // Runs one or more statements that return no rows (schema, pragmas, BEGIN ...).
  void execute(std::string_view sql);
  // Runs a statement that returns one row of one column, as text (PRAGMA answers).
  std::string query_text(std::string_view sql);
  // True when no transaction is open: SQLite rolls a transaction back by itself on
  // some errors (SQLITE_FULL, SQLITE_IOERR, SQLITE_NOMEM ...), and the caller must know.
  bool in_autocommit() const;
  // The rowid the last INSERT on this connection assigned.
  std::int64_t last_insert_rowid() const;

  // "store /path/to/file.db: <what>: <SQLite's message>", for a StoreError.
  [[noreturn]] void fail(std::string_view what) const;
  [[noreturn]] void fail(std::string_view what, int result_code) const;

 private:
  sqlite3* db_ = nullptr;
  std::string path_;
};

class Statement {
 public:
  Statement(Connection& connection, std::string_view sql);
  ~Statement();
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  // Parameters are numbered from 1. Text is bound without a copy: it must stay alive
  // until the statement is reset (Run below resets it at the end of its scope).
  void bind(int index, std::int64_t value);
  void bind(int index, std::string_view value);
  void bind_null(int index);

  // Steps once: true when a row is available, false when done. Throws StoreError.
  bool step();
  // Steps to the end of a statement that returns no row.
  void run_to_end();
  // The number of rows the last INSERT, UPDATE or DELETE changed.
  int changes() const;

  // Columns are numbered from 0.
  std::int64_t integer(int column) const;
  std::string text(int column) const;
  bool is_null(int column) const;

  // Resets the statement and clears its bindings, so the next use starts clean and
  // no read stays open.
  void reset();

  const std::string& sql() const { return sql_; }

  // One use of a statement: reset when it leaves scope, thrown exception or not.
  class Use {
   public:
    explicit Use(Statement& statement) : statement_(statement) {}
    ~Use() { statement_.reset(); }
    Use(const Use&) = delete;
    Use& operator=(const Use&) = delete;
    Statement* operator->() const { return &statement_; }
    Statement& operator*() const { return statement_; }

   private:
    Statement& statement_;
  };
  Use use() { return Use(*this); }

 private:
  Connection& connection_;
  sqlite3_stmt* statement_ = nullptr;
  std::string sql_;
};

}  // namespace parcours::store
