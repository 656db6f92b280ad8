// The SQLite store: the embedded default behind `sqlite://` urls. One file in WAL mode
// with synchronous=NORMAL: a commit survives the process being killed at any point
// (the WAL is written before COMMIT returns); a power cut may lose the last commits
// but never corrupts the file. Durations are due times in tables, never sleeps.
//
// One connection, used by one caller at a time, with every statement prepared once.
// SQLite allows one writer per database, so a second connection would only wait.
//
// Group commit. A COMMIT costs far more than the few rows one event writes, so
// callers that arrive together share one physical transaction:
//   - a caller waits for its turn on the connection; the first of a batch runs BEGIN;
//   - it runs its own work, on its own thread, inside `SAVEPOINT work`: when the work
//     throws, ROLLBACK TO undoes exactly its changes and the exception goes back to
//     this caller only, the others of the batch are not touched. The work that began
//     the transaction needs no savepoint (ROLLBACK undoes exactly it) and has none: a
//     savepoint makes SQLite copy every page the work touches;
//   - at the end of its turn, if other callers are waiting for the connection and the
//     batch holds fewer than kMaxBatch works, it hands the open transaction on and
//     waits; otherwise it runs COMMIT for the whole batch and wakes the callers whose
//     work it holds. transact() returns only once the work is committed.
// A lone caller finds nobody waiting and commits at once: it pays nothing for this.
// A waiting caller spins (yielding) for up to 50 µs before it sleeps: with
// synchronous=NORMAL a COMMIT costs about as much as waking a sleeping thread, and
// the connection would sit idle while the next caller wakes up.
// The bound keeps a batch's latency and memory in check under heavy load. If the
// shared transaction itself fails (COMMIT fails, or SQLite rolls it back after an
// I/O error), every caller whose work it held gets the StoreError.
//
// A scratch store (Durability::none) is for a database thrown away at the end of the
// process, `parcours simulate`'s own: it keeps one transaction open across calls and
// commits it every kScratchWorksPerCommit works and when the store closes, with no
// fsync and an exclusive lock on the file, and runs works without savepoints. Tens of
// thousands of small transact() calls a second then cost SQL only, not a commit each.
// The price: a work that throws takes every work since the last commit with it, and
// the store then refuses every call. Use it only where the first error ends the run.
//
// Checkpoints: a durable store on a file copies its WAL back into the database on a
// thread of its own (wal_checkpointer.hpp), so that commits do not stop for it.
//
// Calling transact() from inside a work callback would wait for itself: it throws.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "store/sqlite_connection.hpp"
#include "store/sqlite_transaction.hpp"
#include "store/store.hpp"
#include "store/wal_checkpointer.hpp"

namespace parcours::store {

class SqliteStore final : public Store {
 public:
  static constexpr std::size_t kMaxBatch = 64;
  static constexpr std::size_t kScratchWorksPerCommit = 1000;

  enum class Durability {
    full,  // transact() returns once its work is committed (the default)
    none,  // a scratch store (see above)
  };

  // Opens (creating) the database file at `path`, or a private in-memory database
  // for ":memory:", and applies pending migrations. Throws StoreError naming the file.
  explicit SqliteStore(const std::string& path, Durability durability = Durability::full);
  ~SqliteStore() override;
  SqliteStore(const SqliteStore&) = delete;
  SqliteStore& operator=(const SqliteStore&) = delete;

  void transact(const std::function<void(Transaction&)>& work) override;

  // How well group commit works, for benchmarks and tests.
  struct GroupCommitStats {
    std::uint64_t commits = 0;                 // physical transactions committed
    std::uint64_t works = 0;                   // transact() calls whose work they committed
    std::size_t largest_batch = 0;             // the most works one commit held
    std::uint64_t background_checkpoints = 0;  // WAL checkpoints done off the writing thread
  };
  GroupCommitStats stats() const;
  // Callers waiting for the connection right now (tests use it to build a batch).
  std::size_t callers_waiting() const;

  const std::string& path() const { return connection_.path(); }

 private:
  struct Waiter;  // a caller whose work is in the open batch, waiting for its end

  void transact_scratch(const std::function<void(Transaction&)>& work);
  void commit_scratch();
  bool begin_batch_if_needed();  // true when it began the transaction
  void run_work(const std::function<void(Transaction&)>& work, bool first, std::exception_ptr& work_error);
  void abandon_batch(const std::string& why);
  void commit_batch(std::unique_lock<std::mutex>& lock);

  Durability durability_;
  Connection connection_;
  SqliteTransaction transaction_;
  Statement begin_;
  Statement commit_;
  Statement rollback_;
  Statement savepoint_;
  Statement release_savepoint_;
  Statement rollback_to_savepoint_;

  mutable std::mutex mutex_;
  std::condition_variable turn_;   // the connection became free
  std::condition_variable ended_;  // a batch committed or failed
  bool busy_ = false;              // a caller holds the connection
  std::size_t waiting_ = 0;        // callers waiting for the connection
  // Touched only by the caller that holds the connection:
  bool open_ = false;           // BEGIN ran, COMMIT not yet
  std::vector<Waiter*> batch_;  // callers whose work the open transaction holds
  GroupCommitStats stats_;
  // Durability::none: one caller at a time, the works since the last commit, and why
  // the store refuses calls (empty while it does not).
  std::mutex scratch_turn_;
  std::size_t scratch_works_ = 0;
  std::string scratch_failure_;
  std::unique_ptr<WalCheckpointer> checkpointer_;  // last: it stops before the connection closes
};

}  // namespace parcours::store
