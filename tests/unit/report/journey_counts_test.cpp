#include <catch2/catch.hpp>

#include "dashboard/dashboard_test_journey.hpp"
#include "report/journey_counts.hpp"
#include "store/store.hpp"

using namespace parcours;

TEST_CASE("a journey's counts are read from the engine's counters, by step kind and per split arm") {
  const auto journey = test::load_journey();
  auto store = store::open_store("sqlite://:memory:");
  store->transact([](store::Transaction& tx) {
    const auto add = [&tx](const char* step, const char* counter, std::int64_t value) {
      tx.add_to_counter("acme", "promo", step, counter, value);
    };
    add("", "enrolled", 10);
    add("", "completed", 2);
    add("", "converted", 3);
    add("", "exited", 1);
    add("pick", "entered", 10);
    add("pick#arm1", "entered", 7);
    add("pick#arm1", "converted", 2);
    add("pick#arm2", "entered", 3);
    add("offer", "entered", 7);
    add("offer", "queued", 7);
    add("offer", "sent", 6);
    add("offer", "delivered", 5);
    add("offer", "failed", 1);
    add("offer", "suppressed", 1);
    add("offer", "suppressed:pressure", 1);
    add("offer", "waiting", 99);  // not a waiting step: ignored
    add("step 3", "entered", 7);
    add("step 3", "waiting", 4);
    tx.add_to_counter("other", "promo", "", "enrolled", 50);  // another client's
  });
  report::JourneyCounts counts;
  store->transact([&](store::Transaction& tx) { counts = report::read_journey_counts(tx, "acme", journey); });

  CHECK(counts.enrolled == 10);
  CHECK(counts.active == 4);
  CHECK(counts.completed == 2);
  CHECK(counts.converted == 3);
  CHECK(counts.exited == 1);
  REQUIRE(counts.steps.size() == 3);
  const auto& pick = counts.steps[0];
  CHECK(pick.label == "pick");
  CHECK(pick.entered == 10);
  REQUIRE(pick.arms.size() == 2);
  CHECK(pick.arms[0].target == "offer");
  CHECK(pick.arms[0].percent == 75);
  CHECK(pick.arms[0].entered == 7);
  CHECK(pick.arms[0].converted == 2);
  CHECK(pick.arms[1].target == "end");
  CHECK(pick.arms[1].entered == 3);
  CHECK(pick.arms[1].converted == 0);
  const auto& offer = counts.steps[1];
  CHECK(offer.sends());
  CHECK(offer.queued == 7);
  CHECK(offer.sent == 6);
  CHECK(offer.delivered == 5);
  CHECK(offer.failed == 1);
  CHECK(offer.suppressed == 1);
  CHECK(offer.suppressed_by.pressure == 1);
  CHECK(offer.suppressed_by.consent == 0);
  CHECK(offer.waiting == 0);
  const auto& wait = counts.steps[2];
  CHECK(wait.label == "step 3");
  CHECK(wait.waits());
  CHECK(wait.waiting == 4);
}

TEST_CASE("active never shows less than nothing, and a rate needs someone to divide by") {
  auto store = store::open_store("sqlite://:memory:");
  store->transact([](store::Transaction& tx) {
    tx.add_to_counter("acme", "promo", "", "enrolled", 1);
    tx.add_to_counter("acme", "promo", "", "completed", 2);  // e.g. counted before a store was restored
  });
  report::JourneyCounts counts;
  store->transact([&](store::Transaction& tx) { counts = report::read_journey_totals(tx, "acme", "promo"); });
  CHECK(counts.active == 0);
  CHECK(report::rate(1, 8) == "12.5%");
  CHECK(report::rate(0, 3) == "0.0%");
  CHECK(report::rate(0, 0) == "–");
  CHECK(report::ratio(1, 8) == 0.125);
  CHECK_FALSE(report::ratio(3, 0).has_value());
}
