// Checkpoints of the SQLite store's write-ahead log, moved off the writing thread.
//
// SQLite copies the WAL back into the database (a checkpoint) on the connection that
// commits, when the WAL passes a size: every few seconds under load, the thread that
// ingests then stops for the copy and its fsyncs (100-300 ms here), and every request
// waiting on it with it — that was the p99 of HTTP ingestion. Here a thread with a
// connection of its own copies the WAL back as it grows (a PASSIVE checkpoint: it
// never blocks the writer), so the writer's own checkpoint, kept as a backstop that
// lets the WAL start over, finds almost nothing left to copy.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <thread>

#include "store/sqlite_connection.hpp"

namespace parcours::store {

class WalCheckpointer {
 public:
  // Installs itself as `writer`'s WAL hook and opens its own connection to the same
  // file. `background_pages`: frames written since the last pass that wake the
  // thread for the next; `writer_pages`: the WAL size at which the writer checkpoints
  // itself (then the WAL restarts from zero).
  WalCheckpointer(Connection& writer, int background_pages = 1000, int writer_pages = 10000);
  ~WalCheckpointer();  // stops the thread; the writer's hook goes back to SQLite's default
  WalCheckpointer(const WalCheckpointer&) = delete;
  WalCheckpointer& operator=(const WalCheckpointer&) = delete;

  // Background checkpoints that copied frames back (for tests and stats).
  std::uint64_t passes() const;

 private:
  static int on_commit(void* self, struct sqlite3* db, const char* schema, int pages);
  void loop();

  Connection& writer_;
  int background_pages_;
  int writer_pages_;
  std::unique_ptr<Connection> own_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  bool woken_ = false;
  bool stopping_ = false;
  bool in_pass_ = false;         // the thread is copying frames back
  bool writer_waiting_ = false;  // the writer's backstop waits for that pass to end
  std::condition_variable pass_ended_;
  std::uint64_t passes_ = 0;
  // Frames the last pass left copied back: the hook wakes the thread again only
  // `background_pages` later (read on the writer's thread, hence atomic).
  std::atomic<int> backfilled_{0};
  std::thread thread_;
};

}  // namespace parcours::store
