#include <catch2/catch.hpp>

#include "store_fixture.hpp"

using namespace parcours::store;
using namespace parcours::store::testing;

TEST_CASE("insert_message assigns increasing ids and due_messages returns every field") {
  SqliteStore store(":memory:");
  auto first = make_message("k1", MessageStatus::queued, 3000);
  first.transactional = true;
  first.attempts = 2;
  first.reason = "retry: 451 try later";
  auto second = make_message("k2", MessageStatus::queued, 4000, "c2", "sms");
  store.transact([&](Transaction& tx) {
    tx.insert_message(first);
    tx.insert_message(second);
  });
  CHECK(first.id > 0);
  CHECK(second.id > first.id);

  const auto due = read(store, [](Transaction& tx) { return tx.due_messages(5000, 10); });
  REQUIRE(due.size() == 2);
  check_same_message(due[0], first);
  check_same_message(due[1], second);
}

TEST_CASE("due_messages returns only queued messages due at or before now, earliest first, at most limit") {
  SqliteStore store(":memory:");
  std::vector<MessageRecord> messages{
      make_message("late", MessageStatus::queued, 3000),      make_message("early", MessageStatus::queued, 1000),
      make_message("tie-a", MessageStatus::queued, 2000),     make_message("tie-b", MessageStatus::queued, 2000),
      make_message("future", MessageStatus::queued, 9000),    make_message("sent", MessageStatus::sent, 500),
      make_message("done", MessageStatus::delivered, 500),    make_message("failed", MessageStatus::failed, 500),
      make_message("skipped", MessageStatus::suppressed, 500)};
  store.transact([&](Transaction& tx) {
    for (auto& message : messages) tx.insert_message(message);
  });

  const auto due = read(store, [](Transaction& tx) { return tx.due_messages(3000, 10); });
  REQUIRE(due.size() == 4);
  CHECK(due[0].idempotency_key == "early");
  CHECK(due[1].idempotency_key == "tie-a");
  CHECK(due[2].idempotency_key == "tie-b");
  CHECK(due[3].idempotency_key == "late");

  const auto limited = read(store, [](Transaction& tx) { return tx.due_messages(3000, 2); });
  REQUIRE(limited.size() == 2);
  CHECK(limited[1].idempotency_key == "tie-a");
  CHECK(read(store, [](Transaction& tx) { return tx.due_messages(999, 10); }).empty());
}

TEST_CASE("next_message_due is the earliest due time of a queued message, and nothing without one") {
  SqliteStore store(":memory:");
  CHECK_FALSE(read(store, [](Transaction& tx) { return tx.next_message_due(); }).has_value());
  std::vector<MessageRecord> messages{make_message("sent", MessageStatus::sent, 100),
                                      make_message("queued", MessageStatus::queued, 7000),
                                      make_message("failed", MessageStatus::failed, 200)};
  store.transact([&](Transaction& tx) {
    for (auto& message : messages) tx.insert_message(message);
  });
  CHECK(read(store, [](Transaction& tx) { return tx.next_message_due(); }) == std::optional<TimeMs>(7000));

  messages[1].status = MessageStatus::delivered;
  store.transact([&](Transaction& tx) { tx.update_message(messages[1]); });
  CHECK_FALSE(read(store, [](Transaction& tx) { return tx.next_message_due(); }).has_value());
}

TEST_CASE("update_message writes status, reason, attempts and times") {
  SqliteStore store(":memory:");
  auto message = make_message("k1");
  store.transact([&](Transaction& tx) { tx.insert_message(message); });

  message.status = MessageStatus::queued;
  message.reason = "retry: connection refused";
  message.attempts = 3;
  message.due = 8000;
  message.updated_at = 7000;
  store.transact([&](Transaction& tx) { tx.update_message(message); });
  const auto due = read(store, [](Transaction& tx) { return tx.due_messages(8000, 10); });
  REQUIRE(due.size() == 1);
  check_same_message(due[0], message);

  message.status = MessageStatus::suppressed;
  message.reason = "pressure";
  store.transact([&](Transaction& tx) { tx.update_message(message); });
  CHECK(read(store, [](Transaction& tx) { return tx.due_messages(8000, 10); }).empty());
}

