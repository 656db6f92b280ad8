#include "host/ingest_queue.hpp"

#include <spdlog/spdlog.h>

#include <future>

namespace parcours::host {

IngestQueue::IngestQueue(Apply apply, std::size_t max_events)
    : apply_(std::move(apply)), max_events_(std::max<std::size_t>(1, max_events)) {
  thread_ = std::thread([this] { loop(); });
}

IngestQueue::~IngestQueue() {
  stop();
}

void IngestQueue::submit(engine::IngestRequest request, Done done) {
  {
    std::lock_guard lock(mutex_);
    if (!stopping_) {
      queue_.push_back({std::move(request), std::move(done)});
      ready_.notify_one();
      return;
    }
  }
  std::vector<Item> alone;
  alone.push_back({std::move(request), std::move(done)});
  apply_now(alone);
}

engine::IngestOutcome IngestQueue::apply_and_wait(engine::IngestRequest request) {
  if (std::this_thread::get_id() == thread_.get_id()) {
    // Asked from inside a transaction's aftermath (a done callback): queuing would wait
    // for this very thread.
    auto outcomes = apply_({std::move(request)});
    return std::move(outcomes.at(0));
  }
  std::promise<engine::IngestOutcome> promise;
  auto future = promise.get_future();
  submit(std::move(request), [&promise](engine::IngestOutcome outcome) { promise.set_value(std::move(outcome)); });
  return future.get();
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
    {
      std::unique_lock lock(mutex_);
      ready_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, and everything applied
      std::size_t events = 0;
      while (!queue_.empty() && (items.empty() || events + queue_.front().request.events.size() <= max_events_)) {
        events += queue_.front().request.events.size();
        items.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    apply_now(items);
    items.clear();
  }
}

void IngestQueue::apply_now(std::vector<Item>& items) {
  std::vector<engine::IngestRequest> requests;
  requests.reserve(items.size());
  for (auto& item : items) requests.push_back(std::move(item.request));
  std::vector<engine::IngestOutcome> outcomes;
  try {
    outcomes = apply_(requests);
  } catch (...) {
    outcomes.assign(requests.size(), engine::IngestOutcome{{}, std::current_exception()});
  }
  outcomes.resize(requests.size());
  {
    std::lock_guard lock(mutex_);
    ++stats_.transactions;
    stats_.requests += requests.size();
    stats_.largest = std::max(stats_.largest, requests.size());
  }
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
