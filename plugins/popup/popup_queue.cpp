#include "popup_queue.hpp"

#include <sqlite3.h>

#include <array>
#include <ctime>
#include <memory>
#include <random>
#include <system_error>

namespace parcours::popup {
namespace {

// Rows stay this long past their expiry, so that a click on a popup left open on a
// page is still recorded, then the next enqueue deletes them.
constexpr std::int64_t kKeepExpiredMs = 30LL * 24 * 60 * 60 * 1000;
// Purging is a scan of the client's rows: at most once an hour (host clock) per queue.
constexpr std::int64_t kPurgeEveryMs = 60LL * 60 * 1000;

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS popups (
  client          TEXT NOT NULL,
  channel         TEXT NOT NULL,
  id              TEXT NOT NULL,
  idempotency_key TEXT NOT NULL,
  contact         TEXT NOT NULL,
  title           TEXT NOT NULL,
  html            TEXT NOT NULL,
  text            TEXT NOT NULL,
  cta_text        TEXT NOT NULL,
  cta_url         TEXT NOT NULL,
  exit_intent     INTEGER NOT NULL,
  created_ms      INTEGER NOT NULL,
  expires_ms      INTEGER NOT NULL,
  seen_ms         INTEGER,
  clicked_ms      INTEGER,
  PRIMARY KEY (client, id),
  UNIQUE (client, channel, idempotency_key)
);
CREATE INDEX IF NOT EXISTS popups_by_contact ON popups (client, channel, contact, expires_ms);
)sql";

constexpr const char* kColumns =
    "id, contact, title, html, text, cta_text, cta_url, exit_intent, created_ms, expires_ms, idempotency_key";

struct Finalize {
  void operator()(sqlite3_stmt* statement) const { sqlite3_finalize(statement); }
};
using Statement = std::unique_ptr<sqlite3_stmt, Finalize>;

class Query {
 public:
  Query(sqlite3* db, const char* sql, const std::filesystem::path& file) : db_(db), file_(file) {
    sqlite3_stmt* raw = nullptr;
    check(sqlite3_prepare_v2(db, sql, -1, &raw, nullptr));
    statement_.reset(raw);
  }
  Query& bind(int index, const std::string& text) {
    check(sqlite3_bind_text(statement_.get(), index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT));
    return *this;
  }
  Query& bind(int index, std::int64_t value) {
    check(sqlite3_bind_int64(statement_.get(), index, value));
    return *this;
  }
  // True while there is a row to read.
  bool step() {
    const int result = sqlite3_step(statement_.get());
    if (result == SQLITE_ROW) return true;
    if (result == SQLITE_DONE) return false;
    check(result);
    return false;
  }
  std::string text(int column) const {
    const auto* bytes = sqlite3_column_text(statement_.get(), column);
    return bytes ? std::string(reinterpret_cast<const char*>(bytes),
                               static_cast<std::size_t>(sqlite3_column_bytes(statement_.get(), column)))
                 : std::string();
  }
  std::int64_t integer(int column) const { return sqlite3_column_int64(statement_.get(), column); }

 private:
  void check(int result) const {
    if (result != SQLITE_OK && result != SQLITE_ROW && result != SQLITE_DONE)
      throw QueueError("popup queue " + file_.string() + ": " + sqlite3_errmsg(db_));
  }
  sqlite3* db_;
  const std::filesystem::path& file_;
  Statement statement_;
};

// A row read with kColumns.
QueuedPopup read_popup(const Query& query) {
  QueuedPopup popup;
  popup.id = query.text(0);
  popup.contact = query.text(1);
  popup.content.title = query.text(2);
  popup.content.html = query.text(3);
  popup.content.text = query.text(4);
  popup.content.cta_text = query.text(5);
  popup.content.cta_url = query.text(6);
  popup.content.exit_intent = query.integer(7) != 0;
  popup.created_ms = query.integer(8);
  popup.expires_ms = query.integer(9);
  popup.idempotency_key = query.text(10);
  return popup;
}

}  // namespace

PopupQueue::PopupQueue(std::filesystem::path file, std::chrono::milliseconds busy_timeout)
    : file_(std::move(file)), busy_timeout_(busy_timeout) {}

PopupQueue::~PopupQueue() {
  if (db_ != nullptr) sqlite3_close_v2(db_);
}

