#include "engine/send_pool.hpp"

#include <parcours/thread_name.hpp>

#include <algorithm>

namespace parcours::engine {

SendPool::~SendPool() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  work_.notify_all();
  for (auto& [key, lane] : lanes_)
    for (auto& thread : lane->threads) thread.join();
}

void SendPool::submit(const void* lane_key, int concurrency, Job job) {
  std::lock_guard lock(mutex_);
  auto& slot = lanes_[lane_key];
  if (!slot) slot = std::make_unique<Lane>();
  Lane& lane = *slot;
  lane.jobs.push_back(std::move(job));
  // A thread more while the lane has fewer than its concurrency and none is free.
  if (lane.idle < lane.jobs.size() && lane.threads.size() < static_cast<std::size_t>(std::max(1, concurrency)))
    lane.threads.emplace_back([this, &lane] {
      parcours::name_this_thread("parcours-send");
      serve(lane);
    });
  work_.notify_all();
}

void SendPool::submit_async(const void* lane_key, int concurrency, Job start) {
  std::unique_lock lock(mutex_);
  auto& slot = async_lanes_[lane_key];
  if (!slot) slot = std::make_unique<AsyncLane>();
  slot->concurrency = std::max(1, concurrency);
  slot->waiting.push_back(std::move(start));
  start_waiting(*slot, lock);
}

void SendPool::finished(const void* lane_key) {
  std::unique_lock lock(mutex_);
  AsyncLane& lane = *async_lanes_.at(lane_key);
  --lane.running;
  start_waiting(lane, lock);
}

void SendPool::start_waiting(AsyncLane& lane, std::unique_lock<std::mutex>& lock) {
  if (lane.starting) return;
  lane.starting = true;
  while (!lane.waiting.empty() && lane.running < lane.concurrency) {
    Job start = std::move(lane.waiting.front());
    lane.waiting.pop_front();
    ++lane.running;
    lock.unlock();
    start();
    lock.lock();
  }
  lane.starting = false;
}

void SendPool::serve(Lane& lane) {
  std::unique_lock lock(mutex_);
  while (true) {
    ++lane.idle;
    work_.wait(lock, [&] { return stopping_ || !lane.jobs.empty(); });
    --lane.idle;
    if (lane.jobs.empty()) return;  // stopping, and nothing left to send
    Job job = std::move(lane.jobs.front());
    lane.jobs.pop_front();
    lock.unlock();
    job();
    lock.lock();
  }
}

}  // namespace parcours::engine
