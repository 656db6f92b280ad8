#include <catch2/catch.hpp>

#include "store_fixture.hpp"

using namespace parcours::store;
using namespace parcours::store::testing;

TEST_CASE("add_timer assigns increasing ids and due_timers returns every field") {
  SqliteStore store(":memory:");
  auto resume = make_timer(1000, 1, TimerKind::resume);
  auto timeout = make_timer(2000, 2, TimerKind::timeout);
  store.transact([&](Transaction& tx) {
    tx.add_timer(resume);
    tx.add_timer(timeout);
  });
  CHECK(resume.id > 0);
  CHECK(timeout.id > resume.id);

  const auto due = read(store, [](Transaction& tx) { return tx.due_timers(5000, 10); });
  REQUIRE(due.size() == 2);
  check_same_timer(due[0], resume);
  check_same_timer(due[1], timeout);
}

TEST_CASE("due_timers returns timers due at or before now, earliest first, at most limit") {
  SqliteStore store(":memory:");
  std::vector<TimerRecord> timers{make_timer(3000, 1), make_timer(1000, 2), make_timer(2000, 3),
                                  make_timer(2000, 4), make_timer(2001, 5), make_timer(9000, 6)};
  store.transact([&](Transaction& tx) {
    for (auto& timer : timers) tx.add_timer(timer);
  });

  const auto due = read(store, [](Transaction& tx) { return tx.due_timers(2000, 10); });
  REQUIRE(due.size() == 3);
  CHECK(due[0].enrollment == 2);
  CHECK(due[1].enrollment == 3);  // same due time: the one added first comes first
  CHECK(due[2].enrollment == 4);

  const auto limited = read(store, [](Transaction& tx) { return tx.due_timers(5000, 2); });
  REQUIRE(limited.size() == 2);
  CHECK(limited[0].due == 1000);
  CHECK(limited[1].due == 2000);

  CHECK(read(store, [](Transaction& tx) { return tx.due_timers(999, 10); }).empty());
}

TEST_CASE("next_timer_due is the earliest due time, and nothing without timers") {
  SqliteStore store(":memory:");
  CHECK_FALSE(read(store, [](Transaction& tx) { return tx.next_timer_due(); }).has_value());
  auto late = make_timer(9000, 1);
  auto early = make_timer(4000, 2);
  store.transact([&](Transaction& tx) {
    tx.add_timer(late);
    tx.add_timer(early);
  });
  CHECK(read(store, [](Transaction& tx) { return tx.next_timer_due(); }) == std::optional<TimeMs>(4000));
  store.transact([&](Transaction& tx) { tx.delete_timer(early.id); });
  CHECK(read(store, [](Transaction& tx) { return tx.next_timer_due(); }) == std::optional<TimeMs>(9000));
}

TEST_CASE("delete_timer deletes that timer only") {
  SqliteStore store(":memory:");
  auto kept = make_timer(1000, 1);
  auto deleted = make_timer(1000, 1);
  store.transact([&](Transaction& tx) {
    tx.add_timer(kept);
    tx.add_timer(deleted);
    tx.delete_timer(deleted.id);
    tx.delete_timer(12345);  // an unknown id is no error: another worker may have handled it
  });
  const auto left = read(store, [](Transaction& tx) { return tx.due_timers(5000, 10); });
  REQUIRE(left.size() == 1);
  CHECK(left[0].id == kept.id);
}

TEST_CASE("delete_enrollment_timers deletes every timer of that enrollment and no other") {
  SqliteStore store(":memory:");
  std::vector<TimerRecord> timers{make_timer(1000, 1, TimerKind::resume), make_timer(2000, 2),
                                  make_timer(3000, 1, TimerKind::timeout)};
  store.transact([&](Transaction& tx) {
    for (auto& timer : timers) tx.add_timer(timer);
    tx.delete_enrollment_timers(1);
  });
  const auto left = read(store, [](Transaction& tx) { return tx.due_timers(5000, 10); });
  REQUIRE(left.size() == 1);
  CHECK(left[0].enrollment == 2);
}
