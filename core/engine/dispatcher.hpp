// The dispatcher drains the outbox: for each queued message that is due it applies
// the client's rules in CONFIG.md's order — consent, then quiet hours (defer), then
// pressure — renders the templates, and hands the message to its channel with its
// idempotency key. The channel's answer decides: delivered, retry later (exponential
// backoff with jitter, bounded attempts), or failed for good.
//
// A message is marked `sent` in one transaction before the channel is called and its
// outcome recorded in another, so a crash in between retries it with the same key
// (which providers that support keys deduplicate) and never loses it.
#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "config/client_config.hpp"
#include "engine/engine.hpp"
#include "engine/timeline.hpp"
#include "links/link_signer.hpp"
#include "schedule/clock.hpp"
#include "store/store.hpp"

namespace parcours::engine {

struct SendOutcome {
  enum class Status { delivered, retry, failed };
  Status status = Status::failed;
  std::string error;
  schedule::TimeMs retry_after = 0;  // the channel's own hint (ms), 0 when none
  std::string provider_id;
  std::string answer = "{}";  // the provider's answer as the channel reported it (a JSON object)
};

// Who actually sends: plugin instances under `run`, recorders under `simulate`.
class ChannelSender {
 public:
  virtual ~ChannelSender() = default;
  // `message_json` is the ABI's message (parcours/plugin.h, send()). Must not throw.
  virtual SendOutcome send(const config::ClientConfig& client, const config::PluginInstanceConfig& channel,
                           const std::string& message_json) = 0;
  // Whether send() may be called from several threads at once (plugins must allow it:
  // plugin.h). When it may, each channel gets up to its `concurrency` sends in flight.
  virtual bool concurrent() const { return false; }
  // Whether `channel` sends without holding the caller's thread (a plugin with ABI
  // 1.4's send_async): then the dispatcher's background sending calls send_async, and
  // no thread of its own waits for the answer.
  virtual bool sends_async(const config::ClientConfig& client, const config::PluginInstanceConfig& channel) const {
    (void)client;
    (void)channel;
    return false;
  }
  // Starts sending; `done` gets the outcome exactly once, from any thread, maybe before
  // this returns. Must not throw; neither does `done`.
  using Done = std::function<void(SendOutcome)>;
  virtual void send_async(const config::ClientConfig& client, const config::PluginInstanceConfig& channel,
                          const std::string& message_json, Done done) {
    done(send(client, channel, message_json));
  }
};

struct RetryPolicy {
  int max_attempts = 8;
  schedule::TimeMs first_delay = 30'000;       // 30 s, doubling each attempt
  schedule::TimeMs max_delay = 6 * 3'600'000;  // capped at 6 h
};

class Dispatcher final : public MessageTaker {
 public:
  Dispatcher(const Engine& engine, store::Store& store, const schedule::Clock& clock, ChannelSender& sender,
             Observer* observer = nullptr, RetryPolicy retry = {}, const DataLookup* data = nullptr);
  // Waits for the messages in flight and records their answers (background sending).
  ~Dispatcher();
  Dispatcher(const Dispatcher&) = delete;
  Dispatcher& operator=(const Dispatcher&) = delete;

  // From now on dispatch_due() hands messages to a pool of sending threads (per channel,
  // up to its concurrency: engine/send_pool.hpp) and returns at once, instead of
  // waiting for every answer: the caller goes on with timers and events while messages
  // are on the wire, and records the answers with record_answers(). At most
  // `max_in_flight` messages are out at once. `wake` is called from a sending thread
  // when answers are worth recording (a batch of them, or the last one out). The sender
  // must be concurrent(). Not for a manual clock: there, time moves only once every
  // answer of the moment is in (drain()).
  void send_in_background(std::function<void()> wake, std::size_t max_in_flight = 1000);
  // Records the answers that came back since the last call, in one transaction, and
  // returns how many. Nothing to do without background sending.
  std::size_t record_answers();
  // Waits for every message in flight, then records the answers.
  std::size_t drain();
  std::size_t in_flight() const;
  // Background sending with `max_in_flight` messages out: dispatch_due() decides nothing
  // more until answers come back.
  bool saturated() const;
  // How many more messages may go out before it is saturated; SIZE_MAX without
  // background sending.
  std::size_t room() const;
  // A round's share of the sending slots (an eighth, at least one): answers wake the
  // caller once this many are back, and due timers wait until this many slots are free,
  // so that each transaction carries a batch rather than the few that came meanwhile.
  std::size_t slots_per_round() const;

  // Dispatches messages due at the clock's now, at most `limit`; returns how many were
  // decided (delivered, failed, suppressed, deferred or rescheduled).
  std::size_t dispatch_due(std::size_t limit = 200);

  std::optional<schedule::TimeMs> next_message_due();

