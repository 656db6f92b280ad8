#include "store/wal_checkpointer.hpp"

#include <parcours/thread_name.hpp>

#include <sqlite3.h>

#include <chrono>

#include "store/store.hpp"

namespace parcours::store {

WalCheckpointer::WalCheckpointer(Connection& writer, int background_pages, int writer_pages)
    : writer_(writer), background_pages_(background_pages), writer_pages_(writer_pages) {
  own_ = std::make_unique<Connection>(writer.path());
  // The writer holds its write lock only while committing; the checkpoint waits for
  // readers' locks at most this long before it gives up for this pass.
  own_->execute("PRAGMA busy_timeout = 1000");
  // A connection learns the file is in WAL mode when it first reads it; until then a
  // checkpoint on it does nothing at all (and says so only by -1 frames).
  if (own_->query_text("PRAGMA journal_mode") != "wal")
    throw StoreError("store " + writer.path() + ": the checkpoint connection does not see WAL mode");
  sqlite3_wal_hook(writer_.handle(), &WalCheckpointer::on_commit, this);
  thread_ = std::thread([this] {
    parcours::name_this_thread("parcours-wal");
    loop();
  });
}

WalCheckpointer::~WalCheckpointer() {
  sqlite3_wal_autocheckpoint(writer_.handle(), writer_pages_);  // replaces this hook
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

namespace {

// Frames of a WAL of `pages` not yet copied back, when the last pass left `backfilled`
// copied. A WAL smaller than that has started over since: all of it is new.
int new_frames(int pages, int backfilled) {
  return pages >= backfilled ? pages - backfilled : pages;
}

}  // namespace

// On the writer's thread, after each commit, with the write lock released.
int WalCheckpointer::on_commit(void* self, sqlite3* db, const char* schema, int pages) {
  auto& checkpointer = *static_cast<WalCheckpointer*>(self);
  if (pages >= checkpointer.writer_pages_) {
    // The backstop: only the writer, between two of its transactions, can let the WAL
    // start over. A checkpoint already running (the thread's) makes any other one fail
    // at once, and a writer faster than the thread would then never get its turn and
    // the WAL would grow without end: the writer waits for the thread's pass, and
    // checkpoints with RESTART so that its next transaction starts the WAL over.
    {
      std::unique_lock lock(checkpointer.mutex_);
      checkpointer.writer_waiting_ = true;
      checkpointer.pass_ended_.wait(lock, [&] { return !checkpointer.in_pass_; });
    }
    sqlite3_wal_checkpoint_v2(db, schema, SQLITE_CHECKPOINT_RESTART, nullptr, nullptr);
    {
      std::lock_guard lock(checkpointer.mutex_);
      checkpointer.writer_waiting_ = false;
    }
    checkpointer.wake_.notify_one();
  } else if (new_frames(pages, checkpointer.backfilled_.load(std::memory_order_relaxed)) >=
             checkpointer.background_pages_) {
    // Paced by what is new since the last pass, not by the WAL's size: past 1,000 pages
    // a pass after every commit copied the same hot pages (the tables' last leaves,
    // the indexes' inner pages) and synced both files dozens of times a second.
    {
      std::lock_guard lock(checkpointer.mutex_);
      checkpointer.woken_ = true;
    }
    checkpointer.wake_.notify_one();
  }
  return SQLITE_OK;
}

void WalCheckpointer::loop() {
  std::unique_lock lock(mutex_);
  while (true) {
    wake_.wait(lock, [&] { return (woken_ && !writer_waiting_) || stopping_; });
    if (stopping_) return;
    woken_ = false;
    in_pass_ = true;
    lock.unlock();
    // An error here (the file busy beyond the timeout, a disk error) is the writer's to
    // meet and report at its next commit; this pass just ends.
    int log_frames = 0, copied_frames = 0;
    const int result =
        sqlite3_wal_checkpoint_v2(own_->handle(), nullptr, SQLITE_CHECKPOINT_PASSIVE, &log_frames, &copied_frames);
    lock.lock();
    in_pass_ = false;
    pass_ended_.notify_all();
    if (result == SQLITE_OK && copied_frames > 0) ++passes_;  // a pass that copied frames back
    backfilled_.store(result == SQLITE_OK ? copied_frames : 0, std::memory_order_relaxed);
  }
}

std::uint64_t WalCheckpointer::passes() const {
  std::lock_guard lock(mutex_);
  return passes_;
}

}  // namespace parcours::store
