// The `sql` source, loaded through the host's plugin loader, against a real SQLite
// file and a real PostgreSQL 15 server (a throwaway cluster started by the test):
// column types mapped to JSON, the query re-run every refresh, read-only, bounded by
// its timeout, abandoned when the source stops, and the password never logged.
#include <catch2/catch.hpp>

#include <sqlite3.h>

#include <nlohmann/json.hpp>

#include <chrono>
#include <string>

#include "postgresql_cluster.hpp"
#include "source_host.hpp"

using Catch::Matchers::Contains;
using nlohmann::json;
using namespace parcours::sources::test;

namespace {

std::filesystem::path sql_plugin() {
  return PARCOURS_SQL_PLUGIN;
}

json settings(const std::string& url, const std::string& query, const std::string& key, int timeout_ms = 5000) {
  return {{"url", url}, {"query", query}, {"key", key}, {"refresh", 100}, {"timeout", timeout_ms}};
}

void sqlite_exec(const std::filesystem::path& file, const std::string& sql) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(file.c_str(), &db) == SQLITE_OK);
  char* error = nullptr;
  const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error);
  const std::string message = error != nullptr ? error : "";
  sqlite3_free(error);
  sqlite3_close(db);
  REQUIRE(message == "");
  REQUIRE(rc == SQLITE_OK);
}

const char* const kSqliteSchema = R"(
  CREATE TABLE bookings (contact TEXT, nights INTEGER, price REAL, paid BOOLEAN, note TEXT, code BLOB);
  INSERT INTO bookings VALUES ('c-1', 3, 420.5, 1, NULL, CAST('AB' AS BLOB));
  INSERT INTO bookings VALUES ('c-2', 1, 99.0, 0, 'late', NULL);
  INSERT INTO bookings VALUES ('c-1', 9, 0, 0, 'repeat', NULL);
  INSERT INTO bookings VALUES (NULL, 2, 0, 0, 'no key', NULL);
  CREATE TABLE numbers (id INTEGER, name TEXT);
  INSERT INTO numbers VALUES (7, 'seven');
)";

// One cluster per test process, with its tables: Catch runs the test case once per
// SECTION, and a cluster takes seconds to start. Stopped by its destructor at exit,
// also after a failed check.
PostgresqlCluster& shared_cluster() {
  static PostgresqlCluster cluster;
  static const bool ready = [] {
    cluster.psql(R"(
      CREATE TABLE bookings (contact text, nights int, total numeric(12,2), rate float8, paid boolean, meta jsonb,
                             big bigint, arrival date, note text);
      INSERT INTO bookings VALUES
        ('c-1', 3, 420.50, 0.25, true, '{"room": "12B", "tags": ["sea"]}', 9007199254740993, '2026-07-01', NULL),
        ('c-2', 1, 99999999.99, 'NaN', false, NULL, -5, '2026-08-15', 'late'),
        ('c-1', 9, 0, 0, false, NULL, 0, NULL, 'repeat'),
        (NULL, 2, 0, 0, false, NULL, 0, NULL, 'no key');
      CREATE TABLE numbers (id int, name text);
      INSERT INTO numbers VALUES (7, 'seven');
  )");
    return true;
  }();
  (void)ready;
  return cluster;
}

}  // namespace

TEST_CASE("The sql source serves a SQLite query's rows, typed, and re-runs it every refresh") {
  TempDir dir;
  const auto db = dir.path() / "crm.db";
  sqlite_exec(db, kSqliteSchema);
  RecordingHost host;
  auto registry = registry_with(sql_plugin());
  auto source = registry.create(
      "sql", settings("sqlite://" + db.string(), "SELECT * FROM bookings ORDER BY rowid", "contact").dump(),
      host.table());

  REQUIRE(eventually([&] { return !lookup(*source, "c-1").is_null(); }));
  CHECK(lookup(*source, "c-1") == json{{"contact", "c-1"},
                                       {"nights", 3},
                                       {"price", 420.5},
                                       {"paid", true},  // declared BOOLEAN
                                       {"note", nullptr},
                                       {"code", "AB"}});
  CHECK(lookup(*source, "c-2")["paid"] == false);
  const json rows = json::parse(source->scan());
  REQUIRE(rows.size() == 2);
  CHECK(rows[0]["contact"] == "c-1");
  CHECK(rows[0]["data"]["nights"] == 3);  // the first row of a key wins
  CHECK(host.find(PARCOURS_LOG_WARN, "1 rows repeat a key already seen (first: 'c-1')"));
  CHECK(host.find(PARCOURS_LOG_WARN, "1 rows have no key"));
  CHECK(host.metric_value("source_rows") == 2);

  // A new row is there at the next refresh.
  sqlite_exec(db, "INSERT INTO bookings VALUES ('c-3', 5, 1.5, 1, 'new', NULL)");
  REQUIRE(eventually([&] { return lookup(*source, "c-3")["nights"] == 5; }));

  // The file gone: a failure, counted and logged; the last rows stay.
  std::filesystem::remove(db);
  REQUIRE(eventually([&] { return host.metric_value("source_refresh_failures_total") >= 1; }));
  CHECK_THAT(*host.find(PARCOURS_LOG_WARN, "refresh of the SQLite database " + db.string() + " failed"),
             Contains("cannot open " + db.string() + " read-only") && Contains("still serving the 3 rows"));
  CHECK(lookup(*source, "c-3")["note"] == "new");
}

