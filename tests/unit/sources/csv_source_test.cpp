// The `csv` source, loaded through the host's plugin loader: RFC 4180 files typed
// into rows, re-read when the file changes, the last good rows kept when it cannot
// be read, and settings that can never work refused by name.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include <fstream>
#include <string>

#include "source_host.hpp"

using Catch::Matchers::Contains;
using nlohmann::json;
using namespace parcours::sources::test;

namespace {

std::filesystem::path csv_plugin() {
  return PARCOURS_CSV_PLUGIN;
}

// Refreshed every 100 ms (durations reach a plugin in milliseconds).
json settings(const std::filesystem::path& path) {
  return {{"path", path.string()}, {"key", "contact"}, {"refresh", 100}, {"delimiter", ","}};
}

// With a BOM, CRLF line ends, a quoted delimiter, doubled quotes and a line break in a
// quoted cell (so the record of c-2 starts on line 4), and one row of the wrong width.
const std::string kBookings =
    "\xEF\xBB\xBF"
    "contact,name,zip,phone,nights,price,vip,note,empty\r\n"
    "c-1,\"Doe, Ann\",01234,+33600000000,3,4.5,true,\"said \"\"hi\"\"\r\non two lines\",\r\n"
    "c-2,Bob,75001,0600000000,0,-1e3,false,plain,\r\n"
    "c-3,short row,only four\r\n"
    "c-1,Second Ann,1,2,3,4,true,repeat,\r\n"
    ",No key,1,2,3,4,true,x,\r\n"
    "\r\n"
    "42,Numeric id,1,2,3,4,TRUE,x,\r\n";

}  // namespace

TEST_CASE("The csv source types a file's cells and serves its rows by the key column") {
  TempDir dir;
  const auto path = dir.path() / "bookings.csv";
  std::ofstream(path, std::ios::binary) << kBookings;
  RecordingHost host;
  auto registry = registry_with(csv_plugin());
  auto source = registry.create("csv", settings(path).dump(), host.table());

  REQUIRE(eventually([&] { return !lookup(*source, "c-1").is_null(); }));
  CHECK(lookup(*source, "c-1") == json{{"contact", "c-1"},
                                       {"name", "Doe, Ann"},
                                       {"zip", "01234"},           // a leading zero: a code, not a number
                                       {"phone", "+33600000000"},  // a leading +: text
                                       {"nights", 3},
                                       {"price", 4.5},
                                       {"vip", true},
                                       {"note", "said \"hi\"\r\non two lines"},
                                       {"empty", nullptr}});
  const json bob = lookup(*source, "c-2");
  CHECK(bob["zip"] == 75001);
  CHECK(bob["zip"].is_number_integer());
  CHECK(bob["phone"] == "0600000000");
  CHECK(bob["nights"] == 0);
  CHECK(bob["price"] == -1000.0);
  CHECK(bob["vip"] == false);
  // The key is the cell as written; the row's value is typed.
  CHECK(lookup(*source, "42")["contact"] == 42);
  CHECK(lookup(*source, "42")["vip"] == "TRUE");  // only true/false are booleans
  CHECK(lookup(*source, "c-3").is_null());        // the short row was skipped
  CHECK(lookup(*source, "nobody").is_null());

  // scan(): every row in file order, the first of a repeated key kept.
  const json rows = json::parse(source->scan());
  REQUIRE(rows.size() == 3);
  CHECK(rows[0]["contact"] == "c-1");
  CHECK(rows[0]["data"]["name"] == "Doe, Ann");
  CHECK(rows[1]["contact"] == "c-2");
  CHECK(rows[2] == json{{"contact", "42"}, {"data", lookup(*source, "42")}});

  // Every skipped row is reported, the bad one with its line number.
  CHECK(host.find(PARCOURS_LOG_WARN, "line 5: 3 cells where the header has 9"));
  CHECK(host.find(PARCOURS_LOG_WARN, "1 rows repeat a key already seen (first: 'c-1')"));
  CHECK(host.find(PARCOURS_LOG_WARN, "1 rows have no key"));
  CHECK(host.metric_value("source_rows") == 3);
  CHECK(host.metric_value("source_rows_skipped") == 2);
  CHECK(host.metric_value("source_duplicate_keys") == 1);
  CHECK(host.metric_value("source_refresh_failures_total") == 0);
  CHECK(json::parse(host.metric_labels("source_rows")) == json{{"source", "bookings"}});
}

