// The `sql` source: the rows of one query, on SQLite or PostgreSQL, keyed by the
// column that holds the contact id. The query runs again every `refresh` period on
// the instance's refresher thread (plugins/source-table): read-only (SQLite opened
// with SQLITE_OPEN_READONLY, PostgreSQL in a READ ONLY transaction), bounded by
// `timeout`, and abandoned at once when the host stops the source. A failed run is
// logged and counted; the rows of the last good run stay in use.
//
// The url is a secret (it holds the database password): it is never logged. Log
// lines name a SQLite file by its path and a PostgreSQL server as
// postgresql://user@host/db, without password or parameters.
#include <parcours/sdk.hpp>

#include <chrono>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>
#include <system_error>

#include "source_table.hpp"
#include "sql_database.hpp"

#ifndef PARCOURS_SQL_PLUGIN_VERSION
#error "the build defines PARCOURS_SQL_PLUGIN_VERSION (the Parcours version)"
#endif

namespace {

using parcours::SettingError;

std::string required_text(const parcours::Settings& settings, const char* name, const char* what) {
  std::string text = settings.string(name);
  if (text.find_first_not_of(" \t\r\n") == std::string::npos)
    throw SettingError(std::string("setting '") + name + "' is empty: " + what);
  return text;
}

class SqlSource final : public parcours::Source {
 public:
  SqlSource(const parcours::Settings& settings, parcours::Host host)
      : database_(parcours::sql::open_database(settings.secret("url"), settings.duration("timeout"))),
        query_(required_text(settings, "query", "give the SELECT whose rows the source serves")),
        key_(required_text(settings, "key", "name the query's column that holds the contact id")),
        table_(host, database_->describe(), settings.duration("refresh"),
               [this](std::stop_token stop) { return database_->load(query_, key_, stop); }) {
    table_.start();
  }

  std::optional<nlohmann::json> lookup(const parcours::Contact& contact) override { return table_.lookup(contact.id); }

  nlohmann::json scan() override { return table_.snapshot_for_scan()->scan(); }

 private:
  const std::unique_ptr<parcours::sql::Database> database_;
  const std::string query_;
  const std::string key_;
  parcours::source_table::RefreshingTable table_;  // last: its thread stops before the members above go
};

}  // namespace

// clang-format off
PARCOURS_PLUGIN(SqlSource,
  .id = "sql",
  .version = PARCOURS_SQL_PLUGIN_VERSION,
  .kind = parcours::Kind::source,
  .description = "Rows of a query on SQLite or PostgreSQL, keyed by a column holding the contact id",
  .settings = {
    {"url", parcours::Type::secret, parcours::required,
     "sqlite:///abs/path.db, sqlite://relative.db (from the directory the host runs in) or "
     "postgresql://user:password@host/db"},
    {"query", parcours::Type::string, parcours::required, "the SELECT whose rows the source serves"},
    {"key", parcours::Type::string, parcours::required, "the query's column that holds the contact id"},
    {"refresh", parcours::Type::duration, parcours::defaults_to("5m"), "how often the query runs again"},
    {"timeout", parcours::Type::duration, parcours::defaults_to("30s"),
     "the longest a connection plus the query may take (and how long SQLite waits for a lock)"},
  })
// clang-format on
