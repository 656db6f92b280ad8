#include "store/sqlite_store.hpp"

#include <algorithm>
#include <chrono>
#include <exception>
#include <thread>

#include "store/sqlite_migrations.hpp"

namespace parcours::store {
namespace {

// How long a waiting caller polls before it sleeps on a condition variable (see the
// header): about one COMMIT on these machines.
constexpr auto kSpinBeforeSleep = std::chrono::microseconds(50);

// The store whose work callback this thread is running, to refuse a nested transact().
thread_local const SqliteStore* t_running_work_of = nullptr;

std::string message_of(const std::exception_ptr& error) {
  try {
    std::rethrow_exception(error);
  } catch (const std::exception& caught) {
    return caught.what();
  } catch (...) {
    return "an exception that is not a std::exception";
  }
}

// Settings of the connection, then the schema: before SqliteTransaction prepares
// statements against it.
Connection& configure(Connection& connection, SqliteStore::Durability durability) {
  const bool scratch = durability == SqliteStore::Durability::none;
  // A scratch store's file is nobody else's: an exclusive lock spares the file locks
  // of every transaction (and, set before WAL, the shared-memory index).
  if (scratch) connection.execute("PRAGMA locking_mode = EXCLUSIVE");
  // WAL: readers never block the writer and a commit appends instead of rewriting
  // pages. An in-memory database answers "memory", which is fine: it has no file.
  const std::string mode = connection.query_text("PRAGMA journal_mode = WAL");
  if (mode != "wal" && connection.path() != ":memory:")
    throw StoreError("store " + connection.path() + ": SQLite cannot use write-ahead logging for this file (journal " +
                     "mode '" + mode + "'); put the database on a local file system");
  // NORMAL in WAL mode: a commit is safe from a process crash; fsync happens at
  // checkpoints only.
  // A scratch store is thrown away: no fsync at all.
  connection.execute(scratch ? "PRAGMA synchronous = OFF" : "PRAGMA synchronous = NORMAL");
  // Another process (an operator's sqlite3 shell, a second host by mistake) may hold
  // the write lock for a moment: wait for it instead of failing at once.
  connection.execute("PRAGMA busy_timeout = 5000");
  // The engine keeps references consistent itself; checks would cost every insert.
  connection.execute("PRAGMA foreign_keys = OFF");
  connection.execute("PRAGMA temp_store = MEMORY");
  // 32 MiB of page cache (negative: in KiB): the hot part of the indexes stays in
  // memory without letting a million waiting enrollments grow the process.
  connection.execute("PRAGMA cache_size = -32768");
  // Keep the WAL file from staying large after a burst.
  connection.execute("PRAGMA journal_size_limit = 67108864");
  // Checkpoint every 10,000 pages (40 MB) of WAL instead of SQLite's 1,000: a tenth of
  // the fsyncs, and a page rewritten by many commits in between is copied back once.
  // Timers +3-10% in the engine bench (docs/PERFORMANCE.md).
  connection.execute("PRAGMA wal_autocheckpoint = 10000");
  apply_migrations(connection);
  return connection;
}

}  // namespace

struct SqliteStore::Waiter {
  bool ended = false;
  std::exception_ptr error;  // set when the batch failed instead of committing
};

SqliteStore::SqliteStore(const std::string& path, Durability durability)
    : durability_(durability),
      connection_(path),
      transaction_(configure(connection_, durability)),
      begin_(connection_, "BEGIN IMMEDIATE"),
      commit_(connection_, "COMMIT"),
      rollback_(connection_, "ROLLBACK"),
      savepoint_(connection_, "SAVEPOINT work"),
      release_savepoint_(connection_, "RELEASE work"),
      rollback_to_savepoint_(connection_, "ROLLBACK TO work") {
  // A scratch store's file is locked to this connection, and memory has no WAL.
  if (durability_ == Durability::full && path != ":memory:" && !path.empty())
    checkpointer_ = std::make_unique<WalCheckpointer>(connection_);
}

SqliteStore::~SqliteStore() {
  if (durability_ == Durability::none && open_ && scratch_failure_.empty()) {
    try {
      commit_scratch();
    } catch (const StoreError&) {
      // a scratch store: nobody is left to tell
    }
  }
}

void SqliteStore::transact(const std::function<void(Transaction&)>& work) {
  if (t_running_work_of == this)
    throw StoreError("store " + path() +
                     ": transact() called from inside a transact() callback; do that work in the outer callback");
  if (durability_ == Durability::none) {
    transact_scratch(work);
    return;
  }

  std::unique_lock lock(mutex_);
  ++waiting_;
  if (busy_) {
    const auto spin_until = std::chrono::steady_clock::now() + kSpinBeforeSleep;
    while (busy_ && std::chrono::steady_clock::now() < spin_until) {
      lock.unlock();
      std::this_thread::yield();
      lock.lock();
    }
  }
  turn_.wait(lock, [&] { return !busy_; });
  --waiting_;
  busy_ = true;
  lock.unlock();

  // This caller holds the connection until it hands it on or commits.
  std::exception_ptr work_error;
  bool opened = false;
  try {
    opened = begin_batch_if_needed();
  } catch (...) {
    work_error = std::current_exception();
  }
  if (!work_error) run_work(work, opened, work_error);

  Waiter self;
  lock.lock();
  if (open_ && !work_error) batch_.push_back(&self);
  if (open_ && (waiting_ == 0 || batch_.size() >= kMaxBatch)) {
    commit_batch(lock);
  } else {
    busy_ = false;
    turn_.notify_one();
  }
  if (work_error) std::rethrow_exception(work_error);
  if (!self.ended) {
    const auto spin_until = std::chrono::steady_clock::now() + kSpinBeforeSleep;
    while (!self.ended && std::chrono::steady_clock::now() < spin_until) {
      lock.unlock();
      std::this_thread::yield();
      lock.lock();
    }
  }
  ended_.wait(lock, [&] { return self.ended; });
  if (self.error) std::rethrow_exception(self.error);
}

void SqliteStore::transact_scratch(const std::function<void(Transaction&)>& work) {
  std::lock_guard turn(scratch_turn_);
  if (!scratch_failure_.empty())
    throw StoreError("store " + path() + ": an earlier work failed, and the works since the last commit of this " +
                     "scratch store were lost with it: " + scratch_failure_);
  begin_batch_if_needed();
  t_running_work_of = this;
  try {
    work(transaction_);
  } catch (...) {
    t_running_work_of = nullptr;
    transaction_.drop_counters();
    scratch_failure_ = message_of(std::current_exception());
    if (!connection_.in_autocommit()) {
      try {
        auto use = rollback_.use();
        use->run_to_end();
      } catch (const StoreError&) {
        // SQLite ends the transaction even when ROLLBACK reports an error.
      }
    }
    open_ = false;
    throw;
  }
  t_running_work_of = nullptr;
  if (++scratch_works_ >= kScratchWorksPerCommit) commit_scratch();
}

void SqliteStore::commit_scratch() {
  try {
    transaction_.flush_counters();
    auto use = commit_.use();
    use->run_to_end();
  } catch (const StoreError& failure) {
    transaction_.drop_counters();
    scratch_failure_ = failure.what();
    if (!connection_.in_autocommit()) {
      try {
        auto use = rollback_.use();
        use->run_to_end();
      } catch (const StoreError&) {
        // the COMMIT error is the one to report
      }
    }
    open_ = false;
    throw;
  }
  open_ = false;
  std::lock_guard lock(mutex_);
  ++stats_.commits;
  stats_.works += scratch_works_;
  stats_.largest_batch = std::max(stats_.largest_batch, scratch_works_);
  scratch_works_ = 0;
}

bool SqliteStore::begin_batch_if_needed() {
  if (open_) return false;
  auto use = begin_.use();
  use->run_to_end();
  open_ = true;
  return true;
}

void SqliteStore::run_work(const std::function<void(Transaction&)>& work, bool first, std::exception_ptr& work_error) {
  // The first work of a batch needs no savepoint: the transaction holds nothing else,
  // so ROLLBACK undoes exactly it. A savepoint costs SQLite a copy of every page the
  // work touches, and a lone caller's work is always the first.
  if (!first) {
    auto use = savepoint_.use();
    use->run_to_end();
  }
  t_running_work_of = this;
  try {
    work(transaction_);
  } catch (...) {
    work_error = std::current_exception();
  }
  t_running_work_of = nullptr;

  if (!work_error && first) {
    transaction_.keep_work_counters();
    return;
  }
  if (first) {
    abandon_batch(message_of(work_error));  // the batch holds no other work: nobody else is told
    return;
  }
  if (!work_error) {
    try {
      auto use = release_savepoint_.use();
      use->run_to_end();
      transaction_.keep_work_counters();
      return;
    } catch (...) {
      work_error = std::current_exception();
    }
  }
  transaction_.drop_work_counters();
  // Undo this work alone. SQLite may have rolled the whole transaction back by itself
  // (SQLITE_FULL, SQLITE_IOERR ...): then the other works of the batch are lost too.
  if (!connection_.in_autocommit()) {
    try {
      {
        auto use = rollback_to_savepoint_.use();
        use->run_to_end();
      }
      auto use = release_savepoint_.use();
      use->run_to_end();
      return;
    } catch (const StoreError&) {
      // falls through: the transaction is in an unknown state
    }
  }
  abandon_batch(message_of(work_error));
}

void SqliteStore::abandon_batch(const std::string& why) {
  transaction_.drop_counters();
  if (!connection_.in_autocommit()) {
    try {
      auto use = rollback_.use();
      use->run_to_end();
    } catch (const StoreError&) {
      // SQLite ends the transaction even when ROLLBACK reports an error.
    }
  }
  open_ = false;
  const auto error = std::make_exception_ptr(
      StoreError("store " + path() + ": the transaction this work shared with others was rolled back: " + why));
  std::lock_guard lock(mutex_);
  for (auto* waiter : batch_) {
    waiter->ended = true;
    waiter->error = error;
  }
  batch_.clear();
  ended_.notify_all();
}

void SqliteStore::commit_batch(std::unique_lock<std::mutex>& lock) {
  // The connection stays busy during COMMIT, but the mutex is free: callers arriving
  // meanwhile queue up and form the next batch.
  std::vector<Waiter*> batch;
  batch.swap(batch_);
  lock.unlock();
  std::exception_ptr error;
  try {
    transaction_.flush_counters();
    auto use = commit_.use();
    use->run_to_end();
  } catch (const StoreError& failure) {
    transaction_.drop_counters();
    if (!connection_.in_autocommit()) {
      try {
        auto use = rollback_.use();
        use->run_to_end();
      } catch (const StoreError&) {
        // the transaction ends anyway; the COMMIT error is the one to report
      }
    }
    error = std::make_exception_ptr(failure);
  }
  open_ = false;
  lock.lock();
  for (auto* waiter : batch) {
    waiter->ended = true;
    waiter->error = error;
  }
  if (!error && !batch.empty()) {
    ++stats_.commits;
    stats_.works += batch.size();
    stats_.largest_batch = std::max(stats_.largest_batch, batch.size());
  }
  busy_ = false;
  turn_.notify_one();
  ended_.notify_all();
}

SqliteStore::GroupCommitStats SqliteStore::stats() const {
  GroupCommitStats stats;
  {
    std::lock_guard lock(mutex_);
    stats = stats_;
  }
  if (checkpointer_) stats.background_checkpoints = checkpointer_->passes();
  return stats;
}

std::size_t SqliteStore::callers_waiting() const {
  std::lock_guard lock(mutex_);
  return waiting_;
}

}  // namespace parcours::store
