// core/store/ keeps everything that must survive a crash: contacts, the event log,
// enrollments, due timers, the outbox and message log, per-step counters. It is the
// only part of the host that talks to a database.
//
// One interface, several implementations: SQLite (sqlite_store.cpp, the embedded
// default) and, later, PostgreSQL. The engine never sees SQL. Every change the engine
// makes for one piece of work (an event, a due timer, a message) happens inside one
// Store::transact() call, so a transition and the state it leads to are written
// together or not at all. Claiming due work (due_enrollments, due_messages) is written so
// that PostgreSQL can implement it with `FOR UPDATE SKIP LOCKED`: the rows returned
// belong to this transaction until it ends.
//
// Times are milliseconds since the Unix epoch (TimeMs), read from the engine's Clock,
// never from the wall clock here. Row ids are assigned in insertion order (time-
// ordered keys: random keys would cost a factor 10 in insert speed).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace parcours::store {

using TimeMs = std::int64_t;

struct EventRecord {
  std::int64_t seq = 0;  // assigned by insert_event, increasing
  std::string client;
  std::string id;  // unique per client
  std::string type;
  std::string contact;
  TimeMs time = 0;
  std::string properties_json = "{}";  // JSON object
  std::string attributes_json = "{}";  // JSON object merged into the contact
  bool processed = false;              // the engine has applied it
};

struct ContactRecord {
  std::string client;
  std::string id;
  std::string attributes_json = "{}";  // JSON object
  TimeMs updated_at = 0;
};

enum class EnrollmentStatus {
  active,     // runnable now (between steps)
  waiting,    // paused on a wait, wait_until or wait_for
  completed,  // reached "end" or ran past the last step
  exited,     // an exit step
  converted,  // its goal event came
};
std::string_view to_string(EnrollmentStatus status);
std::optional<EnrollmentStatus> parse_enrollment_status(std::string_view text);

// What an enrollment's timer does when it is due.
enum class TimerKind {
  resume,   // a wait / wait_until is over: continue after the step
  timeout,  // a wait_for timed out: take on_timeout
};

struct EnrollmentRecord {
  std::int64_t id = 0;  // assigned by insert_enrollment
  std::string client;
  std::string journey;
  std::string contact;
  int run = 1;            // 1 for the first time the contact enters this journey, then 2, ...
  std::int64_t step = 0;  // index of the current step in the journey's steps
  EnrollmentStatus status = EnrollmentStatus::active;
  std::string event_json = "{}";  // the event in scope (`event.*`): the one that entered or last woke it
  std::string waiting_for;        // wait_for: the event type awaited, else empty
  TimeMs entered_at = 0;
  TimeMs updated_at = 0;
  // Its timer: an enrollment waits on one at a time (a wait's end, a wait_for's
  // timeout), kept on its row rather than in a table of its own — one index entry to
  // write and remove instead of a row and two index entries, and the enrollment read
  // with its timer when it is due.
  std::optional<TimeMs> wake_at;  // when it is due; none: no timer
  TimerKind wake_kind = TimerKind::resume;
};

enum class MessageStatus {
  queued,      // in the outbox, to dispatch at `due`
  sent,        // handed to the channel, answer not recorded yet (a crash here retries with the same key)
  delivered,   // the channel accepted it
  failed,      // failed for good
  suppressed,  // skipped: `reason` says why (consent, pressure)
};
std::string_view to_string(MessageStatus status);
std::optional<MessageStatus> parse_message_status(std::string_view text);

struct MessageRecord {
  std::int64_t id = 0;          // assigned by insert_message
  std::string idempotency_key;  // unique: the same for every attempt of this message
  std::string client;
  std::string journey;
  std::string step;  // the step's id, or "step N"
  std::string contact;
  std::string channel;
  std::int64_t enrollment = 0;
  std::string params_json = "{}";  // the step's parameters (unrendered), JSON object
  std::string event_json = "{}";   // the event in scope when it was queued (for rendering)
  bool transactional = false;
  MessageStatus status = MessageStatus::queued;
  std::string reason;  // suppressed: consent|pressure; failed: the channel's error
  int attempts = 0;
  TimeMs created_at = 0;
  TimeMs due = 0;  // when it may be dispatched (deferred by quiet hours, retries)
  TimeMs updated_at = 0;
  std::string provider_id;             // the provider's id for it, once it answered
  std::string provider_answer = "{}";  // the provider's answer (JSON object), as the channel reported it
};

// The changes of one unit of work. Valid only inside the Store::transact() callback
// that received it. Every method throws StoreError on a database failure; the
// transaction is then rolled back and the error leaves transact().
class Transaction {
 public:
  virtual ~Transaction() = default;

