#include <catch2/catch.hpp>

#include "store_fixture.hpp"

using namespace parcours::store;
using namespace parcours::store::testing;

TEST_CASE("a counter never added to is zero") {
  SqliteStore store(":memory:");
  CHECK(read(store, [](Transaction& tx) { return tx.counter("acme", "welcome", "step 0", "entered"); }) == 0);
}

TEST_CASE("add_to_counter creates a counter, then adds to it") {
  SqliteStore store(":memory:");
  store.transact([](Transaction& tx) { tx.add_to_counter("acme", "welcome", "first-email", "sent", 1); });
  store.transact([](Transaction& tx) {
    tx.add_to_counter("acme", "welcome", "first-email", "sent", 4);
    tx.add_to_counter("acme", "welcome", "first-email", "sent", -2);
  });
  CHECK(read(store, [](Transaction& tx) { return tx.counter("acme", "welcome", "first-email", "sent"); }) == 3);
}

TEST_CASE("counters differ by client, journey, step and name") {
  SqliteStore store(":memory:");
  store.transact([](Transaction& tx) {
    tx.add_to_counter("acme", "welcome", "a", "sent", 1);
    tx.add_to_counter("globex", "welcome", "a", "sent", 10);
    tx.add_to_counter("acme", "cart", "a", "sent", 100);
    tx.add_to_counter("acme", "welcome", "b", "sent", 1000);
    tx.add_to_counter("acme", "welcome", "a", "delivered", 10000);
  });
  CHECK(read(store, [](Transaction& tx) { return tx.counter("acme", "welcome", "a", "sent"); }) == 1);
  CHECK(read(store, [](Transaction& tx) { return tx.counter("globex", "welcome", "a", "sent"); }) == 10);
  CHECK(read(store, [](Transaction& tx) { return tx.counter("acme", "cart", "a", "sent"); }) == 100);
  CHECK(read(store, [](Transaction& tx) { return tx.counter("acme", "welcome", "b", "sent"); }) == 1000);
  CHECK(read(store, [](Transaction& tx) { return tx.counter("acme", "welcome", "a", "delivered"); }) == 10000);
}
