#include "host/service.hpp"

#include <parcours/thread_name.hpp>

#include <openssl/crypto.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <limits>
#include <map>

#include <nlohmann/json.hpp>

#include "engine/dispatcher.hpp"
#include "host/ingest_queue.hpp"
#include "host/runtime.hpp"

namespace parcours::host {

using schedule::TimeMs;

namespace {

// Deferred events are applied this many a transaction (about 20 ms here), so that a
// batch arriving meanwhile waits little for the connection...
constexpr std::size_t kDeferredChunk = 500;
constexpr std::size_t kDeferredChunkIdle = 2000;  // when nothing waits: fewer, larger commits
// ... and given way to while batches wait to be stored, unless this many are unapplied.
constexpr std::int64_t kApplyDeferredAnywayAbove = 500'000;

LoadedConfig load_checked(const std::filesystem::path& directory) {
  config::Diagnostics diagnostics;
  LoadedConfig loaded = load_config(directory, diagnostics);
  if (diagnostics.has_errors()) {
    std::vector<std::string> errors;
    for (const auto& diagnostic : diagnostics.in_reading_order())
      if (diagnostic.severity == config::Severity::error) errors.push_back(diagnostic.text());
    // The summary is made first: the order in which arguments are evaluated is
    // unspecified, and the errors are moved into the second one.
    std::string summary = "the config in " + directory.string() + " is not valid (" + std::to_string(errors.size()) +
                          " error(s)); `parcours validate` shows them";
    throw ConfigRefused(std::move(summary), std::move(errors));
  }
  for (const auto& diagnostic : diagnostics.in_reading_order()) spdlog::warn("{}", diagnostic.text());
  return loaded;
}

bool same_token(const std::string& a, const std::string& b) {
  // Constant time in the content: a wrong token takes as long to refuse whatever its
  // common prefix with a right one.
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace

Service::Service(ServiceOptions options) : options_(std::move(options)) {
  if (options_.manual_clock_start) {
    auto manual = std::make_unique<schedule::ManualClock>(*options_.manual_clock_start);
    manual_clock_ = manual.get();
    clock_ = std::move(manual);
  } else {
    clock_ = std::make_unique<schedule::SystemClock>();
  }
  LoadedConfig loaded = load_checked(options_.config_directory);
  store_url_ = loaded.host.store.url;
  // Relative to the directory the host runs in, as the file channel's path is: under
  // systemd that is WorkingDirectory (/var/lib/parcours), not the config folder in /etc.
  store_ = store::open_store(store_url_, ".");
  store_->transact(
      [&](store::Transaction& tx) { link_secret_ = tx.host_setting("link_secret", links::random_secret()); });
  runtime_ = build_runtime(std::move(loaded));
  const Recovery recovery = runtime_->runner->recover();
  (void)recovery;  // logged by recover()
  metrics_.set("parcours_clock_time_seconds", {}, static_cast<double>(clock_->now()) / 1000.0);
  IngestQueueOptions queue_options;
  queue_options.backlog = static_cast<std::size_t>(runtime_->loaded.host.server.ingest_backlog);
  ingest_queue_ = std::make_unique<IngestQueue>(
      [this](const std::vector<engine::IngestRequest>& requests, bool defer) { return apply_ingest(requests, defer); },
      queue_options, [this] { wake(); });
}

Service::~Service() {
  stop();
}

std::shared_ptr<Runtime> Service::build_runtime(LoadedConfig loaded) {
  auto runtime = std::make_shared<Runtime>();
  runtime->loaded = std::move(loaded);
  runtime->links = std::make_unique<links::LinkSigner>(link_secret_, runtime->loaded.host.server.public_url);
  PluginEnvironment environment{clock_.get(), &metrics_, nullptr};
  runtime->sources = std::make_unique<PluginSources>(runtime->loaded, environment);
  environment.sources = runtime->sources.get();
  runtime->channels = std::make_unique<PluginChannels>(runtime->loaded, environment);
  runtime->engine = std::make_unique<engine::Engine>(runtime->loaded.clients, runtime->loaded.journeys, *store_,
                                                     *clock_, &engine_observer_, runtime->sources.get());
  runtime->dispatcher = std::make_unique<engine::Dispatcher>(*runtime->engine, *store_, *clock_, *runtime->channels,
                                                             &metrics_, engine::RetryPolicy{}, runtime->sources.get());
  runtime->dispatcher->set_link_signer(runtime->links.get());
  // On the wall clock, channels are called on their own threads while the work thread
  // goes on with timers and events (a slow provider holds back only its own messages).
  // A manual clock moves only once the answers of the moment are in: there the
  // dispatcher waits for them, as `simulate` does.
  if (manual_clock_ == nullptr) runtime->dispatcher->send_in_background([this] { wake(); });
  runtime->triggers = std::make_unique<PluginTriggers>(
      runtime->loaded, environment,
      [this](const std::string& client, std::string_view event_json) -> std::optional<std::string> {
        try {
          const auto parsed = nlohmann::json::parse(event_json);
          ingest(client, {engine::parse_event(parsed, "the emitted event")});
          return std::nullopt;
        } catch (const std::exception& error) {
          return std::string(error.what());
        }
      });
  runtime->runner = std::make_unique<WorkRunner>(*runtime->engine, *runtime->dispatcher, *store_, *clock_);
  return runtime;
}

std::shared_ptr<const Runtime> Service::runtime() const {
  std::lock_guard lock(runtime_mutex_);
  return runtime_;
}

const config::HostConfig& Service::host_config() const {
  return runtime()->loaded.host;
}

void Service::start() {
  // Triggers produce events from now on (a reload starts those of the new config).
  if (const auto current = runtime(); current && current->triggers) current->triggers->start();
  worker_ = std::thread([this] {
    parcours::name_this_thread("parcours-work");
    work_loop();
  });
}

void Service::stop() {
  {
    std::lock_guard lock(wake_mutex_);
    if (stopping_ && !worker_.joinable()) return;
    stopping_ = true;
  }
  if (const auto current = runtime(); current && current->triggers) current->triggers->stop();
  // What was accepted for ingestion is applied (its callers wait for their answer);
  // later callers are applied on their own thread.
  if (ingest_queue_) {
    ingest_queue_->stop();
    if (const auto left = ingest_queue_->pending(); left > 0)
      spdlog::info("{} deferred event(s) are stored and not yet applied: the next start applies them first", left);
  }
  wake_.notify_all();
  if (worker_.joinable()) worker_.join();  // the round under way finishes its decisions first
  // The messages on the wire are answered and recorded before the host goes: stopping
  // never leaves a message `sent` without its answer unless the host is killed.
  if (const auto current = runtime(); current && current->dispatcher) {
    try {
      if (const auto in_flight = current->dispatcher->in_flight(); in_flight > 0)
        spdlog::info("waiting for the answers of {} message(s) being sent", in_flight);
      current->dispatcher->drain();
    } catch (const std::exception& error) {
      spdlog::error("recording the last answers of the channels: {}; they are sent again at the next start",
                    error.what());
    }
  }
}

void Service::wake() {
  {
    std::lock_guard lock(wake_mutex_);
    woken_ = true;
  }
  wake_.notify_all();
}

void Service::work_loop() {
  while (true) {
    std::optional<TimeMs> next;
    bool more_deferred = false;
    bool saturated = false;
    try {
      const auto current = runtime();
      std::lock_guard work(work_mutex_);
      // Deferred events first: they came before anything due now, and may convert or
      // wake the very enrollments whose timers and messages are due. So those wait until
      // every deferred event is applied — unless the backlog is at its bound, where
      // sends going on matters more than that order.
      apply_deferred(*current, 20, true);
      const auto pending = ingest_queue_->pending();
      more_deferred = pending > 0;
      if (!more_deferred || pending >= kApplyDeferredAnywayAbove) {
        current->runner->run_due();
        next = current->runner->next_due();
        saturated = current->dispatcher->saturated();
      }
    } catch (const std::exception& error) {
      // The store may be briefly unavailable (a disk full, a lock held too long):
      // log, wait a little, try again; nothing is lost, it is all in the store.
      spdlog::error("running due work: {}; trying again in 1 s", error.what());
      next = clock_->now() + 1000;
    }
    std::unique_lock lock(wake_mutex_);
    if (stopping_) return;
    const auto woken = [&] { return woken_ || stopping_; };
    if (more_deferred) {
      // Straight on with the next share, or, while batches are being stored, soon.
      if (ingest_queue_->busy()) wake_.wait_for(lock, std::chrono::milliseconds(5), [&] { return stopping_; });
    } else if (manual_clock_ != nullptr) {
      wake_.wait(lock, woken);  // time moves only through advance_clock, which runs its own work
    } else {
      // At most a second: another host on a shared store may have added work.
      TimeMs wait = 1000;
      // With every sending slot taken, due messages wait for answers, which wake us.
      if (next && !saturated) wait = std::clamp<TimeMs>(*next - clock_->now(), 0, 1000);
      wake_.wait_for(lock, std::chrono::milliseconds(wait), woken);
    }
    if (stopping_) return;
    woken_ = false;
  }
}

engine::IngestResult Service::ingest(const std::string& client, const std::vector<engine::IncomingEvent>& events) {
  auto outcome = ingest_queue_->apply_and_wait({client, events});
  if (outcome.error) std::rethrow_exception(outcome.error);
  return outcome.result;
}

void Service::ingest_async(std::string client, std::vector<engine::IncomingEvent> events,
                           std::function<void(engine::IngestOutcome)> done) {
  ingest_queue_->submit({std::move(client), std::move(events)}, std::move(done));
}

std::vector<engine::IngestOutcome> Service::apply_ingest(const std::vector<engine::IngestRequest>& requests,
                                                         bool defer) {
  // The config of the moment the batch is applied: a reload in between moves queued
  // events to the new one, as if they had arrived just after it.
  const auto current = runtime();
  auto outcomes = current->engine->ingest_many(
      requests, defer ? engine::Engine::IngestMode::store_only : engine::Engine::IngestMode::apply);
  std::map<std::string, engine::IngestResult> by_client;
  for (std::size_t i = 0; i < requests.size(); ++i) {
    if (outcomes[i].error) continue;
    auto& sum = by_client[requests[i].client];
    sum.accepted += outcomes[i].result.accepted;
    sum.duplicates += outcomes[i].result.duplicates;
  }
  for (const auto& [client, sum] : by_client) {
    metrics_.add("parcours_events_ingested_total", {{"client", client}}, static_cast<double>(sum.accepted));
    if (defer) metrics_.add("parcours_events_deferred_total", {{"client", client}}, static_cast<double>(sum.accepted));
    if (sum.duplicates > 0)
      metrics_.add("parcours_event_duplicates_total", {{"client", client}}, static_cast<double>(sum.duplicates));
  }
  return outcomes;
}

std::vector<std::string> Service::client_ids() const {
  std::vector<std::string> ids;
  for (const auto& client : runtime()->loaded.clients) ids.push_back(client.id);
  return ids;
}

std::optional<bool> Service::client_accepts(const std::string& client, const std::string& token) const {
  const auto current = runtime();
  for (const auto& candidate : current->loaded.clients) {
    if (candidate.id != client) continue;
    bool accepted = false;
    for (const auto& key : candidate.api_keys) accepted = same_token(key, token) || accepted;  // no early exit
    return accepted;
  }
  return std::nullopt;
}

bool Service::admin_accepts(const std::string& token) const {
  const auto& admin = host_config().server.admin_token;
  return !admin.empty() && same_token(admin, token);
}

std::vector<std::string> Service::reload() {
  try {
    LoadedConfig loaded = load_checked(options_.config_directory);
    if (loaded.host.store.url != store_url_) {
      metrics_.add("parcours_config_reloads_total", {{"result", "refused"}});
      return {"[store] url changed from '" + store_url_ + "' to '" + loaded.host.store.url +
              "': a reload cannot move the store; restart the host to use the new one"};
    }
    auto fresh = build_runtime(std::move(loaded));
    {
      std::lock_guard lock(runtime_mutex_);
      runtime_.swap(fresh);
    }
    fresh->triggers->stop();  // the old config's: no more events from it
    runtime()->triggers->start();
    // `fresh` now holds the old runtime: it goes when the last request using it ends.
    metrics_.add("parcours_config_reloads_total", {{"result", "applied"}});
    spdlog::info("config reloaded from {}", options_.config_directory.string());
    wake();
    return {};
  } catch (const ConfigRefused& refused) {
    metrics_.add("parcours_config_reloads_total", {{"result", "refused"}});
    for (const auto& error : refused.errors) spdlog::error("reload refused: {}", error);
    return refused.errors;
  } catch (const std::exception& error) {
    metrics_.add("parcours_config_reloads_total", {{"result", "refused"}});
    spdlog::error("reload refused: {}", error.what());
    return {error.what()};
  }
}

std::size_t Service::advance_clock(TimeMs by) {
  if (manual_clock_ == nullptr) throw std::logic_error("the clock is the wall clock; start with --clock manual");
  const TimeMs until = manual_clock_->now() + by;
  std::size_t handled = 0;
  {
    const auto current = runtime();
    std::lock_guard work(work_mutex_);
    handled += apply_deferred(*current, std::numeric_limits<int>::max(), false);  // events before what they lead to
    handled += current->runner->run_due();
    while (const auto next = current->runner->next_due()) {
      if (*next > until) break;
      manual_clock_->set(*next);
      handled += current->runner->run_due();
    }
    manual_clock_->set(until);
    handled += current->runner->run_due();
  }
  metrics_.set("parcours_clock_time_seconds", {}, static_cast<double>(manual_clock_->now()) / 1000.0);
  return handled;
}

std::size_t Service::apply_deferred(const Runtime& runtime, int chunks, bool give_way) {
  std::size_t applied = 0;
  for (int i = 0; i < chunks; ++i) {
    const auto pending = ingest_queue_->pending();
    if (pending <= 0) break;
    // Accepting comes first: while batches wait to be stored, applying would only slow
    // them down (one connection), unless the backlog nears its bound. What is deferred
    // is applied when they stop coming.
    const bool busy = give_way && ingest_queue_->busy();
    if (busy && pending < kApplyDeferredAnywayAbove) break;
    // Counted before its commit, the last deferred batch may not be visible yet: none
    // found is not an error, the queue wakes this thread again after it commits.
    const std::size_t done = runtime.engine->process_pending_events(busy ? kDeferredChunk : kDeferredChunkIdle);
    if (done == 0) break;
    ingest_queue_->processed(done);
    applied += done;
  }
  metrics_.set("parcours_events_pending", {}, static_cast<double>(std::max<std::int64_t>(0, ingest_queue_->pending())));
  return applied;
}

bool Service::store_ready() {
  try {
    store_->transact([](store::Transaction& tx) { (void)tx.next_timer_due(); });
    return true;
  } catch (const std::exception& error) {
    spdlog::warn("store not ready: {}", error.what());
    return false;
  }
}

}  // namespace parcours::host
