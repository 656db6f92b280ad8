#include <catch2/catch.hpp>

#include "store_fixture.hpp"

using namespace parcours::store;
using namespace parcours::store::testing;

TEST_CASE("an unknown contact is not found") {
  SqliteStore store(":memory:");
  CHECK_FALSE(read(store, [](Transaction& tx) { return tx.find_contact("acme", "nobody"); }).has_value());
}

TEST_CASE("upsert_contact inserts a contact, then replaces its attributes") {
  SqliteStore store(":memory:");
  ContactRecord contact{"acme", "c1", R"({"topic":"travel"})", 1000};
  store.transact([&](Transaction& tx) { tx.upsert_contact(contact); });
  auto found = read(store, [](Transaction& tx) { return tx.find_contact("acme", "c1"); });
  REQUIRE(found);
  CHECK(found->client == "acme");
  CHECK(found->id == "c1");
  CHECK(found->attributes_json == R"({"topic":"travel"})");
  CHECK(found->updated_at == 1000);

  contact.attributes_json = R"({"topic":"media","vip":true})";
  contact.updated_at = 2000;
  store.transact([&](Transaction& tx) { tx.upsert_contact(contact); });
  found = read(store, [](Transaction& tx) { return tx.find_contact("acme", "c1"); });
  REQUIRE(found);
  CHECK(found->attributes_json == R"({"topic":"media","vip":true})");
  CHECK(found->updated_at == 2000);
  // Another client's contact of the same id is another contact.
  CHECK_FALSE(read(store, [](Transaction& tx) { return tx.find_contact("globex", "c1"); }).has_value());
}

TEST_CASE("insert_enrollment assigns increasing ids and find_enrollment returns every field") {
  SqliteStore store(":memory:");
  auto first = make_enrollment("c1");
  auto second = make_enrollment("c2", "cart");
  second.status = EnrollmentStatus::active;
  second.waiting_for = "";
  store.transact([&](Transaction& tx) {
    tx.insert_enrollment(first);
    tx.insert_enrollment(second);
  });
  CHECK(first.id > 0);
  CHECK(second.id > first.id);

  const auto found = read(store, [&](Transaction& tx) { return tx.find_enrollment(first.id); });
  REQUIRE(found);
  check_same_enrollment(*found, first);
  CHECK_FALSE(read(store, [](Transaction& tx) { return tx.find_enrollment(999); }).has_value());
}

TEST_CASE("update_enrollment writes its step, status, event in scope and times") {
  SqliteStore store(":memory:");
  auto enrollment = make_enrollment("c1");
  store.transact([&](Transaction& tx) { tx.insert_enrollment(enrollment); });

  enrollment.run = 3;
  enrollment.step = 9;
  enrollment.status = EnrollmentStatus::converted;
  enrollment.event_json = R"({"type":"order.completed"})";
  enrollment.waiting_for = "";
  enrollment.entered_at = 42;
  enrollment.updated_at = 1'800'000'000'000;
  store.transact([&](Transaction& tx) { tx.update_enrollment(enrollment); });

  const auto found = read(store, [&](Transaction& tx) { return tx.find_enrollment(enrollment.id); });
  REQUIRE(found);
  check_same_enrollment(*found, enrollment);
}

TEST_CASE("updating an enrollment that does not exist throws a StoreError naming its id") {
  SqliteStore store(":memory:");
  auto ghost = make_enrollment("c1");
  ghost.id = 77;
  CHECK_THROWS_WITH(store.transact([&](Transaction& tx) { tx.update_enrollment(ghost); }),
                    Catch::Contains("no enrollment with id 77"));
}

TEST_CASE("contact_enrollments lists the contact's enrollments in every journey, oldest first, and no one else's") {
  SqliteStore store(":memory:");
  auto welcome = make_enrollment("c1", "welcome");
  auto other_contact = make_enrollment("c2", "welcome");
  auto cart = make_enrollment("c1", "cart");
  auto other_client = make_enrollment("c1", "welcome", "globex");
  auto welcome_again = make_enrollment("c1", "welcome");
  welcome_again.run = 3;
  store.transact([&](Transaction& tx) {
    for (auto* enrollment : {&welcome, &other_contact, &cart, &other_client, &welcome_again})
      tx.insert_enrollment(*enrollment);
  });

  const auto found = read(store, [](Transaction& tx) { return tx.contact_enrollments("acme", "c1"); });
  REQUIRE(found.size() == 3);
  check_same_enrollment(found[0], welcome);
  check_same_enrollment(found[1], cart);
  check_same_enrollment(found[2], welcome_again);
  CHECK(read(store, [](Transaction& tx) { return tx.contact_enrollments("acme", "nobody"); }).empty());
}

TEST_CASE("erase_contact deletes everything about one contact and nothing about others") {
  SqliteStore store(":memory:");
  auto ann = make_waiting("ann", 9000);
  auto bob = make_waiting("bob", 9000);
  store.transact([&](Transaction& tx) {
    tx.upsert_contact({"acme", "ann", R"({"email":"ann@example.test"})", 1000});
    tx.upsert_contact({"acme", "bob", R"({"email":"bob@example.test"})", 1000});
    auto e1 = make_event("e1", "ann"), e2 = make_event("e2", "bob");
    tx.insert_event(e1);
    tx.insert_event(e2);
    tx.insert_enrollment(ann);
    tx.insert_enrollment(bob);
    auto m1 = make_message("k-ann", MessageStatus::queued, 5000, "ann");
    auto m2 = make_message("k-bob", MessageStatus::queued, 5000, "bob");
    tx.insert_message(m1);
    tx.insert_message(m2);
    tx.add_to_counter("acme", "welcome", "", "enrolled", 2);
  });
  CHECK(read(store, [](Transaction& tx) { return tx.erase_contact("acme", "ann"); }) == 1);
  store.transact([&](Transaction& tx) {
    CHECK_FALSE(tx.find_contact("acme", "ann"));
    CHECK(tx.contact_enrollments("acme", "ann").empty());
    CHECK(tx.due_enrollments(9000, 10).size() == 1);  // bob's timer only
    CHECK(tx.contact_messages("acme", "ann", 10).empty());
    auto again = make_event("e1", "ann");
    CHECK(tx.insert_event(again));  // the event log forgot it too
    CHECK(tx.find_contact("acme", "bob"));
    CHECK(tx.contact_enrollments("acme", "bob").size() == 1);
    CHECK(tx.next_timer_due() == std::optional<TimeMs>(9000));
    CHECK(tx.contact_messages("acme", "bob", 10).size() == 1);
    CHECK(tx.counter("acme", "welcome", "", "enrolled") == 2);  // aggregates stay
  });
}

TEST_CASE("contact_messages lists the latest first, at most limit") {
  SqliteStore store(":memory:");
  store.transact([&](Transaction& tx) {
    for (int i = 0; i < 5; ++i) {
      auto message = make_message("k" + std::to_string(i), MessageStatus::delivered, 5000, "ann");
      message.updated_at = 1000 + i;
      tx.insert_message(message);
    }
  });
  const auto latest = read(store, [](Transaction& tx) { return tx.contact_messages("acme", "ann", 2); });
  REQUIRE(latest.size() == 2);
  CHECK(latest[0].idempotency_key == "k4");
  CHECK(latest[1].idempotency_key == "k3");
}
