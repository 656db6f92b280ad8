#include <catch2/catch.hpp>

#include <atomic>
#include <stdexcept>
#include <thread>
#include <vector>

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

TEST_CASE("additions wait for the commit: a work reads its own, and an undone work's are undone") {
  SqliteStore store(":memory:");
  store.transact([](Transaction& tx) {
    tx.add_to_counter("acme", "welcome", "a", "sent", 2);
    tx.add_to_counter("acme", "welcome", "a", "sent", 3);
    CHECK(tx.counter("acme", "welcome", "a", "sent") == 5);
  });
  CHECK_THROWS_AS(store.transact([](Transaction& tx) {
    tx.add_to_counter("acme", "welcome", "a", "sent", 100);
    throw std::runtime_error("the work fails");
  }),
                  std::runtime_error);
  store.transact([](Transaction& tx) { CHECK(tx.counter("acme", "welcome", "a", "sent") == 5); });
}

TEST_CASE("works of one group commit add to the same counter, and a failing one among them takes only its own") {
  SqliteStore store(":memory:");
  std::vector<std::thread> threads;
  std::atomic<int> failed{0};
  for (int i = 0; i < 8; ++i)
    threads.emplace_back([&store, &failed, i] {
      for (int n = 0; n < 50; ++n) {
        try {
          store.transact([&](Transaction& tx) {
            tx.add_to_counter("acme", "welcome", "a", "entered", 1);
            if (i == 0 && n % 5 == 0) throw std::runtime_error("undone");
          });
        } catch (const std::runtime_error&) {
          ++failed;
        }
      }
    });
  for (auto& thread : threads) thread.join();
  CHECK(failed == 10);
  CHECK(read(store, [](Transaction& tx) { return tx.counter("acme", "welcome", "a", "entered"); }) == 8 * 50 - 10);
}
