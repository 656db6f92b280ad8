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

TEST_CASE("a store from before timers moved onto enrollments keeps every timer, kind and due time") {
  StoreFile file;
  auto ann = make_enrollment("ann"), bob = make_enrollment("bob"), cid = make_enrollment("cid");
  {
    auto store = file.open();
    store->transact([&](Transaction& tx) {
      for (auto* enrollment : {&ann, &bob, &cid}) tx.insert_enrollment(*enrollment);
    });
  }
  // The store as schema version 4 left it: a timers table, nothing on the enrollments.
  execute(file.path(),
          "DROP INDEX enrollments_wake; ALTER TABLE enrollments DROP COLUMN wake_at; "
          "ALTER TABLE enrollments DROP COLUMN wake_kind; "
          "CREATE TABLE timers (id INTEGER PRIMARY KEY, due INTEGER NOT NULL, enrollment INTEGER NOT NULL, "
          "client TEXT NOT NULL, contact TEXT NOT NULL, kind TEXT NOT NULL); "
          "CREATE INDEX timers_due ON timers (due); CREATE INDEX timers_enrollment ON timers (enrollment); "
          "INSERT INTO timers (due, enrollment, client, contact, kind) VALUES (5000, " +
              std::to_string(bob.id) + ", 'acme', 'bob', 'timeout'), (7000, " + std::to_string(cid.id) +
              ", 'acme', 'cid', 'resume'); "
              "DELETE FROM schema_migrations WHERE version = 5;");
  REQUIRE(query_integer(file.path(), "SELECT max(version) FROM schema_migrations") == 4);

  auto store = file.open();
  const auto due = read(*store, [](Transaction& tx) { return tx.due_enrollments(10'000, 10); });
  REQUIRE(due.size() == 2);
  CHECK(due[0].contact == "bob");
  CHECK(due[0].wake_at == std::optional<TimeMs>(5000));
  CHECK(due[0].wake_kind == TimerKind::timeout);
  CHECK(due[1].contact == "cid");
  CHECK(due[1].wake_at == std::optional<TimeMs>(7000));
  CHECK(due[1].wake_kind == TimerKind::resume);
  const auto unchanged = read(*store, [&](Transaction& tx) { return tx.find_enrollment(ann.id); });
  REQUIRE(unchanged);
  CHECK_FALSE(unchanged->wake_at);
  CHECK(query_integer(file.path(), "SELECT count(*) FROM sqlite_master WHERE name = 'timers'") == 0);
  CHECK(query_integer(file.path(), "SELECT max(version) FROM schema_migrations") == latest_schema_version());
}
