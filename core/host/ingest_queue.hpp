// Event batches from many callers — HTTP requests above all — are gathered here and
// applied by one thread, as many as are waiting, in one store transaction.
//
// Why: a commit costs far more than an event (the WAL write, the wake-ups), and a
// server thread that blocks on its own commit costs a thread switch per request. Here
// a request thread hands its events over and is free at once; the answer goes out when
// the shared transaction is committed. Under load the transactions grow by themselves
// (everything that arrived during the last one), idle ones stay one request long.
// Each caller's batch is still all or nothing (Engine::ingest_many).
//
// Falling behind: applying an event (enrolments, steps, timers) costs several times
// what storing it does. When more than `backlog` events wait, batches are stored in the
// event log unapplied ("deferred") and answered at once; the host's work thread applies
// them right after, oldest first (Engine::process_pending_events, which calls
// processed()). While any deferred event is unapplied, every new batch is deferred too,
// so that a contact's events are applied in the order they came. Above `max_pending`
// unapplied events the queue stops taking batches until the work thread catches up:
// callers wait, and so do their HTTP clients.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "engine/engine.hpp"

namespace parcours::host {

struct IngestQueueOptions {
  std::size_t max_events = 5000;       // events a transaction takes (at least one request, whatever its size)
  std::size_t backlog = 1000;          // events waiting above which batches are deferred; 0: always
  std::int64_t max_pending = 1000000;  // deferred events unapplied above which the queue waits
};

class IngestQueue {
 public:
  // Stores the requests in one transaction, applying them unless `defer`; one outcome per request.
  using Apply =
      std::function<std::vector<engine::IngestOutcome>(const std::vector<engine::IngestRequest>&, bool defer)>;
  // Called once per request, on the queue's thread, after the commit.
  using Done = std::function<void(engine::IngestOutcome)>;

  // `deferred`: called after a deferred transaction is committed (to wake whoever
  // applies the events).
  IngestQueue(Apply apply, IngestQueueOptions options = {}, std::function<void()> deferred = {});
  ~IngestQueue();
  IngestQueue(const IngestQueue&) = delete;
  IngestQueue& operator=(const IngestQueue&) = delete;

  // Queues the request; `done` is told the outcome. After stop(), applies it at once
  // on the calling thread.
  void submit(engine::IngestRequest request, Done done);
  // The same, waiting for the outcome (from the queue's own thread: applied at once).
  engine::IngestOutcome apply_and_wait(engine::IngestRequest request);

  // Deferred events stored and not yet applied, and the applier's report of `events` applied.
  std::int64_t pending() const;
  void processed(std::size_t events);
  // Whether batches are coming: some wait, or one was taken within the last 50 ms. The
  // applier of deferred events gives way meanwhile (they share one store connection).
  bool busy() const;

  // Applies what is queued, then stops the thread. Idempotent.
  void stop();

  struct Stats {
    std::size_t transactions = 0;
    std::size_t requests = 0;
    std::size_t largest = 0;  // requests in the largest transaction
    std::size_t deferred_transactions = 0;
  };
  Stats stats() const;

 private:
  struct Item {
    engine::IngestRequest request;
    Done done;
  };
  void loop();
  // Applies `items` in one transaction (deferred when `defer`), then answers each.
  void run(std::vector<Item>& items, bool defer);

  Apply apply_;
  IngestQueueOptions options_;
  std::function<void()> deferred_;
  mutable std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<Item> queue_;
  std::size_t queued_events_ = 0;
  std::chrono::steady_clock::time_point last_taken_{};
  std::int64_t pending_ = 0;
  bool stopping_ = false;
  Stats stats_;
  std::thread thread_;
};

}  // namespace parcours::host
