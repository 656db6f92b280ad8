#include "store/sqlite_transaction.hpp"

#include <algorithm>
#include <limits>
#include <string>

namespace parcours::store {
namespace {

// An update writes every field but those that identify the row and are indexed
// (client, contact, the idempotency key): they never change, and leaving them out
// spares the indexes a rewrite.
constexpr std::string_view kEventColumns = "seq, client, id, type, contact, time, properties, attributes, processed";
constexpr std::string_view kEnrollmentColumns =
    "id, client, journey, contact, run, step, status, event, waiting_for, entered_at, updated_at, wake_at, wake_kind";
constexpr std::string_view kMessageColumns =
    "id, idempotency_key, client, journey, step, contact, channel, enrollment, params, event, transactional, status, "
    "reason, attempts, created_at, due, updated_at, provider_id, provider_answer";

std::string select_from(std::string_view columns, std::string_view rest) {
  return "SELECT " + std::string(columns) + " " + std::string(rest);
}

std::int64_t sql_limit(std::size_t limit) {
  return static_cast<std::int64_t>(std::min<std::size_t>(limit, std::numeric_limits<std::int64_t>::max()));
}

// Vectors grow as rows come; a huge limit must not reserve a huge block up front.
std::size_t initial_capacity(std::size_t limit) {
  return std::min<std::size_t>(limit, 256);
}

std::string_view timer_kind_name(TimerKind kind) {
  return kind == TimerKind::timeout ? "timeout" : "resume";
}

// An enrollment's timer, at `first` (wake_at) and `first + 1` (wake_kind).
void bind_timer(Statement& use, int first, const EnrollmentRecord& enrollment) {
  if (enrollment.wake_at)
    use.bind(first, *enrollment.wake_at);
  else
    use.bind_null(first);
  use.bind(first + 1, timer_kind_name(enrollment.wake_kind));
}

[[noreturn]] void fail_unknown(const Connection& connection, std::string_view what, std::string_view value) {
  throw StoreError("store " + connection.path() + ": unknown " + std::string(what) + " '" + std::string(value) +
                   "' in the database (written by another version of parcours?)");
}

EventRecord read_event(const Statement& row) {
  EventRecord event;
  event.seq = row.integer(0);
  event.client = row.text(1);
  event.id = row.text(2);
  event.type = row.text(3);
  event.contact = row.text(4);
  event.time = row.integer(5);
  event.properties_json = row.text(6);
  event.attributes_json = row.text(7);
  event.processed = row.integer(8) != 0;
  return event;
}

EnrollmentRecord read_enrollment(const Connection& connection, const Statement& row) {
  EnrollmentRecord enrollment;
  enrollment.id = row.integer(0);
  enrollment.client = row.text(1);
  enrollment.journey = row.text(2);
  enrollment.contact = row.text(3);
  enrollment.run = static_cast<int>(row.integer(4));
  enrollment.step = row.integer(5);
  const std::string status = row.text(6);
  const auto parsed = parse_enrollment_status(status);
  if (!parsed) fail_unknown(connection, "enrollment status", status);
  enrollment.status = *parsed;
  enrollment.event_json = row.text(7);
  enrollment.waiting_for = row.text(8);
  enrollment.entered_at = row.integer(9);
  enrollment.updated_at = row.integer(10);
  if (!row.is_null(11)) enrollment.wake_at = row.integer(11);
  const std::string kind = row.text(12);
  if (kind == "resume")
    enrollment.wake_kind = TimerKind::resume;
  else if (kind == "timeout")
    enrollment.wake_kind = TimerKind::timeout;
  else
    fail_unknown(connection, "timer kind", kind);
  return enrollment;
}

MessageRecord read_message(const Connection& connection, const Statement& row) {
  MessageRecord message;
  message.id = row.integer(0);
  message.idempotency_key = row.text(1);
  message.client = row.text(2);
  message.journey = row.text(3);
  message.step = row.text(4);
  message.contact = row.text(5);
  message.channel = row.text(6);
  message.enrollment = row.integer(7);
  message.params_json = row.text(8);
  message.event_json = row.text(9);
  message.transactional = row.integer(10) != 0;
  const std::string status = row.text(11);
  const auto parsed = parse_message_status(status);
  if (!parsed) fail_unknown(connection, "message status", status);
  message.status = *parsed;
  message.reason = row.text(12);
  message.attempts = static_cast<int>(row.integer(13));
  message.created_at = row.integer(14);
  message.due = row.integer(15);
  message.updated_at = row.integer(16);
  message.provider_id = row.text(17);
  message.provider_answer = row.text(18);
  return message;
}

std::optional<TimeMs> read_optional_time(Statement& statement) {
  auto use = statement.use();
  if (!use->step() || use->is_null(0)) return std::nullopt;
  return use->integer(0);
}

}  // namespace

SqliteTransaction::SqliteTransaction(Connection& connection)
    : connection_(connection),
      insert_event_(connection,
                    "INSERT INTO events (client, id, type, contact, time, properties, attributes, processed) "
                    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT (client, id) DO NOTHING"),
      mark_event_processed_(connection, "UPDATE events SET processed = 1 WHERE seq = ?1"),
      // A range on the (client, id) unique index: ids from the prefix up to the prefix
      // followed by the highest code point, which no id reaches.
      other_event_with_id_prefix_(connection,
                                  "SELECT 1 FROM events WHERE client = ?1 AND id >= ?2 AND id < ?2 || char(1114111) "
                                  "AND seq <> ?3 LIMIT 1"),
      unprocessed_events_(connection,
                          select_from(kEventColumns, "FROM events WHERE processed = 0 ORDER BY seq LIMIT ?1")),
      find_contact_(connection, "SELECT attributes, updated_at FROM contacts WHERE client = ?1 AND id = ?2"),
      upsert_contact_(connection,
                      "INSERT INTO contacts (client, id, attributes, updated_at) VALUES (?1, ?2, ?3, ?4) "
                      "ON CONFLICT (client, id) DO UPDATE SET attributes = excluded.attributes, "
                      "updated_at = excluded.updated_at"),
      insert_enrollment_(connection,
                         "INSERT INTO enrollments (client, journey, contact, run, step, status, event, waiting_for, "
                         "entered_at, updated_at, wake_at, wake_kind) "
                         "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)"),
      update_enrollment_(connection,
                         "UPDATE enrollments SET journey = ?2, run = ?3, step = ?4, status = ?5, event = ?6, "
                         "waiting_for = ?7, entered_at = ?8, updated_at = ?9, wake_at = ?10, wake_kind = ?11 "
                         "WHERE id = ?1"),
      find_enrollment_(connection, select_from(kEnrollmentColumns, "FROM enrollments WHERE id = ?1")),
      contact_enrollments_(connection, select_from(kEnrollmentColumns,
                                                   "FROM enrollments WHERE client = ?1 AND contact = ?2 ORDER BY id")),
      due_enrollments_(connection, select_from(kEnrollmentColumns,
                                               "FROM enrollments WHERE wake_at IS NOT NULL AND wake_at <= ?1 "
                                               "ORDER BY wake_at, id LIMIT ?2")),
      next_timer_due_(connection, "SELECT min(wake_at) FROM enrollments WHERE wake_at IS NOT NULL"),
      insert_message_(connection,
                      "INSERT INTO messages (idempotency_key, client, journey, step, contact, channel, enrollment, "
                      "params, event, transactional, status, reason, attempts, created_at, due, updated_at) "
                      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)"),
      update_message_(connection,
                      // Only what changes over a message's life: the rest is written once,
                      // and a column left out of SET costs SQLite nothing.
                      "UPDATE messages SET status = ?2, reason = ?3, attempts = ?4, due = ?5, updated_at = ?6, "
                      "provider_id = ?7, provider_answer = ?8 WHERE id = ?1"),
      due_messages_(connection, select_from(kMessageColumns,
                                            "FROM messages WHERE status = 'queued' AND due <= ?1 "
                                            "ORDER BY due, id LIMIT ?2")),
      next_message_due_(connection, "SELECT min(due) FROM messages WHERE status = 'queued'"),
      requeue_sent_messages_(connection,
                             "UPDATE messages SET status = 'queued', due = ?1, updated_at = ?1 WHERE status = 'sent'"),
      count_recent_messages_(connection,
                             "SELECT count(*) FROM messages WHERE client = ?1 AND contact = ?2 AND updated_at >= ?3 "
                             "AND status IN ('sent', 'delivered') AND transactional = 0 "
                             "AND (?4 = '' OR channel = ?4)"),
      add_to_counter_(connection,
                      "INSERT INTO counters (client, journey, step, counter, value) VALUES (?1, ?2, ?3, ?4, ?5) "
                      "ON CONFLICT (client, journey, step, counter) DO UPDATE SET value = value + excluded.value"),
      counter_(connection,
               "SELECT value FROM counters WHERE client = ?1 AND journey = ?2 AND step = ?3 AND counter = ?4") {}

bool SqliteTransaction::insert_event(EventRecord& event) {
  auto use = insert_event_.use();
  use->bind(1, event.client);
  use->bind(2, event.id);
  use->bind(3, event.type);
  use->bind(4, event.contact);
  use->bind(5, event.time);
  use->bind(6, event.properties_json);
  use->bind(7, event.attributes_json);
  use->bind(8, std::int64_t{event.processed ? 1 : 0});
  use->run_to_end();
  if (use->changes() == 0) return false;  // the client already has this id: ignored
  event.seq = connection_.last_insert_rowid();
  return true;
}

void SqliteTransaction::mark_event_processed(std::int64_t seq) {
  auto use = mark_event_processed_.use();
  use->bind(1, seq);
  use->run_to_end();
  if (use->changes() == 0)
    throw StoreError("store " + connection_.path() + ": no event with seq " + std::to_string(seq) +
                     " to mark processed");
}

bool SqliteTransaction::other_event_with_id_prefix(std::string_view client, std::string_view prefix, std::int64_t seq) {
  auto use = other_event_with_id_prefix_.use();
  use->bind(1, client);
  use->bind(2, prefix);
  use->bind(3, seq);
  return use->step();
}

std::vector<EventRecord> SqliteTransaction::unprocessed_events(std::size_t limit) {
  std::vector<EventRecord> events;
  events.reserve(initial_capacity(limit));
  auto use = unprocessed_events_.use();
  use->bind(1, sql_limit(limit));
  while (use->step()) events.push_back(read_event(unprocessed_events_));
  return events;
}

std::optional<ContactRecord> SqliteTransaction::find_contact(std::string_view client, std::string_view id) {
  auto use = find_contact_.use();
  use->bind(1, client);
  use->bind(2, id);
  if (!use->step()) return std::nullopt;
  ContactRecord contact;
  contact.client = std::string(client);
  contact.id = std::string(id);
  contact.attributes_json = use->text(0);
  contact.updated_at = use->integer(1);
  return contact;
}

void SqliteTransaction::upsert_contact(const ContactRecord& contact) {
  auto use = upsert_contact_.use();
  use->bind(1, contact.client);
  use->bind(2, contact.id);
  use->bind(3, contact.attributes_json);
  use->bind(4, contact.updated_at);
  use->run_to_end();
}

void SqliteTransaction::insert_enrollment(EnrollmentRecord& enrollment) {
  auto use = insert_enrollment_.use();
  use->bind(1, enrollment.client);
  use->bind(2, enrollment.journey);
  use->bind(3, enrollment.contact);
  use->bind(4, std::int64_t{enrollment.run});
  use->bind(5, enrollment.step);
  use->bind(6, to_string(enrollment.status));
  use->bind(7, enrollment.event_json);
  use->bind(8, enrollment.waiting_for);
  use->bind(9, enrollment.entered_at);
  use->bind(10, enrollment.updated_at);
  bind_timer(*use, 11, enrollment);
  use->run_to_end();
  enrollment.id = connection_.last_insert_rowid();
}

void SqliteTransaction::update_enrollment(const EnrollmentRecord& enrollment) {
  auto use = update_enrollment_.use();
  use->bind(1, enrollment.id);
  use->bind(2, enrollment.journey);
  use->bind(3, std::int64_t{enrollment.run});
  use->bind(4, enrollment.step);
  use->bind(5, to_string(enrollment.status));
  use->bind(6, enrollment.event_json);
  use->bind(7, enrollment.waiting_for);
  use->bind(8, enrollment.entered_at);
  use->bind(9, enrollment.updated_at);
  bind_timer(*use, 10, enrollment);
  use->run_to_end();
  if (use->changes() == 0)
    throw StoreError("store " + connection_.path() + ": no enrollment with id " + std::to_string(enrollment.id) +
                     " to update");
}

std::optional<EnrollmentRecord> SqliteTransaction::find_enrollment(std::int64_t id) {
  auto use = find_enrollment_.use();
  use->bind(1, id);
  if (!use->step()) return std::nullopt;
  return read_enrollment(connection_, find_enrollment_);
}

std::vector<EnrollmentRecord> SqliteTransaction::contact_enrollments(std::string_view client,
                                                                     std::string_view contact) {
  std::vector<EnrollmentRecord> enrollments;
  auto use = contact_enrollments_.use();
  use->bind(1, client);
  use->bind(2, contact);
  while (use->step()) enrollments.push_back(read_enrollment(connection_, contact_enrollments_));
  return enrollments;
}

std::vector<EnrollmentRecord> SqliteTransaction::due_enrollments(TimeMs now, std::size_t limit) {
  std::vector<EnrollmentRecord> due;
  due.reserve(initial_capacity(limit));
  auto use = due_enrollments_.use();
  use->bind(1, now);
  use->bind(2, sql_limit(limit));
  while (use->step()) due.push_back(read_enrollment(connection_, due_enrollments_));
  return due;
}

std::optional<TimeMs> SqliteTransaction::next_timer_due() {
  return read_optional_time(next_timer_due_);
}

void SqliteTransaction::insert_message(MessageRecord& message) {
  auto use = insert_message_.use();
  use->bind(1, message.idempotency_key);
  use->bind(2, message.client);
  use->bind(3, message.journey);
  use->bind(4, message.step);
  use->bind(5, message.contact);
  use->bind(6, message.channel);
  use->bind(7, message.enrollment);
  use->bind(8, message.params_json);
  use->bind(9, message.event_json);
  use->bind(10, std::int64_t{message.transactional ? 1 : 0});
  use->bind(11, to_string(message.status));
  use->bind(12, message.reason);
  use->bind(13, std::int64_t{message.attempts});
  use->bind(14, message.created_at);
  use->bind(15, message.due);
  use->bind(16, message.updated_at);
  try {
    use->run_to_end();
  } catch (const StoreError& error) {
    throw StoreError(std::string(error.what()) + " (message with idempotency key '" + message.idempotency_key +
                     "' of client " + message.client + ", contact " + message.contact + ")");
  }
  message.id = connection_.last_insert_rowid();
}

void SqliteTransaction::update_message(const MessageRecord& message) {
  auto use = update_message_.use();
  use->bind(1, message.id);
  use->bind(2, to_string(message.status));
  use->bind(3, message.reason);
  use->bind(4, std::int64_t{message.attempts});
  use->bind(5, message.due);
  use->bind(6, message.updated_at);
  use->bind(7, message.provider_id);
  use->bind(8, message.provider_answer);
  use->run_to_end();
  if (use->changes() == 0)
    throw StoreError("store " + connection_.path() + ": no message with id " + std::to_string(message.id) +
                     " to update (idempotency key '" + message.idempotency_key + "')");
}

std::vector<MessageRecord> SqliteTransaction::due_messages(TimeMs now, std::size_t limit) {
  std::vector<MessageRecord> messages;
  messages.reserve(initial_capacity(limit));
  auto use = due_messages_.use();
  use->bind(1, now);
  use->bind(2, sql_limit(limit));
  while (use->step()) messages.push_back(read_message(connection_, due_messages_));
  return messages;
}

std::optional<TimeMs> SqliteTransaction::next_message_due() {
  return read_optional_time(next_message_due_);
}

std::size_t SqliteTransaction::requeue_sent_messages(TimeMs now) {
  auto use = requeue_sent_messages_.use();
  use->bind(1, now);
  use->run_to_end();
  return static_cast<std::size_t>(use->changes());
}

std::optional<MessageRecord> SqliteTransaction::find_message(std::string_view client,
                                                             std::string_view idempotency_key) {
  // Rare (a popup seen or clicked): prepared when used. The key's UNIQUE index finds it.
  Statement select(connection_,
                   select_from(kMessageColumns, "FROM messages WHERE idempotency_key = ?1 AND client = ?2"));
  select.bind(1, idempotency_key);
  select.bind(2, client);
  if (!select.step()) return std::nullopt;
  return read_message(connection_, select);
}

std::vector<MessageRecord> SqliteTransaction::contact_messages(std::string_view client, std::string_view contact,
                                                               std::size_t limit) {
  // Rare (the contacts API): prepared when used rather than kept with the hot ones.
  Statement select(connection_, select_from(kMessageColumns,
                                            "FROM messages WHERE client = ?1 AND contact = ?2 "
                                            "ORDER BY updated_at DESC, id DESC LIMIT ?3"));
  select.bind(1, client);
  select.bind(2, contact);
  select.bind(3, sql_limit(limit));
  std::vector<MessageRecord> messages;
  while (select.step()) messages.push_back(read_message(connection_, select));
  return messages;
}

std::size_t SqliteTransaction::erase_contact(std::string_view client, std::string_view contact) {
  std::size_t unfinished = 0;
  for (const auto& enrollment : contact_enrollments(client, contact)) {
    if (enrollment.status == EnrollmentStatus::active || enrollment.status == EnrollmentStatus::waiting) ++unfinished;
  }
  // The event log has no index by contact (it would slow every insert for a rare
  // request): this one scans it.
  for (const char* sql : {"DELETE FROM enrollments WHERE client = ?1 AND contact = ?2",
                          "DELETE FROM messages WHERE client = ?1 AND contact = ?2",
                          "DELETE FROM events WHERE client = ?1 AND contact = ?2",
                          "DELETE FROM contacts WHERE client = ?1 AND id = ?2"}) {
    Statement erase(connection_, sql);
    erase.bind(1, client);
    erase.bind(2, contact);
    erase.run_to_end();
  }
  return unfinished;
}

std::string SqliteTransaction::host_setting(std::string_view key, std::string_view value_if_absent) {
  Statement insert(connection_, "INSERT INTO host_settings (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO NOTHING");
  insert.bind(1, key);
  insert.bind(2, value_if_absent);
  insert.run_to_end();
  Statement select(connection_, "SELECT value FROM host_settings WHERE key = ?1");
  select.bind(1, key);
  select.step();
  return select.text(0);
}

int SqliteTransaction::count_recent_messages(std::string_view client, std::string_view contact,
                                             std::string_view channel, TimeMs since) {
  auto use = count_recent_messages_.use();
  use->bind(1, client);
  use->bind(2, contact);
  use->bind(3, since);
  use->bind(4, channel);
  use->step();
  return static_cast<int>(use->integer(0));
}

void SqliteTransaction::add_to_counter(std::string_view client, std::string_view journey, std::string_view step,
                                       std::string_view counter, std::int64_t delta) {
  work_counters_[CounterKey(client, journey, step, counter)] += delta;
}

std::int64_t SqliteTransaction::counter(std::string_view client, std::string_view journey, std::string_view step,
                                        std::string_view counter) {
  std::int64_t value = 0;
  {
    auto use = counter_.use();
    use->bind(1, client);
    use->bind(2, journey);
    use->bind(3, step);
    use->bind(4, counter);
    if (use->step()) value = use->integer(0);
  }
  const CounterKey key(client, journey, step, counter);
  for (const auto* waiting : {&transaction_counters_, &work_counters_})
    if (const auto it = waiting->find(key); it != waiting->end()) value += it->second;
  return value;
}

void SqliteTransaction::keep_work_counters() {
  for (const auto& [key, delta] : work_counters_) transaction_counters_[key] += delta;
  work_counters_.clear();
}

void SqliteTransaction::drop_work_counters() {
  work_counters_.clear();
}

void SqliteTransaction::flush_counters() {
  keep_work_counters();  // a scratch store's works are never undone one by one
  for (const auto& [key, delta] : transaction_counters_) {
    if (delta == 0) continue;
    auto use = add_to_counter_.use();
    use->bind(1, std::get<0>(key));
    use->bind(2, std::get<1>(key));
    use->bind(3, std::get<2>(key));
    use->bind(4, std::get<3>(key));
    use->bind(5, delta);
    use->run_to_end();
  }
  transaction_counters_.clear();
}

void SqliteTransaction::drop_counters() {
  work_counters_.clear();
  transaction_counters_.clear();
}

}  // namespace parcours::store
