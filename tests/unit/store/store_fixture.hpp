// What the store tests share: a store on a file in a fresh temporary folder, records
// with every field set to something recognisable, and a one-line way to read through
// a transaction.
#pragma once

#include <catch2/catch.hpp>

#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "store/sqlite_store.hpp"
#include "store/store.hpp"
#include "support/temporary_config.hpp"

namespace parcours::store::testing {

// A database file in its own temporary folder, removed with the object.
class StoreFile {
 public:
  std::string path() const { return (folder_.root() / "parcours.db").string(); }
  std::unique_ptr<SqliteStore> open() const { return std::make_unique<SqliteStore>(path()); }
  const std::filesystem::path& folder() const { return folder_.root(); }

 private:
  TemporaryConfig folder_;
};

// Runs `work` in a transaction of its own and returns what it returns.
template <typename Work>
auto read(Store& store, Work work) {
  std::optional<decltype(work(std::declval<Transaction&>()))> result;
  store.transact([&](Transaction& tx) { result.emplace(work(tx)); });
  return std::move(*result);
}

inline EventRecord make_event(const std::string& id, const std::string& contact = "c1", TimeMs time = 1000,
                              const std::string& client = "acme") {
  EventRecord event;
  event.client = client;
  event.id = id;
  event.type = "form.submitted";
  event.contact = contact;
  event.time = time;
  event.properties_json = R"({"form":"newsletter","id":")" + id + R"("})";
  event.attributes_json = R"({"topic":"travel"})";
  return event;
}

inline EnrollmentRecord make_enrollment(const std::string& contact, const std::string& journey = "welcome",
                                        const std::string& client = "acme") {
  EnrollmentRecord enrollment;
  enrollment.client = client;
  enrollment.journey = journey;
  enrollment.contact = contact;
  enrollment.run = 2;
  enrollment.step = 3;
  enrollment.status = EnrollmentStatus::waiting;
  enrollment.event_json = R"({"type":"form.submitted"})";
  enrollment.waiting_for = "order.completed";
  enrollment.entered_at = 1'700'000'000'000;
  enrollment.updated_at = 1'700'000'000'500;
  return enrollment;
}

// An enrollment waiting on a timer due at `due`.
inline EnrollmentRecord make_waiting(const std::string& contact, TimeMs due, TimerKind kind = TimerKind::resume) {
  EnrollmentRecord enrollment = make_enrollment(contact);
  enrollment.wake_at = due;
  enrollment.wake_kind = kind;
  return enrollment;
}

inline MessageRecord make_message(const std::string& key, MessageStatus status = MessageStatus::queued,
                                  TimeMs due = 5000, const std::string& contact = "c1",
                                  const std::string& channel = "email") {
  MessageRecord message;
  message.idempotency_key = key;
  message.client = "acme";
  message.journey = "welcome";
  message.step = "first-email";
  message.contact = contact;
  message.channel = channel;
  message.enrollment = 7;
  message.params_json = R"({"template":"welcome"})";
  message.event_json = R"({"type":"form.submitted"})";
  message.transactional = false;
  message.status = status;
  message.reason = "";
  message.attempts = 0;
  message.created_at = 1000;
  message.due = due;
  message.updated_at = 1000;
  return message;
}

// The message of the StoreError `action` throws; fails the test when it throws none.
template <typename Action>
std::string store_error_of(Action action) {
  try {
    action();
  } catch (const StoreError& error) {
    return error.what();
  }
  FAIL("no StoreError was thrown");
  return {};
}

// Field by field, so a failure names the field.
inline void check_same_event(const EventRecord& got, const EventRecord& expected) {
  CHECK(got.seq == expected.seq);
  CHECK(got.client == expected.client);
  CHECK(got.id == expected.id);
  CHECK(got.type == expected.type);
  CHECK(got.contact == expected.contact);
  CHECK(got.time == expected.time);
  CHECK(got.properties_json == expected.properties_json);
  CHECK(got.attributes_json == expected.attributes_json);
  CHECK(got.processed == expected.processed);
}

inline void check_same_enrollment(const EnrollmentRecord& got, const EnrollmentRecord& expected) {
  CHECK(got.id == expected.id);
  CHECK(got.client == expected.client);
  CHECK(got.journey == expected.journey);
  CHECK(got.contact == expected.contact);
  CHECK(got.run == expected.run);
  CHECK(got.step == expected.step);
  CHECK(got.status == expected.status);
  CHECK(got.event_json == expected.event_json);
  CHECK(got.waiting_for == expected.waiting_for);
  CHECK(got.entered_at == expected.entered_at);
  CHECK(got.updated_at == expected.updated_at);
  CHECK(got.wake_at == expected.wake_at);
  CHECK(got.wake_kind == expected.wake_kind);
}

inline void check_same_message(const MessageRecord& got, const MessageRecord& expected) {
  CHECK(got.id == expected.id);
  CHECK(got.idempotency_key == expected.idempotency_key);
  CHECK(got.client == expected.client);
  CHECK(got.journey == expected.journey);
  CHECK(got.step == expected.step);
  CHECK(got.contact == expected.contact);
  CHECK(got.channel == expected.channel);
  CHECK(got.enrollment == expected.enrollment);
  CHECK(got.params_json == expected.params_json);
  CHECK(got.event_json == expected.event_json);
  CHECK(got.transactional == expected.transactional);
  CHECK(got.status == expected.status);
  CHECK(got.reason == expected.reason);
  CHECK(got.attempts == expected.attempts);
  CHECK(got.created_at == expected.created_at);
  CHECK(got.due == expected.due);
  CHECK(got.updated_at == expected.updated_at);
}

}  // namespace parcours::store::testing
