// A channel with ABI 1.4's send_async, answering from a thread of its own as a
// streaming connection would. params.outcome drives the cases the host must survive:
//   "now"   → answered inside send_async, before it returns
//   "throw" → send_async throws (the SDK answers failed with the message)
//   "drop"  → the completion is dropped unanswered (the SDK answers failed)
//   "twice" → answered twice (only the first counts)
//   otherwise → delivered("async#<idempotency_key>") from the worker thread.
// send() answers delivered("sync#<key>"). The destructor answers every queued send
// before it returns, as plugin.h requires.
#include <parcours/sdk.hpp>

#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

namespace {

class AsyncChannel final : public parcours::Channel {
 public:
  explicit AsyncChannel(const parcours::Settings&) {}
  ~AsyncChannel() override {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    changed_.notify_all();
    worker_.join();
  }

  parcours::SendResult send(const parcours::Message& m) override {
    return parcours::SendResult::delivered("sync#" + m.idempotency_key);
  }

  void send_async(parcours::Message m, parcours::SendCompletion done) override {
    const std::string outcome = m.params.value("outcome", "");
    if (outcome == "now") return done(parcours::SendResult::delivered("now#" + m.idempotency_key));
    if (outcome == "throw") throw std::runtime_error("the provider's client broke");
    if (outcome == "drop") return;
    if (outcome == "twice") {
      done(parcours::SendResult::delivered("first"));
      return done(parcours::SendResult::failed("second"));
    }
    std::lock_guard lock(mutex_);
    queue_.push_back({m.idempotency_key, std::move(done)});
    changed_.notify_one();
  }

 private:
  struct Queued {
    std::string key;
    parcours::SendCompletion done;
  };
  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<Queued> queue_;
  bool stopping_ = false;
  std::thread worker_{[this] { serve(); }};  // last: starts once the rest is built

  void serve() {
    std::unique_lock lock(mutex_);
    while (true) {
      changed_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, every send answered
      Queued next = std::move(queue_.front());
      queue_.pop_front();
      lock.unlock();  // done may call send_async again
      next.done(parcours::SendResult::delivered("async#" + next.key));
      lock.lock();
    }
  }
};

}  // namespace

PARCOURS_PLUGIN(AsyncChannel, .id = "async-channel", .version = "1.0.0", .kind = parcours::Kind::channel,
                .description = "A channel that sends without holding the caller, for the loader's tests",
                .params = parcours::any_params)
