// The ingest queue (core/host/ingest_queue.hpp) with a scripted apply function: what
// arrives while a transaction runs is applied together next, within the event limit;
// stop() applies what is queued; a failing apply answers every caller.
#include <catch2/catch.hpp>

#include <condition_variable>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

#include "host/ingest_queue.hpp"

namespace {

using parcours::engine::IngestOutcome;
using parcours::engine::IngestRequest;
using parcours::host::IngestQueue;

IngestRequest request(std::size_t events) {
  IngestRequest out{"acme", {}};
  out.events.resize(events);
  return out;
}

// Holds the queue's first transaction until released, and records every call's size.
struct Gate {
  std::mutex mutex;
  std::condition_variable changed;
  bool entered = false, released = false;
  std::vector<std::size_t> calls;  // requests per apply call
  std::vector<bool> deferred;      // per apply call

  std::vector<IngestOutcome> apply(const std::vector<IngestRequest>& requests, bool defer) {
    std::unique_lock lock(mutex);
    calls.push_back(requests.size());
    deferred.push_back(defer);
    entered = true;
    changed.notify_all();
    changed.wait(lock, [&] { return released; });
    std::vector<IngestOutcome> outcomes(requests.size());
    for (std::size_t i = 0; i < requests.size(); ++i) outcomes[i].result.accepted = requests[i].events.size();
    return outcomes;
  }
  void wait_entered() {
    std::unique_lock lock(mutex);
    changed.wait(lock, [&] { return entered; });
  }
  void release() {
    std::lock_guard lock(mutex);
    released = true;
    changed.notify_all();
  }
};

struct Answers {
  std::mutex mutex;
  std::vector<IngestOutcome> got;
  IngestQueue::Done done() {
    return [this](IngestOutcome outcome) {
      std::lock_guard lock(mutex);
      got.push_back(std::move(outcome));
    };
  }
  std::size_t count() {
    std::lock_guard lock(mutex);
    return got.size();
  }
};

}  // namespace

TEST_CASE("ingest queue: requests that wait are applied together, within the event limit") {
  Gate gate;
  Answers answers;
  {
    IngestQueue queue([&](const auto& requests, bool defer) { return gate.apply(requests, defer); },
                      {.max_events = 10, .backlog = 1000});
    queue.submit(request(1), answers.done());
    gate.wait_entered();  // the first transaction runs; these arrive meanwhile
    for (int i = 0; i < 4; ++i) queue.submit(request(3), answers.done());
    queue.submit(request(25), answers.done());  // over the limit alone: a transaction of its own
    gate.release();
    queue.stop();  // applies everything queued before it returns
    const auto stats = queue.stats();
    CHECK(stats.requests == 6);
    CHECK(stats.largest == 3);
  }
  // 1, then 3+3+3 (9 events; a fourth would make 12 > 10), then 3, then 25 alone.
  CHECK(gate.calls == std::vector<std::size_t>{1, 3, 1, 1});
  CHECK(gate.deferred == std::vector<bool>{false, false, false, false});  // never over the backlog
  REQUIRE(answers.count() == 6);
  std::size_t events = 0;
  for (const auto& outcome : answers.got) {
    CHECK_FALSE(outcome.error);
    events += outcome.result.accepted;
  }
  CHECK(events == 1 + 4 * 3 + 25);
}

TEST_CASE("ingest queue: a failing transaction answers each of its callers with the error") {
  IngestQueue queue([](const std::vector<IngestRequest>&, bool) -> std::vector<IngestOutcome> {
    throw std::runtime_error("disk full");
  });
  Answers answers;
  queue.submit(request(2), answers.done());
  const auto waited = queue.apply_and_wait(request(1));
  REQUIRE(waited.error);
  CHECK_THROWS_WITH(std::rethrow_exception(waited.error), "disk full");
  queue.stop();
  REQUIRE(answers.count() == 1);
  CHECK(answers.got[0].error);
}

TEST_CASE("ingest queue: after stop, a request is applied on the caller's thread") {
  std::thread::id applied_on;
  IngestQueue queue([&](const std::vector<IngestRequest>& requests, bool) {
    applied_on = std::this_thread::get_id();
    return std::vector<IngestOutcome>(requests.size());
  });
  queue.stop();
  const auto outcome = queue.apply_and_wait(request(1));
  CHECK_FALSE(outcome.error);
  CHECK(applied_on == std::this_thread::get_id());
}

TEST_CASE("ingest queue: over the backlog, batches are deferred, and stay so until the deferred are applied") {
  Gate gate;
  Answers answers;
  int woken = 0;
  IngestQueue queue([&](const auto& requests, bool defer) { return gate.apply(requests, defer); },
                    {.max_events = 4, .backlog = 5}, [&] { ++woken; });
  queue.submit(request(2), answers.done());
  gate.wait_entered();
  // 3 + 3 = 6 events wait: over the backlog of 5.
  queue.submit(request(3), answers.done());
  queue.submit(request(3), answers.done());
  gate.release();
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (answers.count() < 3 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  REQUIRE(answers.count() == 3);
  // The first applied inline; the next two deferred (each 3 events: 3 + 3 > 4, two transactions).
  CHECK(queue.pending() == 6);
  // Nothing waits now, but 6 deferred events are unapplied: a new batch is deferred too,
  // so that it is applied after them.
  queue.apply_and_wait(request(1));
  CHECK(queue.pending() == 7);
  queue.processed(7);
  CHECK(queue.pending() == 0);
  queue.apply_and_wait(request(1));  // caught up: applied inline again
  queue.stop();
  {
    std::lock_guard lock(gate.mutex);
    CHECK(gate.deferred == std::vector<bool>{false, true, true, true, false});
  }
  CHECK(woken == 3);  // once per deferred transaction
  CHECK(queue.stats().deferred_transactions == 3);
}

TEST_CASE("ingest queue: a duplicate or a refused batch leaves nothing pending") {
  IngestQueue queue(
      [](const std::vector<IngestRequest>& requests, bool) {
        std::vector<IngestOutcome> outcomes(requests.size());
        outcomes[0].result.duplicates = requests[0].events.size();  // all seen before
        return outcomes;
      },
      {.max_events = 100, .backlog = 0});
  queue.apply_and_wait(request(4));
  CHECK(queue.pending() == 0);
}
