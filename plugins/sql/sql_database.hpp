// The databases the `sql` source reads: SQLite (libsqlite3) and PostgreSQL
// (libpqxx 6.4), behind one small interface. Each load connects, runs the query
// read-only, maps every column to JSON and disconnects: a database restarted or a
// file replaced between two refreshes needs nothing special.
//
// Column types → JSON: integers → numbers, reals → numbers (NaN and infinities stay
// text), booleans → true/false (SQLite: a column declared BOOLEAN or BOOL holding 0
// or 1), NULL → null, PostgreSQL json/jsonb → the JSON itself, numeric → a number
// when it fits without losing digits, everything else → its text.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <stop_token>
#include <string>
#include <utility>
#include <vector>

#include "source_table.hpp"

namespace parcours::sql {

class Database {
 public:
  virtual ~Database() = default;
  // How log lines name the database: never the password.
  virtual std::string describe() const = 0;
  // Runs `query` and keys its rows by the column `key`. Throws std::runtime_error
  // saying what failed; gives up when `stop` is requested.
  virtual std::optional<std::pair<std::shared_ptr<const source_table::Table>, source_table::LoadReport>> load(
      const std::string& query, const std::string& key, std::stop_token stop) = 0;
};

// The database of a url setting. Throws parcours::SettingError, naming the setting
// 'url' but never quoting it, when the url is wrong in itself (an unknown scheme, no
// file). Opens nothing.
std::unique_ptr<Database> open_database(const std::string& url, std::chrono::milliseconds timeout);

// "postgresql://user@host:5432/db" from "postgresql://user:secret@host:5432/db?sslmode=require".
std::string redacted_postgresql_url(const std::string& url);

}  // namespace parcours::sql

namespace parcours::sql::detail {

// The index of the column `key` among a result's column names, after checking that no
// name repeats (a row is an object: two columns of one name would lose one). Throws
// std::runtime_error saying how to fix the query.
std::size_t key_column(const std::vector<std::string>& names, const std::string& key);

std::unique_ptr<Database> open_sqlite(const std::string& path, std::chrono::milliseconds timeout);
std::unique_ptr<Database> open_postgresql(const std::string& url, std::chrono::milliseconds timeout);

}  // namespace parcours::sql::detail
