#include "host/ingest_queue.hpp"

#include <parcours/thread_name.hpp>

#include <spdlog/spdlog.h>

#include <future>

namespace parcours::host {

IngestQueue::IngestQueue(Apply apply, IngestQueueOptions options, std::function<void()> deferred)
    : apply_(std::move(apply)), options_(options), deferred_(std::move(deferred)) {
  options_.max_events = std::max<std::size_t>(1, options_.max_events);
  thread_ = std::thread([this] {
    parcours::name_this_thread("parcours-ingest");
    loop();
  });
}

IngestQueue::~IngestQueue() {
  stop();
}

void IngestQueue::submit(engine::IngestRequest request, Done done) {
  bool defer = false;
  {
    std::lock_guard lock(mutex_);
    if (!stopping_) {
      queued_events_ += request.events.size();
      queue_.push_back({std::move(request), std::move(done)});
      ready_.notify_one();
      return;
    }
    defer = pending_ > 0;  // after stop: behind the deferred ones still unapplied, if any
  }
  std::vector<Item> alone;
  alone.push_back({std::move(request), std::move(done)});
  run(alone, defer);
}

engine::IngestOutcome IngestQueue::apply_and_wait(engine::IngestRequest request) {
  engine::IngestOutcome outcome;
  const Done keep = [&outcome](engine::IngestOutcome given) { outcome = std::move(given); };
  if (std::this_thread::get_id() == thread_.get_id()) {
    // Asked from a done callback, on this thread: queuing would wait for this very thread.
    std::vector<Item> alone;
    alone.push_back({std::move(request), keep});
    run(alone, pending() > 0);
    return outcome;
  }
  std::promise<engine::IngestOutcome> promise;
  auto future = promise.get_future();
  submit(std::move(request), [&promise](engine::IngestOutcome given) { promise.set_value(std::move(given)); });
  return future.get();
}

std::int64_t IngestQueue::pending() const {
  std::lock_guard lock(mutex_);
  return pending_;
}

bool IngestQueue::busy() const {
  std::lock_guard lock(mutex_);
  return queued_events_ > 0 || std::chrono::steady_clock::now() - last_taken_ < std::chrono::milliseconds(50);
}

void IngestQueue::processed(std::size_t events) {
  {
    std::lock_guard lock(mutex_);
    pending_ = std::max<std::int64_t>(0, pending_ - static_cast<std::int64_t>(events));
  }
  ready_.notify_all();  // a queue waiting at max_pending may go on
}

void IngestQueue::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  ready_.notify_all();
  if (thread_.joinable()) thread_.join();
}

IngestQueue::Stats IngestQueue::stats() const {
  std::lock_guard lock(mutex_);
  return stats_;
}

void IngestQueue::loop() {
  std::vector<Item> items;
  while (true) {
    bool defer = false;
    {
      std::unique_lock lock(mutex_);
      ready_.wait(lock, [&] { return stopping_ || (!queue_.empty() && pending_ < options_.max_pending); });
      if (queue_.empty()) return;  // stopping, and everything applied
      const std::size_t waiting = queued_events_;
      std::size_t events = 0;
      while (!queue_.empty() &&
             (items.empty() || events + queue_.front().request.events.size() <= options_.max_events)) {
        events += queue_.front().request.events.size();
        items.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
      queued_events_ -= events;
      last_taken_ = std::chrono::steady_clock::now();
      defer = pending_ > 0 || waiting > options_.backlog;
    }
    run(items, defer);
    items.clear();
  }
}

void IngestQueue::run(std::vector<Item>& items, bool defer) {
  std::vector<engine::IngestRequest> requests;
  requests.reserve(items.size());
  std::size_t events = 0;
  for (auto& item : items) {
    events += item.request.events.size();
    requests.push_back(std::move(item.request));
  }
  // Counted before the commit: the applier, on another thread, can never have applied
  // more deferred events than are counted here.
  if (defer) {
    std::lock_guard lock(mutex_);
    pending_ += static_cast<std::int64_t>(events);
  }
  std::vector<engine::IngestOutcome> outcomes;
  try {
    outcomes = apply_(requests, defer);
  } catch (...) {
    outcomes.assign(requests.size(), engine::IngestOutcome{{}, std::current_exception()});
  }
  outcomes.resize(requests.size());
  std::size_t stored = 0;
  for (const auto& outcome : outcomes)
    if (!outcome.error) stored += outcome.result.accepted;
  {
    std::lock_guard lock(mutex_);
    if (defer) {
      pending_ -= static_cast<std::int64_t>(events - stored);  // duplicates and refusals: nothing to apply
      ++stats_.deferred_transactions;
    }
    ++stats_.transactions;
    stats_.requests += requests.size();
    stats_.largest = std::max(stats_.largest, requests.size());
  }
  if (defer && stored > 0 && deferred_) deferred_();
  for (std::size_t i = 0; i < items.size(); ++i) {
    try {
      items[i].done(std::move(outcomes[i]));
    } catch (const std::exception& error) {
      // A caller's callback must not stop the queue for everyone else.
      spdlog::error("after ingesting a batch: {}", error.what());
    }
  }
}

}  // namespace parcours::host
