// Groups the sends of many threads into one request. The host calls a channel's send()
// once per message, from up to `concurrency` threads at once, and each call must
// return that message's result; Meta, on its side, takes up to 10,000 contacts per
// request and counts requests against its rate limits. So a send joins the open batch
// of its key (for the ads channel: the audience and the action) and blocks until that
// batch is sent, then returns its own part of the answer.
//
// A batch is sent when it reaches `max_size` members, or `window` after its first
// member joined, whichever comes first. Its first member (the leader) waits for that
// moment and performs the request on its own thread, outside the lock; the others
// wait on the batch's condition variable. No thread of our own, no busy waiting.
//
// close() (the channel's destructor) sends every open batch at once instead of
// waiting for its window, refuses new members, and returns when no send() is inside.
//
// Item: what one member brings. Outcome: what it gets back.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <exception>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace parcours::facebook_ads {

template <typename Item, typename Outcome>
class SendBatcher {
 public:
  // Sends one batch: one outcome per item, in their order. May throw: every member
  // then gets `failure(message)`.
  using Flush = std::function<std::vector<Outcome>(const std::string& key, const std::vector<Item>& items)>;
  // The outcome of a member whose batch could not be sent (an exception, a wrong
  // count of outcomes, or a send() after close()).
  using Failure = std::function<Outcome(const std::string& message)>;

  SendBatcher(std::chrono::milliseconds window, std::size_t max_size, Flush flush, Failure failure)
      : window_(window),
        max_size_(max_size == 0 ? 1 : max_size),
        flush_(std::move(flush)),
        failure_(std::move(failure)) {}

  SendBatcher(const SendBatcher&) = delete;
  SendBatcher& operator=(const SendBatcher&) = delete;

  ~SendBatcher() { close(); }

  // Adds `item` to the open batch of `key` and returns its outcome once the batch is sent.
  Outcome submit(const std::string& key, Item item) {
    std::unique_lock<std::mutex> lock(mutex_);
    if (closing_) return failure_("the channel is shutting down; the message is sent again after the restart");
    const Inside inside(*this);  // destroyed before `lock`, so with the lock held
    std::shared_ptr<Batch>& open = open_[key];
    const bool leader = open == nullptr;
    if (leader) {
      open = std::make_shared<Batch>();
      open->deadline = std::chrono::steady_clock::now() + window_;
    }
    const std::shared_ptr<Batch> batch = open;
    const std::size_t index = batch->items.size();
    batch->items.push_back(std::move(item));
    if (batch->items.size() >= max_size_) {
      seal(key, batch);
      batch->changed.notify_all();  // wakes the leader: no need to wait for the window
    }

    if (leader) {
      batch->changed.wait_until(lock, batch->deadline, [&] { return batch->sealed || closing_; });
      seal(key, batch);
      lock.unlock();
      std::vector<Outcome> outcomes = send(key, batch->items);  // the items no longer change: sealed
      lock.lock();
      batch->outcomes = std::move(outcomes);
      batch->done = true;
      batch->changed.notify_all();
    } else {
      batch->changed.wait(lock, [&] { return batch->done; });
    }
    return batch->outcomes[index];
  }

  // Sends every open batch now, refuses new members, and waits until every send() has
  // returned. Idempotent.
  void close() {
    std::unique_lock<std::mutex> lock(mutex_);
    closing_ = true;
    for (auto& [key, batch] : open_) batch->changed.notify_all();
    idle_.wait(lock, [&] { return inside_ == 0; });
  }

  // How many send() calls are waiting for their batch (for tests).
  std::size_t members_waiting() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return inside_;
  }

  // How many batches have been sent (for tests).
  std::size_t batches_sent() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return batches_sent_;
  }

 private:
  struct Batch {
    std::vector<Item> items;
    std::vector<Outcome> outcomes;
    std::chrono::steady_clock::time_point deadline;
    std::condition_variable changed;  // sealed (full), done, or the batcher closing
    bool sealed = false;              // no new member: it is being sent
    bool done = false;                // outcomes are there
  };

  // Counts a thread inside submit() for as long as it lives; close() waits for none.
  struct Inside {
    explicit Inside(SendBatcher& batcher) : batcher(batcher) { ++batcher.inside_; }
    ~Inside() {
      if (--batcher.inside_ == 0) batcher.idle_.notify_all();
    }
    Inside(const Inside&) = delete;
    Inside& operator=(const Inside&) = delete;
    SendBatcher& batcher;
  };

  // Takes `batch` out of the open ones (once), under the lock.
  void seal(const std::string& key, const std::shared_ptr<Batch>& batch) {
    if (batch->sealed) return;
    batch->sealed = true;
    if (const auto it = open_.find(key); it != open_.end() && it->second == batch) open_.erase(it);
  }

  // Runs the flush without the lock; never throws, and always gives one outcome per item.
  std::vector<Outcome> send(const std::string& key, const std::vector<Item>& items) {
    std::optional<std::string> problem;
    try {
      std::vector<Outcome> outcomes = flush_(key, items);
      if (outcomes.size() == items.size()) {
        count_sent();
        return outcomes;
      }
      problem = "the batch got " + std::to_string(outcomes.size()) + " results for " + std::to_string(items.size()) +
                " messages";
    } catch (const std::exception& error) {
      problem = error.what();
    } catch (...) {
      problem = "an exception that is not a std::exception";
    }
    count_sent();
    return std::vector<Outcome>(items.size(), failure_(*problem));
  }

  void count_sent() {
    std::lock_guard<std::mutex> lock(mutex_);
    ++batches_sent_;
  }

  const std::chrono::milliseconds window_;
  const std::size_t max_size_;
  const Flush flush_;
  const Failure failure_;

  mutable std::mutex mutex_;
  std::map<std::string, std::shared_ptr<Batch>> open_;  // the batch members may still join, per key
  std::condition_variable idle_;                        // inside_ reached 0
  std::size_t inside_ = 0;                              // threads inside submit()
  std::size_t batches_sent_ = 0;
  bool closing_ = false;
};

}  // namespace parcours::facebook_ads