  // Events. insert_event assigns `seq` and returns true, or returns false (and
  // changes nothing) when the client already has an event with that id.
  virtual bool insert_event(EventRecord& event) = 0;
  virtual void mark_event_processed(std::int64_t seq) = 0;
  // Whether the client has an event other than the one numbered `seq` whose id starts
  // with `prefix`: tracking counts a message's first click across its links this way.
  virtual bool other_event_with_id_prefix(std::string_view client, std::string_view prefix, std::int64_t seq) = 0;
  // Stored but not yet processed, oldest first: what a restart must still apply.
  virtual std::vector<EventRecord> unprocessed_events(std::size_t limit) = 0;

  // Contacts.
  virtual std::optional<ContactRecord> find_contact(std::string_view client, std::string_view id) = 0;
  virtual void upsert_contact(const ContactRecord& contact) = 0;

  // Enrollments. insert assigns `id`.
  virtual void insert_enrollment(EnrollmentRecord& enrollment) = 0;
  virtual void update_enrollment(const EnrollmentRecord& enrollment) = 0;
  virtual std::optional<EnrollmentRecord> find_enrollment(std::int64_t id) = 0;
  // Every enrollment of the contact, in every journey and run, oldest first.
  virtual std::vector<EnrollmentRecord> contact_enrollments(std::string_view client, std::string_view contact) = 0;

  // Everything the store holds about one contact — attributes, events, enrollments
  // (with their timers), messages — deleted (the right to be forgotten). Counters, which are
  // aggregates, stay. Returns how many enrollments were still under way.
  virtual std::size_t erase_contact(std::string_view client, std::string_view contact) = 0;

  // Timers (EnrollmentRecord::wake_at, written with the enrollment): the enrollments
  // whose timer is due at or before `now`, earliest first, at most `limit`, claimed by
  // this transaction (the caller clears each timer it handles and updates the
  // enrollment).
  virtual std::vector<EnrollmentRecord> due_enrollments(TimeMs now, std::size_t limit) = 0;
  // The earliest timer of any enrollment, if there is one (simulation jumps to it).
  virtual std::optional<TimeMs> next_timer_due() = 0;

  // Messages. insert assigns `id`; `idempotency_key` must be unique. update writes
  // what changes over a message's life (status, reason, attempts, due, updated_at,
  // provider id and answer); the rest is fixed when it is inserted.
  virtual void insert_message(MessageRecord& message) = 0;
  virtual void update_message(const MessageRecord& message) = 0;
  // Queued messages due at or before `now`, earliest first, at most `limit`.
  virtual std::vector<MessageRecord> due_messages(TimeMs now, std::size_t limit) = 0;
  virtual std::optional<TimeMs> next_message_due() = 0;
  // Messages left `sent` (handed to a channel whose answer was never recorded: the
  // host died in between) go back to `queued`, due at `now`, keeping their key so a
  // provider that honours idempotency keys drops the repeat. Returns how many. Called
  // by a host at start-up, before it dispatches.
  virtual std::size_t requeue_sent_messages(TimeMs now) = 0;
  // The client's message with this idempotency key, if there is one (a channel's
  // events name their message by it: the popup channel's seen and clicked).
  virtual std::optional<MessageRecord> find_message(std::string_view client, std::string_view idempotency_key) = 0;
  // The contact's latest messages, most recently updated first, at most `limit`.
  virtual std::vector<MessageRecord> contact_messages(std::string_view client, std::string_view contact,
                                                      std::size_t limit) = 0;
  // Non-transactional messages sent or delivered to the contact since `since`, on
  // `channel` (or on every channel when empty): what pressure limits count.
  virtual int count_recent_messages(std::string_view client, std::string_view contact, std::string_view channel,
                                    TimeMs since) = 0;

  // Host settings shared through the store: the value of `key`, or — when it has none
  // yet — `value_if_absent`, stored. Every host of one store gets the same answer.
  virtual std::string host_setting(std::string_view key, std::string_view value_if_absent) = 0;

  // Per-step counters ("entered", "sent", "delivered", ...), added to.
  virtual void add_to_counter(std::string_view client, std::string_view journey, std::string_view step,
                              std::string_view counter, std::int64_t delta) = 0;
  virtual std::int64_t counter(std::string_view client, std::string_view journey, std::string_view step,
                               std::string_view counter) = 0;
};

class StoreError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class Store {
 public:
  virtual ~Store() = default;
  // Runs `work` in one transaction and commits it durably before returning.
  // Concurrent callers may share one physical transaction (group commit); each
  // caller's work is still all-or-nothing: if `work` throws, its changes are undone
  // and the exception leaves transact().
  virtual void transact(const std::function<void(Transaction&)>& work) = 0;
};

// Opens (creating when needed) the store a [store] url names and applies pending
// migrations. "sqlite://var/parcours.db" (relative to `base`), "sqlite:///abs/path",
// "sqlite://:memory:". Throws StoreError with what to do when it cannot.
std::unique_ptr<Store> open_store(std::string_view url, const std::string& base = ".");

}  // namespace parcours::store