TEST_CASE("The sql source keys rows by an integer column as its decimal text") {
  TempDir dir;
  const auto db = dir.path() / "numbers.db";
  sqlite_exec(db, kSqliteSchema);
  RecordingHost host;
  auto registry = registry_with(sql_plugin());
  auto source = registry.create("sql", settings("sqlite://" + db.string(), "SELECT id, name FROM numbers", "id").dump(),
                                host.table());
  REQUIRE(eventually([&] { return !lookup(*source, "7").is_null(); }));
  CHECK(lookup(*source, "7") == json{{"id", 7}, {"name", "seven"}});
  CHECK(json::parse(source->scan()) == json::array({{{"contact", "7"}, {"data", {{"id", 7}, {"name", "seven"}}}}}));
}

TEST_CASE("A SQLite query that cannot run, writes, or lacks the key column is a failed load") {
  TempDir dir;
  const auto db = dir.path() / "crm.db";
  sqlite_exec(db, kSqliteSchema);
  auto registry = registry_with(sql_plugin());
  const std::string url = "sqlite://" + db.string();
  const auto failure_of = [&](const std::string& query, const std::string& key) {
    RecordingHost host;
    auto source = registry.create("sql", settings(url, query, key).dump(), host.table());
    try {
      source->scan();
    } catch (const std::exception& error) {
      return std::string(error.what());
    }
    return std::string("scan() succeeded");
  };
  CHECK_THAT(failure_of("SELEC contact FROM bookings", "contact"),
             Contains("the query does not run on " + db.string()) && Contains("syntax error"));
  CHECK_THAT(failure_of("DELETE FROM bookings", "contact"), Contains("would change the database"));
  CHECK_THAT(failure_of("SELECT 1 AS a; DELETE FROM bookings", "a"), Contains("more than one statement"));
  CHECK_THAT(failure_of("SELECT nights, price FROM bookings", "contact"),
             Contains("no column named 'contact'") && Contains("its columns: nights, price"));
  CHECK_THAT(failure_of("SELECT contact, note AS contact FROM bookings", "contact"),
             Contains("two columns named 'contact'"));
  CHECK_THAT(failure_of("SELECT * FROM missing_table", "contact"), Contains("no such table: missing_table"));
  // Nothing was deleted.
  RecordingHost host;
  auto source = registry.create("sql", settings(url, "SELECT * FROM bookings", "contact").dump(), host.table());
  CHECK(json::parse(source->scan()).size() == 2);
  CHECK(host.metric_value("source_rows_skipped") == 1);
}

TEST_CASE("The sql source refuses urls and settings that can never work, without quoting the url") {
  auto registry = registry_with(sql_plugin());
  const std::string mysql_error =
      create_error(registry, "sql", settings("mysql://admin:hunter2@db/crm", "SELECT 1 AS id", "id"));
  CHECK_THAT(mysql_error, Contains("setting 'url' uses the scheme mysql://") && Contains("postgresql://"));
  CHECK_THAT(mysql_error, !Contains("hunter2"));
  CHECK_THAT(create_error(registry, "sql", settings("crm.db", "SELECT 1 AS id", "id")),
             Contains("setting 'url' has no scheme"));
  CHECK_THAT(create_error(registry, "sql", settings("sqlite://", "SELECT 1 AS id", "id")),
             Contains("setting 'url' names no database file"));
  CHECK_THAT(create_error(registry, "sql", settings("sqlite:///tmp/x.db", "  ", "id")),
             Contains("setting 'query' is empty"));
  CHECK_THAT(create_error(registry, "sql", settings("sqlite:///tmp/x.db", "SELECT 1 AS id", "")),
             Contains("setting 'key' is empty"));
}