TEST_CASE("The csv source re-reads a changed file, and keeps the last good rows when it disappears") {
  TempDir dir;
  const auto path = dir.path() / "bookings.csv";
  replace_file(path, "contact,name\nc-1,Ann\n");
  RecordingHost host;
  auto registry = registry_with(csv_plugin());
  auto source = registry.create("csv", settings(path).dump(), host.table());
  REQUIRE(eventually([&] { return lookup(*source, "c-1")["name"] == "Ann"; }));

  // Unchanged: checked at every refresh, read only once.
  const double refreshes = host.metric_value("source_refreshes_total");
  REQUIRE(eventually([&] { return host.metric_value("source_refreshes_total") >= refreshes + 3; }));
  CHECK(host.count(PARCOURS_LOG_DEBUG, "loaded 1 rows from") == 1);

  replace_file(path, "contact,name\nc-1,Annie\nc-2,Bob\n");
  REQUIRE(eventually([&] { return lookup(*source, "c-1")["name"] == "Annie"; }));
  CHECK(lookup(*source, "c-2")["name"] == "Bob");
  CHECK(json::parse(source->scan()).size() == 2);

  std::filesystem::remove(path);
  REQUIRE(eventually([&] { return host.metric_value("source_refresh_failures_total") >= 1; }));
  const auto warning = host.find(PARCOURS_LOG_WARN, "refresh of " + path.string() + " failed");
  REQUIRE(warning);
  CHECK_THAT(*warning, Contains("No such file or directory") && Contains("still serving the 2 rows"));
  CHECK(lookup(*source, "c-1")["name"] == "Annie");
  CHECK(json::parse(source->scan()).size() == 2);

  // Back again: the new file is read, and the recovery said.
  replace_file(path, "contact,name\nc-3,Cy\n");
  REQUIRE(eventually([&] { return !lookup(*source, "c-3").is_null(); }));
  CHECK(lookup(*source, "c-1").is_null());
  CHECK(host.find(PARCOURS_LOG_INFO, "loaded " + path.string() + " again after"));
}

TEST_CASE("A csv file missing at start is no failure to create: nothing is served until it appears") {
  TempDir dir;
  const auto path = dir.path() / "later.csv";
  RecordingHost host;
  auto registry = registry_with(csv_plugin());
  auto source = registry.create("csv", settings(path).dump(), host.table());
  CHECK(lookup(*source, "c-1").is_null());
  REQUIRE(eventually([&] { return host.find(PARCOURS_LOG_ERROR, "cannot load " + path.string()).has_value(); }));
  CHECK_THAT(*host.find(PARCOURS_LOG_ERROR, "cannot load"),
             Contains("No such file or directory") && Contains("no data is served until a refresh succeeds"));
  CHECK_THROWS_WITH(source->scan(),
                    Contains("no data from " + path.string() + " yet") && Contains("No such file or directory"));

  replace_file(path, "contact;name\nc-1;Ann\n");  // and a delimiter that is not this source's
  REQUIRE(eventually([&] { return host.find(PARCOURS_LOG_ERROR, "no column is named 'contact'").has_value(); }));
  CHECK_THAT(*host.find(PARCOURS_LOG_ERROR, "no column is named 'contact'"), Contains("the header has: contact;name"));

  replace_file(path, "contact,name\nc-1,Ann\n");
  REQUIRE(eventually([&] { return lookup(*source, "c-1")["name"] == "Ann"; }));
}

TEST_CASE("The csv source reads other delimiters, a last line without a line break, and unclosed quotes") {
  TempDir dir;
  const auto path = dir.path() / "semicolons.csv";
  replace_file(path, "contact;city;amount\nc-1;\"Paris; France\";12.50\nc-2;\"never closed;1\nc-3;Lyon;7");
  RecordingHost host;
  auto registry = registry_with(csv_plugin());
  json semicolon = settings(path);
  semicolon["delimiter"] = ";";
  auto source = registry.create("csv", semicolon.dump(), host.table());
  REQUIRE(eventually([&] { return !lookup(*source, "c-1").is_null(); }));
  CHECK(lookup(*source, "c-1") == json{{"contact", "c-1"}, {"city", "Paris; France"}, {"amount", 12.5}});
  // The unclosed quote swallows the rest of the file: that row is reported and skipped.
  CHECK(lookup(*source, "c-2").is_null());
  CHECK(host.find(PARCOURS_LOG_WARN, "line 3: a quoted field is never closed"));

  const auto tabs = dir.path() / "tabs.tsv";
  replace_file(tabs, "contact\tscore\nc-9\t-0.25\n");
  json tab = settings(tabs);
  tab["delimiter"] = "\t";
  auto tab_source = registry.create("csv", tab.dump(), host.table());
  REQUIRE(eventually([&] { return !lookup(*tab_source, "c-9").is_null(); }));
  CHECK(lookup(*tab_source, "c-9")["score"] == -0.25);
}

