#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "send_batcher.hpp"

using namespace std::chrono_literals;
using parcours::facebook_ads::SendBatcher;
using Clock = std::chrono::steady_clock;

namespace {

// Records every flush; answers "<key>:<item>" for each item.
struct Recorder {
  std::mutex mutex;
  std::vector<std::pair<std::string, std::vector<int>>> flushes;

  SendBatcher<int, std::string>::Flush flush() {
    return [this](const std::string& key, const std::vector<int>& items) {
      {
        const std::lock_guard<std::mutex> lock(mutex);
        flushes.emplace_back(key, items);
      }
      std::vector<std::string> out;
      for (int item : items) out.push_back(key + ":" + std::to_string(item));
      return out;
    };
  }
};

std::string failed(const std::string& problem) {
  return "failed: " + problem;
}

// Runs submit(key, item) for every item on its own thread; returns the outcomes in item order.
std::vector<std::string> submit_all(SendBatcher<int, std::string>& batcher, const std::string& key, int count) {
  std::vector<std::string> outcomes(static_cast<std::size_t>(count));
  std::vector<std::thread> threads;
  for (int i = 0; i < count; ++i)
    threads.emplace_back([&, i] { outcomes[static_cast<std::size_t>(i)] = batcher.submit(key, i); });
  for (auto& thread : threads) thread.join();
  return outcomes;
}

}  // namespace

TEST_CASE("concurrent sends go out as one request, sent as soon as it is full, each getting its own answer") {
  Recorder recorder;
  SendBatcher<int, std::string> batcher(10s, 20, recorder.flush(), failed);
  const auto start = Clock::now();
  const auto outcomes = submit_all(batcher, "POST 42", 20);
  CHECK(Clock::now() - start < 5s);  // full: not held for the window
  REQUIRE(recorder.flushes.size() == 1);
  CHECK(recorder.flushes[0].second.size() == 20);
  for (int i = 0; i < 20; ++i) CHECK(outcomes[static_cast<std::size_t>(i)] == "POST 42:" + std::to_string(i));
}

TEST_CASE("a batch that does not fill up is sent when its window after the first member ends") {
  Recorder recorder;
  SendBatcher<int, std::string> batcher(200ms, 100, recorder.flush(), failed);
  const auto start = Clock::now();
  const auto outcomes = submit_all(batcher, "POST 42", 5);
  const auto elapsed = Clock::now() - start;
  CHECK(elapsed >= 200ms);
  CHECK(elapsed < 5s);
  REQUIRE(recorder.flushes.size() == 1);
  CHECK(recorder.flushes[0].second.size() == 5);
  CHECK(outcomes[4] == "POST 42:4");
}

TEST_CASE("more members than max_size make several requests of at most max_size") {
  Recorder recorder;
  SendBatcher<int, std::string> batcher(300ms, 4, recorder.flush(), failed);
  const auto outcomes = submit_all(batcher, "POST 42", 10);
  std::size_t total = 0;
  for (const auto& [key, items] : recorder.flushes) {
    CHECK(items.size() <= 4);
    total += items.size();
  }
  CHECK(total == 10);
  CHECK(recorder.flushes.size() >= 3);
  CHECK(batcher.batches_sent() == recorder.flushes.size());
  for (int i = 0; i < 10; ++i) CHECK(outcomes[static_cast<std::size_t>(i)] == "POST 42:" + std::to_string(i));
}

TEST_CASE("sends for different keys never share a request") {
  Recorder recorder;
  SendBatcher<int, std::string> batcher(200ms, 100, recorder.flush(), failed);
  std::string add;
  std::string remove;
  std::thread one([&] { add = batcher.submit("POST 42", 1); });
  std::thread two([&] { remove = batcher.submit("DELETE 42", 2); });
  one.join();
  two.join();
  CHECK(add == "POST 42:1");
  CHECK(remove == "DELETE 42:2");
  CHECK(recorder.flushes.size() == 2);
}

TEST_CASE("a flush that throws or miscounts gives every member the failure, and the next batch starts afresh") {
  std::atomic<int> calls{0};
  SendBatcher<int, std::string> batcher(
      100ms, 100,
      [&](const std::string&, const std::vector<int>& items) -> std::vector<std::string> {
        if (++calls == 1) throw std::runtime_error("no route to host");
        return std::vector<std::string>(items.size() + 1, "extra");
      },
      failed);
  const auto thrown = submit_all(batcher, "POST 42", 3);
  for (const auto& outcome : thrown) CHECK(outcome == "failed: no route to host");
  const auto miscounted = submit_all(batcher, "POST 42", 2);
  for (const auto& outcome : miscounted) CHECK(outcome.find("3 results for 2 messages") != std::string::npos);
}

TEST_CASE("closing sends the open batch at once instead of waiting its window, then refuses new sends") {
  Recorder recorder;
  SendBatcher<int, std::string> batcher(1h, 100, recorder.flush(), failed);
  std::string outcome;
  const auto start = Clock::now();
  std::thread waiting([&] { outcome = batcher.submit("POST 42", 7); });
  while (batcher.members_waiting() == 0) std::this_thread::sleep_for(1ms);
  batcher.close();  // returns once the waiting send has its answer
  waiting.join();
  CHECK(Clock::now() - start < 10s);
  CHECK(outcome == "POST 42:7");
  CHECK(batcher.submit("POST 42", 8).starts_with("failed: the channel is shutting down"));
}