sqlite3* PopupQueue::connection() {
  if (db_ != nullptr) return db_;
  std::error_code ec;
  if (file_.has_parent_path()) std::filesystem::create_directories(file_.parent_path(), ec);
  sqlite3* db = nullptr;
  const int opened = sqlite3_open_v2(file_.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
  if (opened != SQLITE_OK) {
    const std::string reason = db ? sqlite3_errmsg(db) : sqlite3_errstr(opened);
    sqlite3_close_v2(db);
    throw QueueError("cannot open the popup queue " + file_.string() + ": " + reason +
                     (ec ? " (creating its folder: " + ec.message() + ")" : ""));
  }
  sqlite3_busy_timeout(db, static_cast<int>(busy_timeout_.count()));
  // WAL: readers (the browsers' GETs) never wait for a writer. FULL: a popup the
  // channel said was delivered is on disk, not only in the OS's cache.
  const char* setup = "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;";
  char* error = nullptr;
  if (sqlite3_exec(db, setup, nullptr, nullptr, &error) != SQLITE_OK ||
      sqlite3_exec(db, kSchema, nullptr, nullptr, &error) != SQLITE_OK) {
    const std::string reason = error ? error : sqlite3_errmsg(db);
    sqlite3_free(error);
    sqlite3_close_v2(db);
    throw QueueError("cannot use the popup queue " + file_.string() + ": " + reason);
  }
  db_ = db;
  return db_;
}

std::string PopupQueue::enqueue(const std::string& client, const std::string& channel,
                                const std::string& idempotency_key, const std::string& contact,
                                const PopupContent& content, std::int64_t now_ms, std::int64_t expires_ms) {
  const std::lock_guard lock(mutex_);
  sqlite3* db = connection();
  purge(client, now_ms);
  Query insert(db,
               "INSERT INTO popups (client, channel, id, idempotency_key, contact, title, html, text, cta_text, "
               "cta_url, exit_intent, created_ms, expires_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, "
               "?12, ?13) ON CONFLICT (client, channel, idempotency_key) DO NOTHING",
               file_);
  insert.bind(1, client).bind(2, channel).bind(3, new_popup_id()).bind(4, idempotency_key).bind(5, contact);
  insert.bind(6, content.title).bind(7, content.html).bind(8, content.text).bind(9, content.cta_text);
  insert.bind(10, content.cta_url).bind(11, std::int64_t{content.exit_intent ? 1 : 0});
  insert.bind(12, now_ms).bind(13, expires_ms);
  insert.step();
  // The row just written, or the one an earlier attempt of the same message wrote.
  Query select(db, "SELECT id FROM popups WHERE client = ?1 AND channel = ?2 AND idempotency_key = ?3", file_);
  select.bind(1, client).bind(2, channel).bind(3, idempotency_key);
  if (!select.step()) throw QueueError("popup queue " + file_.string() + ": the popup just queued cannot be read back");
  return select.text(0);
}

std::vector<QueuedPopup> PopupQueue::waiting(const std::string& client, const std::string& channel,
                                             const std::string& contact, std::int64_t now_ms) {
  const std::lock_guard lock(mutex_);
  Query query(connection(),
              (std::string("SELECT ") + kColumns +
               " FROM popups WHERE client = ?1 AND channel = ?2 AND contact = ?3 AND expires_ms > ?4 AND seen_ms IS "
               "NULL AND clicked_ms IS NULL ORDER BY created_ms, rowid")
                  .c_str(),
              file_);
  query.bind(1, client).bind(2, channel).bind(3, contact).bind(4, now_ms);
  std::vector<QueuedPopup> out;
  while (query.step()) out.push_back(read_popup(query));
  return out;
}

std::optional<QueuedPopup> PopupQueue::mark(const std::string& client, const std::string& channel,
                                            const std::string& contact, const std::string& id, PopupAction action,
                                            std::int64_t now_ms) {
  const std::lock_guard lock(mutex_);
  sqlite3* db = connection();
  const char* column = action == PopupAction::seen ? "seen_ms" : "clicked_ms";
  Query update(db,
               (std::string("UPDATE popups SET ") + column + " = COALESCE(" + column +
                ", ?5) WHERE client = ?1 AND channel = ?2 AND contact = ?3 AND id = ?4")
                   .c_str(),
               file_);
  update.bind(1, client).bind(2, channel).bind(3, contact).bind(4, id).bind(5, now_ms);
  update.step();
  if (sqlite3_changes(db) == 0) return std::nullopt;
  Query select(
      db, (std::string("SELECT ") + kColumns + " FROM popups WHERE client = ?1 AND channel = ?2 AND id = ?3").c_str(),
      file_);
  select.bind(1, client).bind(2, channel).bind(3, id);
  if (!select.step()) return std::nullopt;
  return read_popup(select);
}

void PopupQueue::purge(const std::string& client, std::int64_t now_ms) {
  if (now_ms < next_purge_ms_) return;
  next_purge_ms_ = now_ms + kPurgeEveryMs;
  Query purge(connection(), "DELETE FROM popups WHERE client = ?1 AND expires_ms < ?2", file_);
  purge.bind(1, client).bind(2, now_ms - kKeepExpiredMs);
  purge.step();
}

std::string new_popup_id() {
  static thread_local std::mt19937_64 generator{std::random_device{}()};
  constexpr char kHex[] = "0123456789abcdef";
  std::string id = "p-";
  for (int word = 0; word < 2; ++word) {
    std::uint64_t bits = generator();
    for (int i = 0; i < (word == 0 ? 16 : 8); ++i, bits >>= 4) id += kHex[bits & 0xf];
  }
  return id;
}

nlohmann::json popup_json(const QueuedPopup& popup, const std::string& channel) {
  nlohmann::json out{{"id", popup.id}, {"channel", channel}};
  if (!popup.content.title.empty()) out["title"] = popup.content.title;
  if (!popup.content.html.empty())
    out["html"] = popup.content.html;
  else if (!popup.content.text.empty())
    out["text"] = popup.content.text;
  if (!popup.content.cta_text.empty()) {
    out["cta"] = {{"text", popup.content.cta_text}};
    if (!popup.content.cta_url.empty()) out["cta"]["url"] = popup.content.cta_url;
  }
  out["exit_intent"] = popup.content.exit_intent;
  out["expires"] = format_utc(popup.expires_ms);
  return out;
}

std::string format_utc(std::int64_t ms) {
  const std::time_t seconds = static_cast<std::time_t>(ms >= 0 ? ms / 1000 : (ms - 999) / 1000);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  std::array<char, 32> text{};
  const auto size = std::strftime(text.data(), text.size(), "%Y-%m-%dT%H:%M:%SZ", &utc);
  return std::string(text.data(), size);
}

}  // namespace parcours::popup
