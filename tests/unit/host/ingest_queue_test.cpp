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

  std::vector<IngestOutcome> apply(const std::vector<IngestRequest>& requests) {
    std::unique_lock lock(mutex);
    calls.push_back(requests.size());
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
    IngestQueue queue([&](const auto& requests) { return gate.apply(requests); }, 10);
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
  REQUIRE(answers.count() == 6);
  std::size_t events = 0;
  for (const auto& outcome : answers.got) {
    CHECK_FALSE(outcome.error);
    events += outcome.result.accepted;
  }
  CHECK(events == 1 + 4 * 3 + 25);
}

TEST_CASE("ingest queue: a failing transaction answers each of its callers with the error") {
  IngestQueue queue(
      [](const std::vector<IngestRequest>&) -> std::vector<IngestOutcome> { throw std::runtime_error("disk full"); });
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
  IngestQueue queue([&](const std::vector<IngestRequest>& requests) {
    applied_on = std::this_thread::get_id();
    return std::vector<IngestOutcome>(requests.size());
  });
  queue.stop();
  const auto outcome = queue.apply_and_wait(request(1));
  CHECK_FALSE(outcome.error);
  CHECK(applied_on == std::this_thread::get_id());
}
