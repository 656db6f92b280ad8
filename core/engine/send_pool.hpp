// The threads channel calls run on when the dispatcher sends in the background
// (Dispatcher::send_in_background): one lane per channel instance, each served by up to
// that channel's `concurrency` threads, started when first needed and kept for the
// pool's life. A slow provider fills its own lane only: the other channels' messages,
// and the work thread's timers and events, go on (ARCHITECTURE.md, "Concurrency").
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace parcours::engine {

class SendPool {
 public:
  using Job = std::function<void()>;

  SendPool() = default;
  // Runs every job already submitted, then joins the threads.
  ~SendPool();
  SendPool(const SendPool&) = delete;
  SendPool& operator=(const SendPool&) = delete;

  // Queues `job` on the lane `lane` (any stable key: the channel's config), which runs
  // at most `concurrency` jobs at once. Jobs must not throw.
  void submit(const void* lane, int concurrency, Job job);

 private:
  struct Lane {
    std::deque<Job> jobs;
    std::vector<std::thread> threads;
    std::size_t idle = 0;  // threads waiting for a job
  };
  std::mutex mutex_;
  std::condition_variable work_;
  bool stopping_ = false;
  std::map<const void*, std::unique_ptr<Lane>> lanes_;

  void serve(Lane& lane);
};

}  // namespace parcours::engine
