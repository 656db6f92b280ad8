// Event batches from many callers — HTTP requests above all — are gathered here and
// applied by one thread, as many as are waiting, in one store transaction.
//
// Why: a commit costs far more than an event (the WAL write, the wake-ups), and a
// server thread that blocks on its own commit costs a thread switch per request. Here
// a request thread hands its events over and is free at once; the answer goes out when
// the shared transaction is committed. Under load the transactions grow by themselves
// (everything that arrived during the last one), idle ones stay one request long.
// Each caller's batch is still all or nothing (Engine::ingest_many).
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "engine/engine.hpp"

namespace parcours::host {

class IngestQueue {
 public:
  // Applies the requests (one transaction) and returns one outcome per request.
  using Apply = std::function<std::vector<engine::IngestOutcome>(const std::vector<engine::IngestRequest>&)>;
  // Called once per request, on the queue's thread, after the commit.
  using Done = std::function<void(engine::IngestOutcome)>;

  // `max_events`: a transaction takes requests until it holds this many events (at
  // least one request, whatever its size), so that a deep queue is not one huge commit.
  explicit IngestQueue(Apply apply, std::size_t max_events = 5000);
  ~IngestQueue();
  IngestQueue(const IngestQueue&) = delete;
  IngestQueue& operator=(const IngestQueue&) = delete;

  // Queues the request; `done` is told the outcome. After stop(), applies it at once
  // on the calling thread.
  void submit(engine::IngestRequest request, Done done);
  // The same, waiting for the outcome (from the queue's own thread: applied at once).
  engine::IngestOutcome apply_and_wait(engine::IngestRequest request);

  // Applies what is queued, then stops the thread. Idempotent.
  void stop();

  struct Stats {
    std::size_t transactions = 0;
    std::size_t requests = 0;
    std::size_t largest = 0;  // requests in the largest transaction
  };
  Stats stats() const;

 private:
  struct Item {
    engine::IngestRequest request;
    Done done;
  };
  void loop();
  void apply_now(std::vector<Item>& items);

  Apply apply_;
  std::size_t max_events_;
  mutable std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<Item> queue_;
  bool stopping_ = false;
  Stats stats_;
  std::thread thread_;
};

}  // namespace parcours::host
