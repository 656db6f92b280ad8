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

  // For channels that send without holding a thread (ChannelSender::send_async): `start`
  // begins one send and returns; whoever learns that the send is over calls
  // finished(lane). At most `concurrency` sends of a lane are started and not finished;
  // the others wait, and are started by the thread that submits or finishes one —
  // never by a thread of the pool. Neither `start` nor finished() may be called with a
  // lock held that the other takes; `start` may call finished() itself (a send that
  // fails at once): the loop that started it starts the next.
  void submit_async(const void* lane, int concurrency, Job start);
  void finished(const void* lane);

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

  struct AsyncLane {
    std::deque<Job> waiting;
    int concurrency = 1;
    int running = 0;        // started, not finished
    bool starting = false;  // a thread is in start_waiting() for this lane
  };
  std::map<const void*, std::unique_ptr<AsyncLane>> async_lanes_;

  void serve(Lane& lane);
  // Starts waiting sends while the lane has room; `lock` holds mutex_. A thread that
  // finds another one starting leaves it to that one, which sees the room it made (the
  // flag and the counts change under mutex_ only), so sends do not nest on one stack.
  void start_waiting(AsyncLane& lane, std::unique_lock<std::mutex>& lock);
};

}  // namespace parcours::engine