TEST_CASE("A csv header with a repeated or empty column name is a failed load, not a guess") {
  TempDir dir;
  const auto path = dir.path() / "bad-header.csv";
  replace_file(path, "contact,name,name\nc-1,a,b\n");
  RecordingHost host;
  auto registry = registry_with(csv_plugin());
  auto source = registry.create("csv", settings(path).dump(), host.table());
  REQUIRE(eventually([&] { return host.find(PARCOURS_LOG_ERROR, "the column 'name' appears twice").has_value(); }));
  CHECK(lookup(*source, "c-1").is_null());
  replace_file(path, "contact,,x\nc-1,a,b\n");
  REQUIRE(eventually([&] { return host.find(PARCOURS_LOG_ERROR, "column 2 of the header has no name").has_value(); }));
  replace_file(path, "");
  REQUIRE(eventually([&] { return host.find(PARCOURS_LOG_ERROR, "the file is empty").has_value(); }));
  CHECK(host.metric_value("source_refresh_failures_total") >= 3);
}

TEST_CASE("The csv source refuses settings that can never work, naming the setting") {
  TempDir dir;
  auto registry = registry_with(csv_plugin());
  const auto file = dir.path() / "x.csv";
  CHECK_THAT(create_error(registry, "csv", {{"path", ""}, {"key", "contact"}, {"refresh", 100}, {"delimiter", ","}}),
             Contains("setting 'path' is empty"));
  CHECK_THAT(
      create_error(registry, "csv", {{"path", file.string()}, {"key", ""}, {"refresh", 100}, {"delimiter", ","}}),
      Contains("setting 'key' is empty"));
  CHECK_THAT(
      create_error(registry, "csv", {{"path", file.string()}, {"key", "c"}, {"refresh", 100}, {"delimiter", ";;"}}),
      Contains("setting 'delimiter' must be one character"));
  CHECK_THAT(
      create_error(registry, "csv", {{"path", file.string()}, {"key", "c"}, {"refresh", 100}, {"delimiter", "\""}}),
      Contains("setting 'delimiter'"));
  CHECK_THAT(create_error(registry, "csv",
                          {{"path", dir.path().string()}, {"key", "c"}, {"refresh", 100}, {"delimiter", ","}}),
             Contains("setting 'path' names the folder"));
  CHECK_THAT(create_error(registry, "csv", {{"path", file.string()}, {"key", "c"}, {"refresh", 0}, {"delimiter", ","}}),
             Contains("setting 'refresh' must be a duration"));
  // Creating and destroying at once (what `parcours validate` does) reads nothing.
  RecordingHost host;
  std::ofstream(file) << "c\n1\n";
  registry.create("csv", json{{"path", file.string()}, {"key", "c"}, {"refresh", 100}, {"delimiter", ","}}.dump(),
                  host.table());
  CHECK(host.lines().empty());
  CHECK(host.metric_value("source_refreshes_total") == 0);
}

TEST_CASE("A relative csv path is read from the directory the host runs in") {
  TempDir dir;
  const auto previous = std::filesystem::current_path();
  std::filesystem::current_path(dir.path());
  std::filesystem::create_directories("data");
  replace_file("data/relative.csv", "contact,name\nc-1,Ann\n");
  RecordingHost host;
  auto registry = registry_with(csv_plugin());
  auto source = registry.create(
      "csv", json{{"path", "data/relative.csv"}, {"key", "contact"}, {"refresh", 100}, {"delimiter", ","}}.dump(),
      host.table());
  std::filesystem::current_path(previous);  // made absolute at creation: a later chdir changes nothing
  REQUIRE(eventually([&] { return lookup(*source, "c-1")["name"] == "Ann"; }));
}
