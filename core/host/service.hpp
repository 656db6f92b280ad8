// The running host (`parcours run`): the config with its plugins, the store, the
// engine and dispatcher, and the work thread that runs what falls due. The HTTP API
// (core/api/) talks to it through this class only.
//
// Reload: a new config is loaded and checked completely — plugins instantiated too —
// before it replaces the running one in one pointer swap; requests and work already
// under way finish on the config they started with. An invalid config changes nothing.
#pragma once

#include <condition_variable>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "engine/engine.hpp"
#include "engine/incoming_event.hpp"
#include "host/loaded_config.hpp"
#include "host/metrics.hpp"
#include "schedule/clock.hpp"
#include "store/store.hpp"

namespace parcours::host {

class IngestQueue;
class PluginChannels;
class WorkRunner;

// A config that cannot run: every diagnostic, one per line, as `validate` prints them.
class ConfigRefused : public std::runtime_error {
 public:
  ConfigRefused(std::string summary, std::vector<std::string> errors)
      : std::runtime_error(std::move(summary)), errors(std::move(errors)) {}
  std::vector<std::string> errors;
};

struct ServiceOptions {
  std::filesystem::path config_directory;
  // --clock manual: the clock starts here and moves only through advance_clock().
  std::optional<schedule::TimeMs> manual_clock_start;
};

// One loaded config and everything built on it; immutable once built.
struct Runtime;

class Service {
 public:
  // Loads the config, opens the store, recovers what a crash left (messages in
  // flight, events stored but not applied). Throws ConfigRefused or std::runtime_error.
  explicit Service(ServiceOptions options);
  ~Service();

  const config::HostConfig& host_config() const;
  Metrics& metrics() { return metrics_; }

  // Starts the work thread.
  void start();
  // Stops taking work, finishes the sends in flight, stops the work thread.
  void stop();
  bool stopping() const { return stopping_; }

  // Stores and applies a batch of one client's events (all or nothing) and wakes the
  // work thread for the messages they queued. Throws engine::EventError (unknown
  // client) or store::StoreError.
  engine::IngestResult ingest(const std::string& client, const std::vector<engine::IncomingEvent>& events);
  // The same without blocking the caller: `done` is told the outcome (on the ingest
  // thread, once the batch is committed or refused). Batches that arrive together share
  // one transaction (host/ingest_queue.hpp), each still all or nothing.
  void ingest_async(std::string client, std::vector<engine::IncomingEvent> events,
                    std::function<void(engine::IngestOutcome)> done);

  // The clients of the running config, and whether `token` is one of `client`'s
  // api_keys (compared in constant time). Unknown client: nothing.
  std::vector<std::string> client_ids() const;
  std::optional<bool> client_accepts(const std::string& client, const std::string& token) const;
  bool admin_accepts(const std::string& token) const;

  // Reloads the config directory. Returns the errors when the new config is refused
  // (the old one keeps running); empty when it replaced the old one.
  std::vector<std::string> reload();

  bool manual_clock() const { return manual_clock_ != nullptr; }
  schedule::TimeMs now() const { return clock_->now(); }
  // Only with a manual clock: moves it by `by`, running everything that falls due on
  // the way, in order, as time would. Returns how many timers and messages ran.
  std::size_t advance_clock(schedule::TimeMs by);

  // Whether the store answers (a cheap read), for /readyz.
  bool store_ready();

  // The store, for reads by the API (contacts, journeys).
  store::Store& store() { return *store_; }
  std::shared_ptr<const Runtime> runtime() const;

 private:
  std::shared_ptr<Runtime> build_runtime(LoadedConfig loaded);
  std::vector<engine::IngestOutcome> apply_ingest(const std::vector<engine::IngestRequest>& requests, bool defer);
  // Applies deferred events (host/ingest_queue.hpp), at most `chunks` transactions of
  // them; returns how many. On the work thread (`give_way`: stops while batches are
  // coming), or in advance_clock (applies them all).
  std::size_t apply_deferred(const Runtime& runtime, int chunks, bool give_way);
  void work_loop();
  void wake();

  ServiceOptions options_;
  std::unique_ptr<schedule::Clock> clock_;
  schedule::ManualClock* manual_clock_ = nullptr;
  std::unique_ptr<store::Store> store_;
  std::string store_url_;
  std::string link_secret_;  // kept in the store: links stay valid across restarts and hosts
  Metrics metrics_;
  // What the engine does goes to the metrics; a message it queues wakes the work
  // thread to send it. Nothing else does: waking it for every event would cost every
  // ingestion request a round of store transactions for nothing.
  class EngineObserver final : public engine::Observer {
   public:
    explicit EngineObserver(Service& service) : service_(service) {}
    void on_action(const engine::Action& action) override { service_.metrics_.on_action(action); }
    void on_queued(const engine::Action&) override { service_.wake(); }
    bool wants_details() const override { return service_.metrics_.wants_details(); }

   private:
    Service& service_;
  };
  EngineObserver engine_observer_{*this};

  mutable std::mutex runtime_mutex_;
  std::shared_ptr<Runtime> runtime_;

  std::mutex work_mutex_;  // one runner of due work at a time (the thread, or advance_clock)
  std::mutex wake_mutex_;
  std::condition_variable wake_;
  bool woken_ = false;
  bool stopping_ = false;
  std::thread worker_;
  std::unique_ptr<IngestQueue> ingest_queue_;  // last: its thread stops first
};

}  // namespace parcours::host