  // Deciding a message when its step runs (MessageTaker, for Engine::run_due_timers):
  // with background sending, a message for a channel without a `rate`, while a sending
  // slot is free, is decided in the step's transaction exactly as dispatch_due() would
  // decide it a moment later, and inserted with the outcome — `sent`, or suppressed,
  // failed, deferred by quiet hours — rather than queued, then selected, then updated.
  // That is the outbox's round trip, a third of what the store did for a message.
  // Every other message is left to the outbox (false).
  bool takes_messages() const { return background_ != nullptr; }
  void restart() override;
  bool take_now(store::Transaction& tx, store::MessageRecord& message) override;
  // Once the transaction that took messages committed: hands the `sent` ones to their
  // channels and tells the observer; returns how many were taken. If it failed instead,
  // drop_taken() forgets them (they were never stored).
  std::size_t hand_over_taken();
  void drop_taken();
  // The answers back so far, to be recorded in the transaction of the next
  // Engine::run_due_timers (record_in), one commit for both; returns how many.
  // hand_over_taken() then tells the observer of them, and drop_taken() keeps them for
  // the next round.
  std::size_t claim_answers();
  void record_in(store::Transaction& tx) override;

  // Signs the links templates see as `links.unsubscribe`; without one that link is
  // empty. Not owned; must outlive the dispatcher.
  void set_link_signer(const links::LinkSigner* signer) { links_ = signer; }

  // The delay before attempt `attempts + 1` of the message with `key`: doubling from
  // first_delay, capped, with a deterministic jitter in [50%, 100%] so retries of many
  // messages spread out and a simulation is repeatable.
  schedule::TimeMs backoff(const std::string& key, int attempts, schedule::TimeMs hint) const;

 private:
  const Engine& engine_;
  store::Store& store_;
  const schedule::Clock& clock_;
  ChannelSender& sender_;
  Observer* observer_;
  bool observer_details_;   // observer_->wants_details(), asked once
  const DataLookup* data_;  // data.<source>.* in templates; none: no data
  RetryPolicy retry_;
  const links::LinkSigner* links_ = nullptr;

  // `rate` on a channel: a token bucket per (client, channel), refilled at the rate,
  // holding at most one second's worth (at least one). In memory: each host paces its
  // own sends.
  struct Bucket {
    double tokens = 0;
    schedule::TimeMs updated = 0;
    bool started = false;
  };
  std::map<std::pair<std::string, std::string>, Bucket> buckets_;
  // Takes a token for a message to `channel` at `now`; when there is none, returns
  // the time the message should wait until instead. `queued` counts the messages
  // this round already put off, so that they are spread one interval apart.
  std::optional<schedule::TimeMs> take_token(const std::string& client, const config::PluginInstanceConfig& channel,
                                             schedule::TimeMs now, std::size_t& queued);
  // Hands each message to its channel: in order, or per channel in parallel up to its
  // concurrency when the sender allows it.
  std::vector<SendOutcome> send_all(
      const std::vector<std::pair<const config::ClientConfig*, const config::PluginInstanceConfig*>>& targets,
      const std::vector<std::string>& wires);

  // A message decided and marked `sent`, on its way to its channel (dispatcher.cpp).
  struct Pending;
  using Actions = std::vector<std::pair<std::size_t, Action>>;
  using PutOff = std::map<std::pair<std::string, std::string>, std::size_t>;  // by rate, per channel, this round
  // Decides one due message in `tx`, as CONFIG.md orders the rules, and writes the
  // outcome with `save` (an update for the outbox's messages, the insert for a message
  // taken at its step). True when it is to be sent: then it is in `pending`.
  bool decide(store::Transaction& tx, store::MessageRecord& message, schedule::TimeMs now, std::size_t order,
              const std::function<void(store::MessageRecord&)>& save, Actions& actions, PutOff& put_off,
              Pending& pending);
  // The parsed form of a message's parameters, kept by their text (decide() runs on
  // one thread at a time: the work loop's, or a manual clock's under the host's work lock).
  struct ParsedParams;
  std::unique_ptr<ParsedParams> parsed_params_;
  // Hands decided messages to the background pool (send_in_background).
  void hand_over(std::vector<Pending>& to_send);
  // What take_now() decided in the transaction under way, handed over once it commits.
  std::vector<Pending> taken_;
  Actions taken_actions_;
  std::size_t taken_count_ = 0;
  // Answers claimed for the timers' transaction (claim_answers), and what they tell.
  std::vector<Pending> claimed_;
  std::vector<SendOutcome> claimed_outcomes_;
  std::vector<std::pair<std::size_t, Action>> claimed_actions_;
  schedule::TimeMs claimed_at_ = 0;
  // Writes the channels' answers to the store, in a transaction of their own or in
  // `tx`, and adds what to tell the observer (in `order`) to `actions`.
  void record(std::vector<Pending>& sent, const std::vector<SendOutcome>& outcomes, schedule::TimeMs now,
              std::vector<std::pair<std::size_t, Action>>& actions);
  void record_into(store::Transaction& tx, std::vector<Pending>& sent, const std::vector<SendOutcome>& outcomes,
                   schedule::TimeMs now, std::vector<std::pair<std::size_t, Action>>& actions);
  // Hands answers taken out of the background back, first, for the next round.
  void give_back(std::vector<Pending>& sent, std::vector<SendOutcome>& outcomes);
  void notify(std::vector<std::pair<std::size_t, Action>>& actions);
  // Background sending (send_in_background); null when sending in dispatch_due.
  struct Background;
  std::unique_ptr<Background> background_;
};

}  // namespace parcours::engine
