#include <filesystem>
#include <fstream>
#include <thread>

#include <catch2/catch.hpp>

#include "store_fixture.hpp"

using namespace parcours::store;
using namespace parcours::store::testing;

TEST_CASE("a relative sqlite path is opened under base, creating its folders") {
  TemporaryConfig base;
  auto store = open_store("sqlite://var/data/parcours.db", base.root().string());
  REQUIRE(store);
  CHECK(std::filesystem::is_regular_file(base.root() / "var" / "data" / "parcours.db"));
}

TEST_CASE("an absolute sqlite path ignores base") {
  TemporaryConfig folder;
  const auto path = folder.root() / "abs" / "parcours.db";
  auto store = open_store("sqlite://" + path.string(), "/nonexistent-base");
  auto event = make_event("e1");
  store->transact([&](Transaction& tx) { tx.insert_event(event); });
  CHECK(std::filesystem::is_regular_file(path));
}

TEST_CASE("sqlite://:memory: opens a private database where concurrent callers still commit") {
  auto store = open_store("sqlite://:memory:");
  auto other = open_store("sqlite://:memory:");
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < 50; ++i) {
        auto event = make_event(std::to_string(t) + "-" + std::to_string(i));
        store->transact([&](Transaction& tx) { tx.insert_event(event); });
      }
    });
  for (auto& thread : threads) thread.join();
  CHECK(read(*store, [](Transaction& tx) { return tx.unprocessed_events(1000); }).size() == 200);
  CHECK(read(*other, [](Transaction& tx) { return tx.unprocessed_events(1000); }).empty());
}

TEST_CASE("a url of another scheme is refused, naming the url and the schemes this build supports") {
  CHECK_THAT(store_error_of([&] { open_store("postgresql://db.example/parcours"); }),
             (Catch::Contains("'postgresql://db.example/parcours'") && Catch::Contains("postgresql://") &&
              Catch::Contains("sqlite://relative/path") && Catch::Contains("sqlite:///absolute/path") &&
              Catch::Contains("sqlite://:memory:")));
  CHECK_THROWS_WITH(open_store("var/parcours.db"), Catch::Contains("has no scheme"));
  CHECK_THROWS_WITH(open_store("sqlite://"), Catch::Contains("names no database file"));
}

TEST_CASE("a file that is not a database is refused with its path and SQLite's message") {
  TemporaryConfig folder;
  folder.write("notes.db", std::string(4096, 'x'));
  const auto path = (folder.root() / "notes.db").string();
  CHECK_THAT(store_error_of([&] { open_store("sqlite://notes.db", folder.root().string()); }),
             (Catch::Contains(path) && Catch::Contains("file is not a database")));
}

TEST_CASE("a folder that cannot be created is reported with its path") {
  TemporaryConfig folder;
  folder.write("blocker", "a file where a folder should go");
  CHECK_THAT(store_error_of([&] { open_store("sqlite://blocker/parcours.db", folder.root().string()); }),
             (Catch::Contains("cannot create the folder") && Catch::Contains((folder.root() / "blocker").string())));
}
