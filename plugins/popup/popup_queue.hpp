// The popups waiting for contacts, kept in one SQLite file so that a host killed at
// any moment loses none: a popup the channel answered "delivered" for is committed
// (synchronous=FULL) before the answer leaves. Several clients and channel instances
// may share one file — every row carries its client and channel, and each queue
// sees its own rows only — and several processes too (WAL, and a busy timeout while
// another holds the write lock).
//
// A popup is listed until it is seen, clicked or expired; rows stay 30 days past
// their expiry (a late click on a page left open is still recorded), then go.
//
// The file is opened at the first call, not at construction: `parcours validate`
// creates every channel instance once, and checking a config must create no file.
// Thread-safe: the channel's send() and the host's requests come from several
// threads; one connection serves them in turn.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

struct sqlite3;

namespace parcours::popup {

// The file cannot be opened, read or written (locked past the timeout, disk full,
// not a database): worth another attempt, so the channel answers retry or 503.
class QueueError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// What a popup shows, as the browser script reads it (core/api/assets/popup.js).
struct PopupContent {
  std::string title;
  std::string html;
  std::string text;
  std::string cta_text;
  std::string cta_url;
  bool exit_intent = false;
};

struct QueuedPopup {
  std::string id;
  std::string contact;
  PopupContent content;
  std::int64_t created_ms = 0;
  std::int64_t expires_ms = 0;
  std::string idempotency_key;  // the host's message that queued it
};

enum class PopupAction { seen, clicked };

class PopupQueue {
 public:
  // `busy_timeout`: how long a call waits for another process's lock on the file.
  PopupQueue(std::filesystem::path file, std::chrono::milliseconds busy_timeout);
  ~PopupQueue();
  PopupQueue(const PopupQueue&) = delete;
  PopupQueue& operator=(const PopupQueue&) = delete;

  // Queues a popup for `contact` of (client, channel) until `expires_ms`, and returns
  // its id. A second call with the same idempotency key queues nothing and returns
  // the first one's id (a send retried after a crash is not shown twice).
  std::string enqueue(const std::string& client, const std::string& channel, const std::string& idempotency_key,
                      const std::string& contact, const PopupContent& content, std::int64_t now_ms,
                      std::int64_t expires_ms);

  // The contact's popups not yet seen, clicked or expired at `now_ms`, oldest first.
  std::vector<QueuedPopup> waiting(const std::string& client, const std::string& channel, const std::string& contact,
                                   std::int64_t now_ms);

  // Records that the contact saw or clicked popup `id` (the first time only; again
  // changes nothing). Returns the popup, or nothing when no such popup of this
  // contact is known (never queued, another contact's, or purged).
  std::optional<QueuedPopup> mark(const std::string& client, const std::string& channel, const std::string& contact,
                                  const std::string& id, PopupAction action, std::int64_t now_ms);

  const std::filesystem::path& file() const { return file_; }

 private:
  sqlite3* connection();  // opens the file on first use; mutex_ held
  void purge(const std::string& client, std::int64_t now_ms);

  const std::filesystem::path file_;
  const std::chrono::milliseconds busy_timeout_;
  std::mutex mutex_;
  sqlite3* db_ = nullptr;
  std::int64_t next_purge_ms_ = 0;
};

// A fresh popup id: "p-" and 24 hex digits from the system's random source, so that
// one popup's id tells nothing about another's.
std::string new_popup_id();

// The popup as the browser gets it from GET /v1/clients/{client}/popups/{contact}:
// {"id", "channel", "title", "html" | "text", "cta": {"text", "url"}, "exit_intent",
//  "expires": "2026-12-09T10:00:00Z"}; empty fields are left out.
nlohmann::json popup_json(const QueuedPopup& popup, const std::string& channel);

// "2026-12-09T10:00:00Z" for milliseconds since the Unix epoch (UTC).
std::string format_utc(std::int64_t ms);

}  // namespace parcours::popup
