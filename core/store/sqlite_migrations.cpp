#include "store/sqlite_migrations.hpp"

#include <array>
#include <string>

#include "store/store.hpp"

namespace parcours::store {
namespace {

struct Migration {
  int version;
  const char* name;
  const char* sql;
};

// Row ids are INTEGER PRIMARY KEYs assigned in insertion order wherever the engine
// inserts: appending to a B-tree is about ten times faster than inserting at random
// places. Times are milliseconds since the Unix epoch; JSON is stored as text.
constexpr std::array kMigrations{
    Migration{1, "create the store", R"sql(
CREATE TABLE contacts (
  client     TEXT NOT NULL,
  id         TEXT NOT NULL,
  attributes TEXT NOT NULL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (client, id)
);

CREATE TABLE events (
  seq        INTEGER PRIMARY KEY,
  client     TEXT NOT NULL,
  id         TEXT NOT NULL,
  type       TEXT NOT NULL,
  contact    TEXT NOT NULL,
  time       INTEGER NOT NULL,
  properties TEXT NOT NULL,
  attributes TEXT NOT NULL,
  processed  INTEGER NOT NULL DEFAULT 0,
  UNIQUE (client, id)
);
-- Only the events still to apply: small, and emptied as the engine catches up.
CREATE INDEX events_unprocessed ON events (seq) WHERE processed = 0;

CREATE TABLE enrollments (
  id          INTEGER PRIMARY KEY,
  client      TEXT NOT NULL,
  journey     TEXT NOT NULL,
  contact     TEXT NOT NULL,
  run         INTEGER NOT NULL,
  step        INTEGER NOT NULL,
  status      TEXT NOT NULL,
  event       TEXT NOT NULL,
  waiting_for TEXT NOT NULL,
  entered_at  INTEGER NOT NULL,
  updated_at  INTEGER NOT NULL
);
-- The rowid ends every index entry, so this also lists a contact's enrollments oldest first.
CREATE INDEX enrollments_contact ON enrollments (client, contact);

CREATE TABLE timers (
  id         INTEGER PRIMARY KEY,
  due        INTEGER NOT NULL,
  enrollment INTEGER NOT NULL,
  client     TEXT NOT NULL,
  contact    TEXT NOT NULL,
  kind       TEXT NOT NULL
);
CREATE INDEX timers_due ON timers (due);
CREATE INDEX timers_enrollment ON timers (enrollment);

CREATE TABLE messages (
  id              INTEGER PRIMARY KEY,
  idempotency_key TEXT NOT NULL UNIQUE,
  client          TEXT NOT NULL,
  journey         TEXT NOT NULL,
  step            TEXT NOT NULL,
  contact         TEXT NOT NULL,
  channel         TEXT NOT NULL,
  enrollment      INTEGER NOT NULL,
  params          TEXT NOT NULL,
  event           TEXT NOT NULL,
  transactional   INTEGER NOT NULL,
  status          TEXT NOT NULL,
  reason          TEXT NOT NULL,
  attempts        INTEGER NOT NULL,
  created_at      INTEGER NOT NULL,
  due             INTEGER NOT NULL,
  updated_at      INTEGER NOT NULL
);
-- The outbox: only queued messages, by due time.
CREATE INDEX messages_outbox ON messages (due) WHERE status = 'queued';
-- Messages handed to a channel whose answer was not recorded: what a restart requeues.
CREATE INDEX messages_in_flight ON messages (id) WHERE status = 'sent';
-- Pressure limits: a contact's messages by the time they were last updated, which for
-- a sent or delivered message is when it went out.
CREATE INDEX messages_contact_recent ON messages (client, contact, updated_at);

CREATE TABLE counters (
  client  TEXT NOT NULL,
  journey TEXT NOT NULL,
  step    TEXT NOT NULL,
  counter TEXT NOT NULL,
  value   INTEGER NOT NULL,
  PRIMARY KEY (client, journey, step, counter)
) WITHOUT ROWID;
)sql"},
    Migration{2, "host settings", R"sql(
-- Values the hosts of one store share and keep across restarts, such as the secret
-- that signs unsubscribe and tracking links.
CREATE TABLE host_settings (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
) WITHOUT ROWID;
)sql"},
    Migration{3, "provider answers", R"sql(
-- What the channel's provider said of a message: its id there (a Twilio sid, an SMTP
-- queue id) and the answer's details (segments, the server's reply), as JSON.
ALTER TABLE messages ADD COLUMN provider_id TEXT NOT NULL DEFAULT '';
ALTER TABLE messages ADD COLUMN provider_answer TEXT NOT NULL DEFAULT '{}';
)sql"},
    Migration{4, "contact messages index without the time", R"sql(
-- A message's updated_at changes when it is sent and again when its answer comes, and
-- each change moved its entry in the old index. A contact has few messages: finding
-- them by (client, contact) and filtering or sorting them by time costs less than
-- keeping the index in time order.
DROP INDEX messages_contact_recent;
CREATE INDEX messages_contact ON messages (client, contact);
)sql"},
    Migration{5, "timers on their enrollments", R"sql(
-- An enrollment waits on one timer at a time: kept on its row, a timer is one entry in
-- a partial index, written with the enrollment, instead of a row and two index entries
-- of its own; a due enrollment is read with its timer.
ALTER TABLE enrollments ADD COLUMN wake_at INTEGER;
ALTER TABLE enrollments ADD COLUMN wake_kind TEXT NOT NULL DEFAULT 'resume';
UPDATE enrollments SET
  wake_at = (SELECT min(due) FROM timers WHERE timers.enrollment = enrollments.id),
  wake_kind = (SELECT kind FROM timers WHERE timers.enrollment = enrollments.id ORDER BY due, id LIMIT 1)
WHERE id IN (SELECT enrollment FROM timers);
DROP TABLE timers;
CREATE INDEX enrollments_wake ON enrollments (wake_at) WHERE wake_at IS NOT NULL;
)sql"},
};

}  // namespace

int latest_schema_version() {
  return kMigrations.back().version;
}

int schema_version(Connection& connection) {
  connection.execute(
      "CREATE TABLE IF NOT EXISTS schema_migrations ("
      " version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)");
  const std::string version = connection.query_text("SELECT coalesce(max(version), 0) FROM schema_migrations");
  return std::stoi(version);
}

void apply_migrations(Connection& connection) {
  // BEGIN IMMEDIATE: two hosts opening one new file at once must not both migrate it.
  connection.execute("BEGIN IMMEDIATE");
  try {
    const int current = schema_version(connection);
    if (current > latest_schema_version())
      throw StoreError("store " + connection.path() + ": the database has schema version " + std::to_string(current) +
                       ", newer than this build of parcours understands (up to " +
                       std::to_string(latest_schema_version()) +
                       "); it was written by a newer parcours: run that version, or point [store] url at another "
                       "database");
    for (const auto& migration : kMigrations) {
      if (migration.version <= current) continue;
      connection.execute(migration.sql);
      Statement record(connection,
                       "INSERT INTO schema_migrations (version, name, applied_at) "
                       "VALUES (?1, ?2, strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))");
      record.bind(1, std::int64_t{migration.version});
      record.bind(2, std::string_view(migration.name));
      record.run_to_end();
    }
    connection.execute("COMMIT");
  } catch (...) {
    // The first error is the one worth reporting; a failed ROLLBACK adds nothing to it.
    if (!connection.in_autocommit()) try {
        connection.execute("ROLLBACK");
      } catch (const StoreError&) {
      }
    throw;
  }
}

}  // namespace parcours::store
