#include <catch2/catch.hpp>

#include "store_fixture.hpp"

using namespace parcours::store;
using namespace parcours::store::testing;

TEST_CASE("insert_event assigns increasing seqs and stores every field") {
  SqliteStore store(":memory:");
  auto first = make_event("e1", "c1", 1000);
  auto second = make_event("e2", "c2", 900);  // an earlier time: seq still follows insertion
  store.transact([&](Transaction& tx) {
    CHECK(tx.insert_event(first));
    CHECK(tx.insert_event(second));
  });
  CHECK(first.seq > 0);
  CHECK(second.seq > first.seq);

  const auto events = read(store, [](Transaction& tx) { return tx.unprocessed_events(10); });
  REQUIRE(events.size() == 2);
  check_same_event(events[0], first);
  check_same_event(events[1], second);
}

TEST_CASE("a repeated event id of a client is ignored and changes nothing") {
  SqliteStore store(":memory:");
  auto original = make_event("e1");
  store.transact([&](Transaction& tx) { REQUIRE(tx.insert_event(original)); });

  auto repeat = make_event("e1", "someone-else", 5000);
  repeat.type = "order.completed";
  repeat.properties_json = R"({"changed":true})";
  const bool stored = read(store, [&](Transaction& tx) { return tx.insert_event(repeat); });
  CHECK_FALSE(stored);
  CHECK(repeat.seq == 0);

  const auto events = read(store, [](Transaction& tx) { return tx.unprocessed_events(10); });
  REQUIRE(events.size() == 1);
  check_same_event(events[0], original);
}

TEST_CASE("the same event id under another client is another event") {
  SqliteStore store(":memory:");
  auto ours = make_event("e1", "c1", 1000, "acme");
  auto theirs = make_event("e1", "c1", 1000, "globex");
  store.transact([&](Transaction& tx) {
    CHECK(tx.insert_event(ours));
    CHECK(tx.insert_event(theirs));
  });
  CHECK(read(store, [](Transaction& tx) { return tx.unprocessed_events(10); }).size() == 2);
}

TEST_CASE("unprocessed_events lists events not yet processed, oldest first, at most limit") {
  SqliteStore store(":memory:");
  std::vector<EventRecord> events;
  for (int i = 1; i <= 5; ++i) events.push_back(make_event("e" + std::to_string(i)));
  store.transact([&](Transaction& tx) {
    for (auto& event : events) tx.insert_event(event);
    tx.mark_event_processed(events[1].seq);
  });

  const auto first_three = read(store, [](Transaction& tx) { return tx.unprocessed_events(3); });
  REQUIRE(first_three.size() == 3);
  CHECK(first_three[0].seq == events[0].seq);
  CHECK(first_three[1].seq == events[2].seq);
  CHECK(first_three[2].seq == events[3].seq);
  CHECK_FALSE(first_three[0].processed);

  CHECK(read(store, [](Transaction& tx) { return tx.unprocessed_events(0); }).empty());
  CHECK(read(store, [](Transaction& tx) { return tx.unprocessed_events(100); }).size() == 4);
}

TEST_CASE("an event stored as processed is not listed as unprocessed") {
  SqliteStore store(":memory:");
  auto event = make_event("e1");
  event.processed = true;
  store.transact([&](Transaction& tx) { REQUIRE(tx.insert_event(event)); });
  CHECK(read(store, [](Transaction& tx) { return tx.unprocessed_events(10); }).empty());
}

TEST_CASE("marking an event that does not exist as processed throws a StoreError naming its seq") {
  SqliteStore store(":memory:");
  CHECK_THROWS_WITH(store.transact([](Transaction& tx) { tx.mark_event_processed(42); }),
                    Catch::Contains("no event with seq 42"));
}