TEST_CASE("A relative sqlite:// url is read from the directory the host runs in") {
  TempDir dir;
  sqlite_exec(dir.path() / "relative.db", kSqliteSchema);
  const auto previous = std::filesystem::current_path();
  std::filesystem::current_path(dir.path());
  RecordingHost host;
  auto registry = registry_with(sql_plugin());
  auto source =
      registry.create("sql", settings("sqlite://relative.db", "SELECT * FROM numbers", "id").dump(), host.table());
  std::filesystem::current_path(previous);
  CHECK(json::parse(source->scan()).size() == 1);
}

TEST_CASE("The sql source reads PostgreSQL: types, a read-only transaction, timeouts, and no password in logs") {
  PostgresqlCluster& cluster = shared_cluster();
  auto registry = registry_with(sql_plugin());

  SECTION("rows typed and keyed; new rows at the next refresh") {
    RecordingHost host;
    auto source = registry.create(
        "sql", settings(cluster.url(), "SELECT * FROM bookings ORDER BY nights", "contact").dump(), host.table());
    REQUIRE(eventually([&] { return !lookup(*source, "c-1").is_null(); }));
    CHECK(lookup(*source, "c-1") == json{{"contact", "c-1"},
                                         {"nights", 3},
                                         {"total", 420.5},
                                         {"rate", 0.25},
                                         {"paid", true},
                                         {"meta", {{"room", "12B"}, {"tags", {"sea"}}}},
                                         {"big", 9007199254740993LL},
                                         {"arrival", "2026-07-01"},
                                         {"note", nullptr}});
    const json bob = lookup(*source, "c-2");
    CHECK(bob["rate"] == "NaN");  // not a JSON number: kept as text
    CHECK(bob["total"] == 99999999.99);
    CHECK(bob["meta"].is_null());
    CHECK(json::parse(source->scan()).size() == 2);
    CHECK(host.find(PARCOURS_LOG_WARN, "1 rows repeat a key already seen (first: 'c-1')"));

    cluster.psql("INSERT INTO bookings (contact, nights) VALUES ('c-4', 4);");
    REQUIRE(eventually([&] { return lookup(*source, "c-4")["nights"] == 4; }));
    CHECK(host.all_text().find(PostgresqlCluster::kPassword) == std::string::npos);
  }

  SECTION("a wrong password: an error naming the server, never the password") {
    RecordingHost host;
    auto source =
        registry.create("sql", settings(cluster.url("wrong-pw"), "SELECT * FROM numbers", "id").dump(), host.table());
    CHECK_THROWS_WITH(source->scan(), Contains("password authentication failed"));
    const std::string shown = "postgresql://parcours@127.0.0.1:" + std::to_string(cluster.port()) + "/postgres";
    CHECK_THAT(*host.find(PARCOURS_LOG_ERROR, "cannot load"),
               Contains("cannot connect to " + shown) && Contains("password authentication failed"));
    CHECK(host.all_text().find("wrong-pw") == std::string::npos);
    CHECK(host.metric_value("source_refresh_failures_total") >= 1);
  }

  SECTION("the query runs in a read-only transaction") {
    RecordingHost host;
    auto source = registry.create(
        "sql", settings(cluster.url(), "INSERT INTO numbers VALUES (8, 'eight') RETURNING id", "id").dump(),
        host.table());
    CHECK_THROWS_WITH(source->scan(), Contains("cannot execute INSERT in a read-only transaction"));
    CHECK(cluster.psql("SELECT count(*) FROM numbers;") == "1\n");
  }

  SECTION("a query longer than the timeout is cancelled by the server") {
    RecordingHost host;
    auto source = registry.create(
        "sql", settings(cluster.url(), "SELECT 'c-1' AS contact, pg_sleep(20) AS slept", "contact", 1000).dump(),
        host.table());
    CHECK_THROWS_WITH(source->scan(), Contains("canceling statement due to statement timeout"));
  }

  SECTION("a source destroyed in the middle of a query cancels it and stops at once") {
    RecordingHost host;
    auto source = registry.create(
        "sql", settings(cluster.url(), "SELECT 'c-1' AS contact, pg_sleep(30) AS slept", "contact", 60000).dump(),
        host.table());
    // Not looked up: a lookup would wait for the first load; the refresher starts it
    // by itself a second after creation.
    REQUIRE(eventually([&] {
      return cluster.psql(
                 "SELECT count(*) FROM pg_stat_activity WHERE query LIKE '%pg_sleep(30)%' AND "
                 "state = 'active' AND pid <> pg_backend_pid();") == "1\n";
    }));
    const auto start = std::chrono::steady_clock::now();
    source.reset();
    CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(3));
    CHECK(host.count(PARCOURS_LOG_ERROR, "") == 0);  // stopping is no failure
  }
}
