#include <sqlite3.h>

#include <catch2/catch.hpp>

#include "store/sqlite_migrations.hpp"
#include "store_fixture.hpp"

using namespace parcours::store;
using namespace parcours::store::testing;

namespace {

// Reads or changes the database file behind the store's back, as an operator's
// sqlite3 shell (or a newer parcours) would.
std::string query_text(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
  sqlite3_stmt* statement = nullptr;
  REQUIRE(sqlite3_prepare_v2(db, sql.c_str(), -1, &statement, nullptr) == SQLITE_OK);
  REQUIRE(sqlite3_step(statement) == SQLITE_ROW);
  const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(statement, 0));
  std::string value = text ? text : "";
  sqlite3_finalize(statement);
  sqlite3_close(db);
  return value;
}

std::int64_t query_integer(const std::string& path, const std::string& sql) {
  return std::stoll(query_text(path, sql));
}

void execute(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
  CHECK(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr) == SQLITE_OK);
  sqlite3_close(db);
}

}  // namespace

TEST_CASE("a new database is migrated to the latest schema version") {
  StoreFile file;
  file.open();
  CHECK(latest_schema_version() >= 1);
  CHECK(query_integer(file.path(), "SELECT max(version) FROM schema_migrations") == latest_schema_version());
  CHECK(query_integer(file.path(), "SELECT count(*) FROM schema_migrations") == latest_schema_version());
  CHECK(query_text(file.path(), "PRAGMA journal_mode") == "wal");
  CHECK(query_integer(file.path(), "SELECT count(*) FROM sqlite_master WHERE name = 'events_unprocessed'") == 1);
}

TEST_CASE("reopening a store keeps its data and applies no migration again") {
  StoreFile file;
  auto event = make_event("e1");
  {
    auto store = file.open();
    store->transact([&](Transaction& tx) { tx.insert_event(event); });
  }
  execute(file.path(), "UPDATE schema_migrations SET applied_at = 'before the reopen'");

  auto store = file.open();
  const auto events = read(*store, [](Transaction& tx) { return tx.unprocessed_events(10); });
  REQUIRE(events.size() == 1);
  check_same_event(events[0], event);
  CHECK(query_integer(file.path(), "SELECT count(*) FROM schema_migrations") == latest_schema_version());
  CHECK(query_integer(file.path(), "SELECT count(*) FROM schema_migrations WHERE applied_at <> 'before the reopen'") ==
        0);
}

TEST_CASE("a database written by a newer version is refused with a message naming both versions") {
  StoreFile file;
  { file.open(); }
  const int newer = latest_schema_version() + 1;
  execute(file.path(), "INSERT INTO schema_migrations (version, name, applied_at) VALUES (" + std::to_string(newer) +
                           ", 'from the future', 'later')");
  CHECK_THAT(
      store_error_of([&] { file.open(); }),
      (Catch::Contains(file.path()) && Catch::Contains("schema version " + std::to_string(newer)) &&
       Catch::Contains("up to " + std::to_string(latest_schema_version())) && Catch::Contains("newer parcours")));
  // Refusing changed nothing.
  CHECK(query_integer(file.path(), "SELECT max(version) FROM schema_migrations") == newer);
}
