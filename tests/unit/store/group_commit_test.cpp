#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <map>
#include <set>
#include <stdexcept>
#include <thread>

#include <catch2/catch.hpp>

#include "store_fixture.hpp"

using namespace parcours::store;
using namespace parcours::store::testing;

namespace {

// Waits (bounded, so a broken store fails the test instead of hanging it) until
// `count` callers wait for the connection.
void wait_for_waiting_callers(const SqliteStore& store, std::size_t count) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (store.callers_waiting() < count && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

std::vector<std::string> stored_event_ids(Store& store) {
  std::vector<std::string> ids;
  for (const auto& event : read(store, [](Transaction& tx) { return tx.unprocessed_events(100'000); }))
    ids.push_back(event.id);
  return ids;
}

}  // namespace

TEST_CASE("a lone caller commits at once, one commit per transact") {
  StoreFile file;
  auto store = file.open();
  for (int i = 0; i < 5; ++i) {
    auto event = make_event("e" + std::to_string(i));
    store->transact([&](Transaction& tx) { tx.insert_event(event); });
    CHECK(store->stats().commits == static_cast<std::uint64_t>(i + 1));
  }
  CHECK(store->stats().largest_batch == 1);
}

TEST_CASE("a throwing work leaves nothing behind and its exception reaches its caller unchanged") {
  SqliteStore store(":memory:");
  CHECK_THROWS_MATCHES(store.transact([](Transaction& tx) {
    auto event = make_event("e1");
    tx.insert_event(event);
    tx.add_to_counter("acme", "welcome", "a", "sent", 1);
    throw std::logic_error("the journey has no step 7");
  }),
                       std::logic_error, Catch::Matchers::Message("the journey has no step 7"));
  CHECK(store.stats().works == 0);
  CHECK(stored_event_ids(store).empty());
  CHECK(read(store, [](Transaction& tx) { return tx.counter("acme", "welcome", "a", "sent"); }) == 0);
}

TEST_CASE("concurrent callers share one commit") {
  StoreFile file;
  auto store = file.open();
  std::atomic<bool> first_inside{false};
  std::thread first([&] {
    store->transact([&](Transaction& tx) {
      auto event = make_event("first");
      tx.insert_event(event);
      first_inside = true;
      wait_for_waiting_callers(*store, 3);
    });
  });
  while (!first_inside) std::this_thread::yield();
  std::vector<std::thread> others;
  for (int i = 0; i < 3; ++i)
    others.emplace_back([&, i] {
      auto event = make_event("other-" + std::to_string(i));
      store->transact([&](Transaction& tx) { tx.insert_event(event); });
    });
  first.join();
  for (auto& thread : others) thread.join();

  const auto stats = store->stats();
  CHECK(stats.commits == 1);
  CHECK(stats.works == 4);
  CHECK(stats.largest_batch == 4);
  CHECK(stored_event_ids(*store).size() == 4);
}

TEST_CASE("a throwing work is undone alone while the works sharing its transaction commit") {
  StoreFile file;
  auto store = file.open();
  std::atomic<bool> first_inside{false};
  std::thread first([&] {
    store->transact([&](Transaction& tx) {
      auto event = make_event("kept-first");
      tx.insert_event(event);
      first_inside = true;
      wait_for_waiting_callers(*store, 2);
    });
  });
  while (!first_inside) std::this_thread::yield();
  std::string failure;
  std::thread failing([&] {
    try {
      store->transact([&](Transaction& tx) {
        auto event = make_event("undone");
        tx.insert_event(event);
        tx.add_to_counter("acme", "welcome", "a", "sent", 1);
        throw std::runtime_error("plugin said no");
      });
    } catch (const std::runtime_error& error) {
      failure = error.what();
    }
  });
  std::thread other([&] {
    auto event = make_event("kept-other");
    store->transact([&](Transaction& tx) { tx.insert_event(event); });
  });
  first.join();
  failing.join();
  other.join();

  CHECK(failure == "plugin said no");
  const auto ids = stored_event_ids(*store);
  CHECK(ids == std::vector<std::string>{"kept-first", "kept-other"});
  CHECK(read(*store, [](Transaction& tx) { return tx.counter("acme", "welcome", "a", "sent"); }) == 0);
  // The two kept works went out in one commit, with the failed one in between.
  CHECK(store->stats().largest_batch == 2);
}

// The work that begins a transaction runs without a savepoint (ROLLBACK undoes it):
// its failure must still leave the callers queued behind it untouched.
TEST_CASE("a throwing work that began the transaction is undone and the callers waiting for it commit theirs") {
  StoreFile file;
  auto store = file.open();
  std::atomic<bool> first_inside{false};
  std::string failure;
  std::thread first([&] {
    try {
      store->transact([&](Transaction& tx) {
        auto event = make_event("undone-first");
        tx.insert_event(event);
        tx.add_to_counter("acme", "welcome", "a", "sent", 1);
        first_inside = true;
        wait_for_waiting_callers(*store, 2);
        throw std::runtime_error("the first work failed");
      });
    } catch (const std::runtime_error& error) {
      failure = error.what();
    }
  });
  while (!first_inside) std::this_thread::yield();
  std::vector<std::thread> others;
  for (int i = 0; i < 2; ++i)
    others.emplace_back([&, i] {
      auto event = make_event("kept-" + std::to_string(i));
      store->transact([&](Transaction& tx) { tx.insert_event(event); });
    });
  first.join();
  for (auto& thread : others) thread.join();

  CHECK(failure == "the first work failed");
  CHECK(store->stats().works == 2);  // the two kept works; the failed one is not counted
  auto ids = stored_event_ids(*store);
  std::sort(ids.begin(), ids.end());
  CHECK(ids == std::vector<std::string>{"kept-0", "kept-1"});
  CHECK(read(*store, [](Transaction& tx) { return tx.counter("acme", "welcome", "a", "sent"); }) == 0);
}

TEST_CASE("8 threads making 500 transact calls each store every event once, with distinct seqs") {
  StoreFile file;
  auto store = file.open();
  constexpr int kThreads = 8;
  constexpr int kCalls = 500;
  std::vector<std::thread> threads;
  std::atomic<int> refused{0};
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < kCalls; ++i) {
        auto event = make_event("t" + std::to_string(t) + "-" + std::to_string(i), "c" + std::to_string(t));
        store->transact([&](Transaction& tx) {
          if (!tx.insert_event(event)) ++refused;
        });
      }
    });
  for (auto& thread : threads) thread.join();

  CHECK(refused == 0);
  const auto events = read(*store, [](Transaction& tx) { return tx.unprocessed_events(100'000); });
  REQUIRE(events.size() == kThreads * kCalls);
  std::set<std::int64_t> seqs;
  std::set<std::string> ids;
  for (const auto& event : events) {
    seqs.insert(event.seq);
    ids.insert(event.id);
  }
  CHECK(seqs.size() == events.size());
  CHECK(ids.size() == events.size());
  for (std::size_t i = 1; i < events.size(); ++i) CHECK(events[i - 1].seq < events[i].seq);
  // Each thread's events were stored in the order it sent them.
  std::map<std::string, int> next_of_contact;
  for (const auto& event : events) {
    const auto dash = event.id.find('-');
    CHECK(std::stoi(event.id.substr(dash + 1)) == next_of_contact[event.contact]++);
  }
  const auto stats = store->stats();
  CHECK(stats.works == kThreads * kCalls + 1);
  CHECK(stats.largest_batch <= SqliteStore::kMaxBatch);
}

TEST_CASE("transact called from inside a work callback throws instead of waiting for itself") {
  SqliteStore store(":memory:");
  CHECK_THROWS_WITH(store.transact([&](Transaction&) { store.transact([](Transaction&) {}); }),
                    Catch::Contains("inside a transact() callback"));
  // The store is still usable afterwards.
  auto event = make_event("after");
  store.transact([&](Transaction& tx) { tx.insert_event(event); });
  CHECK(stored_event_ids(store) == std::vector<std::string>{"after"});
}

TEST_CASE("a durable store copies its WAL back on a thread of its own, and the WAL stays bounded") {
  StoreFile file;
  auto store = file.open();
  // ~2,000 commits of a row with a 4 KB property each: well over the 1,000 pages that
  // wake the checkpointer, and over the writer's own 10,000-page backstop.
  const std::string payload(4000, 'x');
  for (int i = 0; i < 12'000; ++i) {
    auto event = make_event("e" + std::to_string(i));
    event.properties_json = "{\"p\":\"" + payload + "\"}";
    store->transact([&](Transaction& tx) { tx.insert_event(event); });
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (store->stats().background_checkpoints == 0 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  CHECK(store->stats().background_checkpoints > 0);
  // The WAL started over: 12,000 commits of a row, its overflow page and an index entry
  // write ~36,000 frames (~150 MB) to it; started over, it is far smaller. (How much
  // smaller varies: the writer lets it start over only when its own backstop checkpoint
  // finds the checkpointer thread between two passes.)
  const auto wal = std::filesystem::file_size(file.path() + "-wal");
  CHECK(wal < 100u * 1024u * 1024u);
  CHECK(stored_event_ids(*store).size() == 12'000);
  store.reset();  // closes; the file reopens with every row
  auto reopened = file.open();
  CHECK(stored_event_ids(*reopened).size() == 12'000);
}