TEST_CASE("find_message finds a client's message by its idempotency key, and no other client's") {
  SqliteStore store(":memory:");
  auto message = make_message("k1", MessageStatus::sent, 3000, "c2", "popup");
  auto other = make_message("k2");
  other.client = "globex";
  store.transact([&](Transaction& tx) {
    tx.insert_message(message);
    tx.insert_message(other);
  });
  message.status = MessageStatus::delivered;
  message.provider_id = "p-1";  // the popup's id, as a channel answers it
  store.transact([&](Transaction& tx) { tx.update_message(message); });
  const auto found = read(store, [](Transaction& tx) { return tx.find_message("acme", "k1"); });
  REQUIRE(found.has_value());
  check_same_message(*found, message);
  CHECK(found->provider_id == "p-1");
  CHECK_FALSE(read(store, [](Transaction& tx) { return tx.find_message("acme", "k2"); }).has_value());
  CHECK(read(store, [](Transaction& tx) { return tx.find_message("globex", "k2"); }).has_value());
  CHECK_FALSE(read(store, [](Transaction& tx) { return tx.find_message("acme", "k3"); }).has_value());
}

TEST_CASE("updating a message that does not exist throws a StoreError naming it") {
  SqliteStore store(":memory:");
  auto ghost = make_message("ghost-key");
  ghost.id = 55;
  CHECK_THROWS_WITH(store.transact([&](Transaction& tx) { tx.update_message(ghost); }),
                    Catch::Contains("no message with id 55") && Catch::Contains("ghost-key"));
}

TEST_CASE("a second message with the same idempotency key is refused with a StoreError naming the key") {
  SqliteStore store(":memory:");
  auto first = make_message("dup-key");
  store.transact([&](Transaction& tx) { tx.insert_message(first); });
  auto second = make_message("dup-key", MessageStatus::queued, 1);
  CHECK_THROWS_WITH(store.transact([&](Transaction& tx) { tx.insert_message(second); }),
                    Catch::Contains("dup-key") && Catch::Contains("UNIQUE"));
  const auto due = read(store, [](Transaction& tx) { return tx.due_messages(10'000, 10); });
  REQUIRE(due.size() == 1);
  CHECK(due[0].id == first.id);
}

TEST_CASE("count_recent_messages counts sent and delivered non-transactional messages since a time") {
  SqliteStore store(":memory:");
  auto sent = [](const std::string& key, MessageStatus status, TimeMs at, const std::string& contact = "c1",
                 const std::string& channel = "email") {
    auto message = make_message(key, status, at, contact, channel);
    message.created_at = at - 10;
    message.updated_at = at;
    return message;
  };
  std::vector<MessageRecord> messages{
      sent("email-sent", MessageStatus::sent, 100),  // exactly at `since`: counts
      sent("sms-delivered", MessageStatus::delivered, 200, "c1", "sms"),
      sent("before", MessageStatus::delivered, 99),
      sent("queued", MessageStatus::queued, 300),
      sent("failed", MessageStatus::failed, 300),
      sent("suppressed", MessageStatus::suppressed, 300),
      sent("other-contact", MessageStatus::delivered, 300, "c2"),
  };
  auto transactional = sent("receipt", MessageStatus::delivered, 300);
  transactional.transactional = true;
  messages.push_back(transactional);
  // Queued long ago, held by quiet hours, sent just now: pressure counts it now.
  auto deferred = sent("deferred", MessageStatus::delivered, 400, "c1", "push");
  deferred.created_at = 1;
  messages.push_back(deferred);
  store.transact([&](Transaction& tx) {
    for (auto& message : messages) tx.insert_message(message);
  });

  auto count = [&](std::string_view channel, TimeMs since) {
    return read(store, [&](Transaction& tx) { return tx.count_recent_messages("acme", "c1", channel, since); });
  };
  CHECK(count("", 100) == 3);
  CHECK(count("email", 100) == 1);
  CHECK(count("sms", 100) == 1);
  CHECK(count("push", 100) == 1);
  CHECK(count("fax", 100) == 0);
  CHECK(count("", 201) == 1);
  CHECK(count("", 0) == 4);
  CHECK(read(store, [](Transaction& tx) { return tx.count_recent_messages("globex", "c1", "", 0); }) == 0);
}

TEST_CASE("requeue_sent_messages puts messages left sent back in the outbox with their key, and only those") {
  SqliteStore store(":memory:");
  auto in_flight = make_message("k-sent", MessageStatus::sent, 1000);
  auto delivered = make_message("k-done", MessageStatus::delivered, 1000);
  auto queued = make_message("k-later", MessageStatus::queued, 9000);
  store.transact([&](Transaction& tx) {
    tx.insert_message(in_flight);
    tx.insert_message(delivered);
    tx.insert_message(queued);
  });
  CHECK(read(store, [](Transaction& tx) { return tx.requeue_sent_messages(5000); }) == 1);
  const auto due = read(store, [](Transaction& tx) { return tx.due_messages(5000, 10); });
  REQUIRE(due.size() == 1);
  CHECK(due[0].idempotency_key == "k-sent");
  CHECK(due[0].status == MessageStatus::queued);
  CHECK(due[0].due == 5000);
  CHECK(read(store, [](Transaction& tx) { return tx.requeue_sent_messages(6000); }) == 0);
}
