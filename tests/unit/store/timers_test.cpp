// Timers live on their enrollments (EnrollmentRecord::wake_at): written with them,
// found by due_enrollments, cleared by an update.
#include <catch2/catch.hpp>

#include "store_fixture.hpp"

using namespace parcours::store;
using namespace parcours::store::testing;

TEST_CASE("an enrollment's timer is stored with it, and due_enrollments returns it whole") {
  SqliteStore store(":memory:");
  auto resume = make_waiting("ann", 1000, TimerKind::resume);
  auto timeout = make_waiting("bob", 2000, TimerKind::timeout);
  auto none = make_enrollment("cid");  // waits for an event with no timeout: no timer
  store.transact([&](Transaction& tx) {
    tx.insert_enrollment(resume);
    tx.insert_enrollment(timeout);
    tx.insert_enrollment(none);
  });
  const auto due = read(store, [](Transaction& tx) { return tx.due_enrollments(5000, 10); });
  REQUIRE(due.size() == 2);
  check_same_enrollment(due[0], resume);
  check_same_enrollment(due[1], timeout);
  const auto found = read(store, [&](Transaction& tx) { return tx.find_enrollment(none.id); });
  REQUIRE(found);
  CHECK_FALSE(found->wake_at);
}

TEST_CASE("due_enrollments returns those due at or before now, earliest first, at most limit") {
  SqliteStore store(":memory:");
  std::vector<EnrollmentRecord> waiting{make_waiting("c1", 3000), make_waiting("c2", 1000), make_waiting("c3", 2000),
                                        make_waiting("c4", 2000), make_waiting("c5", 2001), make_waiting("c6", 9000)};
  store.transact([&](Transaction& tx) {
    for (auto& enrollment : waiting) tx.insert_enrollment(enrollment);
  });

  const auto due = read(store, [](Transaction& tx) { return tx.due_enrollments(2000, 10); });
  REQUIRE(due.size() == 3);
  CHECK(due[0].contact == "c2");
  CHECK(due[1].contact == "c3");  // same due time: the one stored first comes first
  CHECK(due[2].contact == "c4");

  const auto limited = read(store, [](Transaction& tx) { return tx.due_enrollments(5000, 2); });
  REQUIRE(limited.size() == 2);
  CHECK(limited[0].wake_at == std::optional<TimeMs>(1000));
  CHECK(limited[1].wake_at == std::optional<TimeMs>(2000));

  CHECK(read(store, [](Transaction& tx) { return tx.due_enrollments(999, 10); }).empty());
}

TEST_CASE("an update moves or clears the timer; next_timer_due is the earliest left, and nothing without one") {
  SqliteStore store(":memory:");
  CHECK_FALSE(read(store, [](Transaction& tx) { return tx.next_timer_due(); }).has_value());
  auto late = make_waiting("late", 9000);
  auto early = make_waiting("early", 4000, TimerKind::timeout);
  store.transact([&](Transaction& tx) {
    tx.insert_enrollment(late);
    tx.insert_enrollment(early);
  });
  CHECK(read(store, [](Transaction& tx) { return tx.next_timer_due(); }) == std::optional<TimeMs>(4000));

  early.wake_at.reset();  // it woke: no timer any more
  early.status = EnrollmentStatus::completed;
  store.transact([&](Transaction& tx) { tx.update_enrollment(early); });
  CHECK(read(store, [](Transaction& tx) { return tx.next_timer_due(); }) == std::optional<TimeMs>(9000));
  CHECK(read(store, [](Transaction& tx) { return tx.due_enrollments(5000, 10); }).empty());

  late.wake_at = 3000;  // waiting again, sooner
  late.wake_kind = TimerKind::timeout;
  store.transact([&](Transaction& tx) { tx.update_enrollment(late); });
  const auto due = read(store, [](Transaction& tx) { return tx.due_enrollments(5000, 10); });
  REQUIRE(due.size() == 1);
  check_same_enrollment(due[0], late);
}
