// Transaction on SQLite: every method is one statement prepared when the store opens
// and reused for its whole life. It runs inside the transaction SqliteStore opened;
// it never begins or ends one itself.
//
// Counter additions are the exception: they wait in memory and are written once per
// counter when the physical transaction commits (SqliteStore calls flush_counters()
// just before COMMIT). Every work the engine does adds to the same few counters
// (enrolled, entered, waiting...), so a group commit of 50 single-event works wrote
// 150 upserts of 3 rows; it now writes 3. counter() reads the stored value plus what
// waits, so a work sees its own additions.
#pragma once

#include <map>
#include <string>
#include <tuple>

#include "store/sqlite_connection.hpp"
#include "store/store.hpp"

namespace parcours::store {

class SqliteTransaction final : public Transaction {
 public:
  // Prepares every statement: the schema must be migrated already.
  explicit SqliteTransaction(Connection& connection);

  bool insert_event(EventRecord& event) override;
  void mark_event_processed(std::int64_t seq) override;
  bool other_event_with_id_prefix(std::string_view client, std::string_view prefix, std::int64_t seq) override;
  std::vector<EventRecord> unprocessed_events(std::size_t limit) override;

  std::optional<ContactRecord> find_contact(std::string_view client, std::string_view id) override;
  void upsert_contact(const ContactRecord& contact) override;

  void insert_enrollment(EnrollmentRecord& enrollment) override;
  void update_enrollment(const EnrollmentRecord& enrollment) override;
  std::optional<EnrollmentRecord> find_enrollment(std::int64_t id) override;
  std::vector<EnrollmentRecord> contact_enrollments(std::string_view client, std::string_view contact) override;

  std::vector<EnrollmentRecord> due_enrollments(TimeMs now, std::size_t limit) override;
  std::optional<TimeMs> next_timer_due() override;

  void insert_message(MessageRecord& message) override;
  void update_message(const MessageRecord& message) override;
  std::vector<MessageRecord> due_messages(TimeMs now, std::size_t limit) override;
  std::optional<TimeMs> next_message_due() override;
  std::size_t requeue_sent_messages(TimeMs now) override;
  std::optional<MessageRecord> find_message(std::string_view client, std::string_view idempotency_key) override;
  std::vector<MessageRecord> contact_messages(std::string_view client, std::string_view contact,
                                              std::size_t limit) override;
  std::size_t erase_contact(std::string_view client, std::string_view contact) override;
  std::string host_setting(std::string_view key, std::string_view value_if_absent) override;
  int count_recent_messages(std::string_view client, std::string_view contact, std::string_view channel,
                            TimeMs since) override;

  void add_to_counter(std::string_view client, std::string_view journey, std::string_view step,
                      std::string_view counter, std::int64_t delta) override;
  std::int64_t counter(std::string_view client, std::string_view journey, std::string_view step,
                       std::string_view counter) override;

  // For SqliteStore, around each work and each physical transaction.
  void keep_work_counters();  // the work succeeded: its additions join the transaction's
  void drop_work_counters();  // the work was undone: so are its additions
  void flush_counters();      // before COMMIT: write the transaction's additions (throws StoreError)
  void drop_counters();       // the transaction ended without them (rolled back, or flushed)

 private:
  Connection& connection_;
  Statement insert_event_;
  Statement mark_event_processed_;
  Statement other_event_with_id_prefix_;
  Statement unprocessed_events_;
  Statement find_contact_;
  Statement upsert_contact_;
  Statement insert_enrollment_;
  Statement update_enrollment_;
  Statement find_enrollment_;
  Statement contact_enrollments_;
  Statement due_enrollments_;
  Statement next_timer_due_;
  Statement insert_message_;
  Statement update_message_;
  Statement due_messages_;
  Statement next_message_due_;
  Statement requeue_sent_messages_;
  Statement count_recent_messages_;
  Statement add_to_counter_;
  Statement counter_;

  using CounterKey = std::tuple<std::string, std::string, std::string, std::string>;
  std::map<CounterKey, std::int64_t> work_counters_;         // the running work's additions
  std::map<CounterKey, std::int64_t> transaction_counters_;  // those of the works kept so far
};

}  // namespace parcours::store
