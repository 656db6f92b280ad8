#include "engine/dispatcher.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <condition_variable>
#include <limits>
#include <memory>
#include <mutex>
#include <thread>
#include <unordered_map>

#include <nlohmann/json.hpp>

#include "engine/send_pool.hpp"
#include "engine/step_hash.hpp"
#include "links/html_tracking.hpp"
#include "render/json_string.hpp"
#include "render/json_text.hpp"
#include "render/message_renderer.hpp"
#include "schedule/local_time.hpp"

namespace parcours::engine {

using nlohmann::json;
using schedule::TimeMs;
using store::MessageRecord;
using store::MessageStatus;

namespace {

constexpr TimeMs kDay = 86'400'000;
constexpr TimeMs kWeek = 7 * kDay;

std::string timezone_of(const config::ClientConfig& client, const json& contact) {
  if (const auto it = contact.find("timezone");
      it != contact.end() && it->is_string() && schedule::known_zone(it->get_ref<const std::string&>()))
    return it->get<std::string>();
  return client.timezone;
}

// CONFIG.md: `false` never sends (transactional included); a missing value counts as
// no when the client requires consent, unless the message is transactional.
bool consented(const config::ClientConfig& client, const json& contact, const MessageRecord& message) {
  const json* value = nullptr;
  if (const auto consent = contact.find("consent"); consent != contact.end() && consent->is_object())
    if (const auto it = consent->find(message.channel); it != consent->end()) value = &*it;
  if (value != nullptr && value->is_boolean()) return value->get<bool>();
  return message.transactional || !client.require_consent;
}

// Whether one more message would break a limit: all channels, then this channel.
bool over_pressure(store::Transaction& tx, const config::ClientConfig& client, const MessageRecord& message,
                   TimeMs now) {
  const auto over = [&](const config::PressureLimits& limits, std::string_view channel) {
    if (limits.max_per_day &&
        tx.count_recent_messages(client.id, message.contact, channel, now - kDay) >= *limits.max_per_day)
      return true;
    return limits.max_per_week &&
           tx.count_recent_messages(client.id, message.contact, channel, now - kWeek) >= *limits.max_per_week;
  };
  if (over(client.pressure, "")) return true;
  const auto it = client.channel_pressure.find(message.channel);
  return it != client.channel_pressure.end() && over(it->second, message.channel);
}

// The data templates see (CONFIG.md, "Templates"), each member built only when a
// template names it: most messages name the contact alone, and then the event is not
// read nor a data source asked.
class MessageTemplateData final : public render::TemplateData {
 public:
  MessageTemplateData(const config::ClientConfig& client, const MessageRecord& message, const json& contact,
                      const std::string& unsubscribe_url, const DataLookup* sources)
      : client_(client), message_(message), contact_(contact), unsubscribe_url_(unsubscribe_url), sources_(sources) {}

  std::vector<std::string> names() const override { return {"client", "contact", "data", "event", "journey", "links"}; }

  json member(const std::string& name) const override {
    if (name == "contact") {
      json contact = contact_;
      contact["id"] = message_.contact;
      return contact;
    }
    if (name == "event") {
      const json event = render::parse_json(message_.event_json);
      return event.contains("properties") ? event["properties"] : json::object();
    }
    if (name == "journey") return {{"id", message_.journey}, {"step", message_.step}};
    if (name == "client") return {{"id", client_.id}, {"name", client_.name}};
    if (name == "links") return {{"unsubscribe", unsubscribe_url_}};
    if (name == "data")
      return sources_ != nullptr ? sources_->lookup(client_.id, message_.contact, contact_) : json::object();
    return nullptr;
  }

 private:
  const config::ClientConfig& client_;
  const MessageRecord& message_;
  const json& contact_;
  const std::string& unsubscribe_url_;
  const DataLookup* sources_;
};

// The ABI message (plugin.h, send()), written straight out, keys in the order nlohmann's
// dump() of the same document would give them, without building that document: the
// contact's attributes go in as the store holds them (JSON already), the texts through
// append_json_string.
std::string wire_message(const MessageRecord& message, const std::string& attributes_json,
                         const render::RenderedMessage& rendered, const std::string& html,
                         const std::string& unsubscribe, bool has_links, const json& params) {
  using render::append_json_string;
  std::string wire;
  wire.reserve(512 + html.size() + rendered.text.size() + rendered.subject.size() + attributes_json.size());
  wire += "{\"channel\":";
  append_json_string(wire, message.channel);
  wire += ",\"client\":";
  append_json_string(wire, message.client);
  wire += ",\"contact\":{\"attributes\":";
  wire += attributes_json;
  wire += ",\"id\":";
  append_json_string(wire, message.contact);
  wire += "},\"content\":{\"html\":";
  append_json_string(wire, html);
  wire += ",\"subject\":";
  append_json_string(wire, rendered.subject);
  wire += ",\"text\":";
  append_json_string(wire, rendered.text);
  wire += "},\"idempotency_key\":";
  append_json_string(wire, message.idempotency_key);
  wire += ",\"links\":{";
  if (has_links) {
    // RFC 8058: the same address takes the one-click POST a mail program sends.
    wire += "\"unsubscribe\":";
    append_json_string(wire, unsubscribe);
  }
  wire += "},\"params\":";
  wire += render::dump_json(params);
  wire += ",\"transactional\":";
  wire += message.transactional ? "true" : "false";
  wire += '}';
  return wire;
}

}  // namespace

// What a decided message turns into once the transaction that decided it commits.
struct Dispatcher::Pending {
  MessageRecord message;
  const config::ClientConfig* client = nullptr;
  const config::PluginInstanceConfig* channel = nullptr;
  std::string wire;       // the ABI message handed to the channel
  json rendered;          // the rendered parameters, for the timeline
  std::size_t order = 0;  // its place among the messages decided in this round
};

struct Dispatcher::Background {
  std::function<void()> wake;
  std::size_t max_in_flight = 1000;
  mutable std::mutex mutex;
  std::condition_variable answered;
  std::size_t in_flight = 0;
  std::vector<Pending> sent;  // answered, not yet recorded, with their outcomes beside
  std::vector<SendOutcome> outcomes;
  std::size_t order = 0;  // keeps the timeline in decision order across rounds
  // Answers being handed over (answer() between its two locks): drain() waits for
  // them too, because an async channel answers on the plugin's thread, which nothing
  // joins before the dispatcher goes away.
  std::size_t answering = 0;

  SendPool pool;  // last: its threads stop first

  std::size_t slots_per_round() const { return std::max<std::size_t>(1, max_in_flight / 8); }

  // A channel answered `job`: keep the answer for record_answers(), and wake the
  // caller when a good share is back (answers are recorded in batches), or the last.
  void answer(Pending&& job, SendOutcome&& outcome) {
    bool wake_now = false;
    {
      std::lock_guard lock(mutex);
      sent.push_back(std::move(job));
      outcomes.push_back(std::move(outcome));
      --in_flight;
      ++answering;
      wake_now = in_flight == 0 || sent.size() >= slots_per_round();
    }
    answered.notify_all();
    if (wake_now && wake) wake();
    // The last touch of this object: notified under the lock, so that drain() cannot
    // return (and the dispatcher go) before this thread is done with it.
    std::lock_guard lock(mutex);
    if (--answering == 0) answered.notify_all();
  }
};

Dispatcher::Dispatcher(const Engine& engine, store::Store& store, const schedule::Clock& clock, ChannelSender& sender,
                       Observer* observer, RetryPolicy retry, const DataLookup* data)
    : engine_(engine),
      store_(store),
      clock_(clock),
      sender_(sender),
      observer_(observer),
      observer_details_(observer != nullptr && observer->wants_details()),
      data_(data),
      retry_(retry),
      parsed_params_(std::make_unique<ParsedParams>()) {}

Dispatcher::~Dispatcher() {
  if (!background_) return;
  try {
    drain();
  } catch (const std::exception& error) {
    // The messages stay `sent`: the next start sends them again with the same key.
    spdlog::error("recording the last answers of the channels: {}", error.what());
  }
}

void Dispatcher::send_in_background(std::function<void()> wake, std::size_t max_in_flight) {
  background_ = std::make_unique<Background>();
  background_->wake = std::move(wake);
  background_->max_in_flight = std::max<std::size_t>(1, max_in_flight);
}

std::size_t Dispatcher::in_flight() const {
  if (!background_) return 0;
  std::lock_guard lock(background_->mutex);
  return background_->in_flight;
}

bool Dispatcher::saturated() const {
  if (!background_) return false;
  std::lock_guard lock(background_->mutex);
  return background_->in_flight >= background_->max_in_flight;
}

std::size_t Dispatcher::room() const {
  if (!background_) return std::numeric_limits<std::size_t>::max();
  std::lock_guard lock(background_->mutex);
  const std::size_t used = background_->in_flight + taken_.size();
  return used >= background_->max_in_flight ? 0 : background_->max_in_flight - used;
}

std::size_t Dispatcher::slots_per_round() const {
  return background_ ? background_->slots_per_round() : 1;
}

std::size_t Dispatcher::record_answers() {
  if (!background_) return 0;
  std::vector<Pending> sent;
  std::vector<SendOutcome> outcomes;
  {
    std::lock_guard lock(background_->mutex);
    sent.swap(background_->sent);
    outcomes.swap(background_->outcomes);
  }
  if (sent.empty()) return 0;
  std::vector<std::pair<std::size_t, Action>> actions;
  try {
    record(sent, outcomes, clock_.now(), actions);
  } catch (...) {
    give_back(sent, outcomes);  // not recorded: for the next call (the store may be back by then)
    throw;
  }
  notify(actions);
  return sent.size();
}

void Dispatcher::give_back(std::vector<Pending>& sent, std::vector<SendOutcome>& outcomes) {
  std::lock_guard lock(background_->mutex);
  background_->sent.insert(background_->sent.begin(), std::make_move_iterator(sent.begin()),
                           std::make_move_iterator(sent.end()));
  background_->outcomes.insert(background_->outcomes.begin(), std::make_move_iterator(outcomes.begin()),
                               std::make_move_iterator(outcomes.end()));
  sent.clear();
  outcomes.clear();
}

std::size_t Dispatcher::claim_answers() {
  if (!background_) return 0;
  {
    std::lock_guard lock(background_->mutex);
    claimed_.swap(background_->sent);
    claimed_outcomes_.swap(background_->outcomes);
  }
  claimed_at_ = clock_.now();
  claimed_actions_.clear();
  return claimed_.size();
}

void Dispatcher::record_in(store::Transaction& tx) {
  claimed_actions_.clear();  // run again with its transaction
  if (!claimed_.empty()) record_into(tx, claimed_, claimed_outcomes_, claimed_at_, claimed_actions_);
}

std::size_t Dispatcher::drain() {
  if (!background_) return 0;
  {
    std::unique_lock lock(background_->mutex);
    background_->answered.wait(lock, [&] { return background_->in_flight == 0 && background_->answering == 0; });
  }
  return record_answers();
}

TimeMs Dispatcher::backoff(const std::string& key, int attempts, TimeMs hint) const {
  TimeMs delay = retry_.first_delay;
  for (int i = 1; i < attempts && delay < retry_.max_delay; ++i) delay *= 2;
  delay = std::min(delay, retry_.max_delay);
  const auto jitter = stable_hash(key, std::to_string(attempts), "backoff") % 501;  // 0..500 ‰
  delay = delay / 2 + delay * static_cast<TimeMs>(jitter) / 1000;
  return std::max(delay, hint);
}

std::optional<TimeMs> Dispatcher::take_token(const std::string& client, const config::PluginInstanceConfig& channel,
                                             TimeMs now, std::size_t& queued) {
  const double rate = *channel.limits.per_second;  // per second
  const double capacity = std::max(1.0, std::floor(rate));
  Bucket& bucket = buckets_[{client, channel.name}];
  if (!bucket.started) bucket = {capacity, now, true};
  if (now > bucket.updated) {
    bucket.tokens = std::min(capacity, bucket.tokens + rate * static_cast<double>(now - bucket.updated) / 1000.0);
    bucket.updated = now;
  }
  if (queued == 0 && bucket.tokens >= 1.0) {
    bucket.tokens -= 1.0;
    return std::nullopt;
  }
  // The time the next token comes, then one interval more for each message already
  // put off this round: a backlog is spread over time, not re-examined all at once.
  const double wait_ms =
      (1.0 - std::min(bucket.tokens, 1.0)) / rate * 1000.0 + static_cast<double>(queued) / rate * 1000.0;
  ++queued;
  return now + std::max<TimeMs>(1, static_cast<TimeMs>(std::ceil(wait_ms)));
}

std::vector<SendOutcome> Dispatcher::send_all(
    const std::vector<std::pair<const config::ClientConfig*, const config::PluginInstanceConfig*>>& targets,
    const std::vector<std::string>& wires) {
  std::vector<SendOutcome> outcomes(targets.size());
  if (!sender_.concurrent() || targets.size() <= 1) {
    for (std::size_t i = 0; i < targets.size(); ++i)
      outcomes[i] = sender_.send(*targets[i].first, *targets[i].second, wires[i]);
    return outcomes;
  }
  // One queue per channel, each drained by up to `concurrency` threads; every channel
  // at once, so a slow one does not hold the others back within the round.
  std::map<const config::PluginInstanceConfig*, std::vector<std::size_t>> by_channel;
  for (std::size_t i = 0; i < targets.size(); ++i) by_channel[targets[i].second].push_back(i);
  std::vector<std::unique_ptr<std::atomic<std::size_t>>> cursors;
  std::vector<std::thread> threads;
  for (const auto& [channel, indices] : by_channel) {
    cursors.push_back(std::make_unique<std::atomic<std::size_t>>(0));
    std::atomic<std::size_t>* cursor = cursors.back().get();
    const std::vector<std::size_t>* queue = &indices;
    const auto workers = std::min<std::size_t>(static_cast<std::size_t>(channel->limits.concurrency), indices.size());
    for (std::size_t w = 0; w < workers; ++w)
      threads.emplace_back([&, cursor, queue] {
        for (std::size_t next; (next = cursor->fetch_add(1)) < queue->size();) {
          const std::size_t i = (*queue)[next];
          outcomes[i] = sender_.send(*targets[i].first, *targets[i].second, wires[i]);
        }
      });
  }
  for (auto& thread : threads) thread.join();
  return outcomes;
}

std::optional<TimeMs> Dispatcher::next_message_due() {
  std::optional<TimeMs> due;
  store_.transact([&](store::Transaction& tx) { due = tx.next_message_due(); });
  return due;
}

// A step's parameters are the same text for every message it sends: parsed once.
// Bounded, for a host whose messages carry many texts (configs often reloaded).
struct Dispatcher::ParsedParams {
  static constexpr std::size_t kKept = 256;
  std::unordered_map<std::string, json> by_text;

  const json& of(const std::string& params_json) {
    if (const auto it = by_text.find(params_json); it != by_text.end()) return it->second;
    if (by_text.size() >= kKept) by_text.clear();
    return by_text.emplace(params_json, render::parse_json(params_json)).first->second;
  }
};

bool Dispatcher::decide(store::Transaction& tx, MessageRecord& message, TimeMs now, std::size_t order,
                        const std::function<void(MessageRecord&)>& save, Actions& actions, PutOff& put_off,
                        Pending& pending) {
  const ClientJourneys* client = engine_.client(message.client);
  const config::PluginInstanceConfig* channel = client ? client->client->channel(message.channel) : nullptr;
  if (channel == nullptr) {
    message.status = MessageStatus::failed;
    message.reason = "the channel '" + message.channel + "' is no longer in the client's config";
    message.updated_at = now;
    save(message);
    tx.add_to_counter(message.client, message.journey, message.step, "failed", 1);
    return false;
  }
  const config::ClientConfig& config = *client->client;
  const auto record = tx.find_contact(message.client, message.contact);
  const json contact = record ? render::parse_json(record->attributes_json) : json::object();

  pending = Pending{{}, &config, channel, {}, json::object(), order};  // the message moves in once decided
  try {
    const std::string unsubscribe =
        links_ != nullptr ? links_->unsubscribe_url(message.client, message.contact, message.channel) : "";
    auto rendered =
        render::render_message(client->templates, parsed_params_->of(message.params_json),
                               MessageTemplateData(config, message, contact, unsubscribe, data_), pending.rendered);
    // The HTML as sent: rewritten for tracking, or the rendered one moved (not copied).
    std::string html;
    if (links_ != nullptr && channel->tracking && !rendered.html.empty()) {
      const links::LinkTarget target{
          "", message.client, message.contact, message.channel, message.idempotency_key, message.journey, message.step,
          ""};
      html = links::add_tracking(rendered.html, *links_, target);
    } else {
      html = std::move(rendered.html);
    }
    pending.wire =
        wire_message(message, record && contact.is_object() ? record->attributes_json : render::dump_json(contact),
                     rendered, html, unsubscribe, links_ != nullptr, pending.rendered);
  } catch (const std::exception& error) {
    message.status = MessageStatus::failed;
    message.reason = std::string("cannot render: ") + error.what();
    message.updated_at = now;
    save(message);
    tx.add_to_counter(message.client, message.journey, message.step, "failed", 1);
    spdlog::error("client {} journey {} contact {} message {}: {}", message.client, message.journey, message.contact,
                  message.idempotency_key, message.reason);
    return false;
  }

  const auto suppress = [&](const char* reason) {
    message.status = MessageStatus::suppressed;
    message.reason = reason;
    message.updated_at = now;
    save(message);
    tx.add_to_counter(message.client, message.journey, message.step, "suppressed", 1);
    tx.add_to_counter(message.client, message.journey, message.step, std::string("suppressed:") + reason, 1);
    json detail = pending.rendered;
    detail["reason"] = reason;
    actions.push_back({order,
                       {now, message.client, message.contact, message.journey, message.step, "suppressed",
                        message.channel, detail.dump(), message.idempotency_key}});
  };
  if (!consented(config, contact, message)) {
    suppress("consent");
    return false;
  }
  if (!message.transactional && config.quiet_hours) {
    if (const auto end = schedule::quiet_window_end(now, config.quiet_hours->start_minute,
                                                    config.quiet_hours->end_minute, timezone_of(config, contact))) {
      message.due = *end;  // deferred: it is dispatched (and shows) when quiet hours end
      message.updated_at = now;
      save(message);
      return false;
    }
  }
  if (!message.transactional && over_pressure(tx, config, message, now)) {
    suppress("pressure");
    return false;
  }
  if (channel->limits.per_second) {
    std::size_t& queued = put_off[{message.client, message.channel}];
    if (const auto later = take_token(message.client, *channel, now, queued)) {
      message.due = *later;  // paced by the channel's rate: not a decision, no action
      save(message);
      return false;
    }
  }
  message.status = MessageStatus::sent;
  message.attempts += 1;
  message.updated_at = now;
  save(message);
  // Counted once per message, at its first hand-over: retries are the same message.
  if (message.attempts == 1) tx.add_to_counter(message.client, message.journey, message.step, "sent", 1);
  pending.message = std::move(message);
  return true;
}

void Dispatcher::hand_over(std::vector<Pending>& to_send) {
  Background& background = *background_;
  for (auto& pending : to_send) {
    {
      std::lock_guard lock(background.mutex);
      ++background.in_flight;
      pending.order = ++background.order;
    }
    const auto* channel = pending.channel;
    auto job = std::make_shared<Pending>(std::move(pending));
    if (sender_.sends_async(*job->client, *channel)) {
      // No thread waits: the send starts here, or from the thread where an earlier
      // one of the channel ended, and its answer comes on the plugin's thread.
      background.pool.submit_async(channel, channel->limits.concurrency, [this, &background, job] {
        sender_.send_async(*job->client, *job->channel, job->wire, [&background, job](SendOutcome outcome) {
          const void* lane = job->channel;
          // The lane's next send first: once the answer is in, drain() may return
          // and the pool go away.
          background.pool.finished(lane);
          background.answer(std::move(*job), std::move(outcome));
        });
      });
      continue;
    }
    background.pool.submit(channel, channel->limits.concurrency, [this, &background, job] {
      background.answer(std::move(*job), sender_.send(*job->client, *job->channel, job->wire));
    });
  }
}

void Dispatcher::restart() {
  taken_.clear();
  taken_actions_.clear();
  taken_count_ = 0;
}

bool Dispatcher::take_now(store::Transaction& tx, MessageRecord& message) {
  if (!background_) return false;  // on a manual clock every message goes through the outbox, in due order
  const ClientJourneys* client = engine_.client(message.client);
  const config::PluginInstanceConfig* channel = client ? client->client->channel(message.channel) : nullptr;
  // A paced channel's messages keep the outbox's order; an unknown channel is the
  // outbox's to fail, as it would.
  if (channel == nullptr || channel->limits.per_second) return false;
  {
    std::lock_guard lock(background_->mutex);
    if (background_->in_flight + taken_.size() >= background_->max_in_flight) return false;
  }
  PutOff unused;  // no rate: nothing is put off
  Pending pending;
  ++taken_count_;
  // Decided at the step's time (its due): what the outbox would have seen.
  if (decide(
          tx, message, message.due, taken_count_, [&](MessageRecord& m) { tx.insert_message(m); }, taken_actions_,
          unused, pending))
    taken_.push_back(std::move(pending));
  return true;
}

std::size_t Dispatcher::hand_over_taken() {
  const std::size_t taken = taken_count_;
  if (!taken_.empty()) hand_over(taken_);
  notify(claimed_actions_);  // answered before these were decided
  notify(taken_actions_);
  claimed_.clear();
  claimed_outcomes_.clear();
  claimed_actions_.clear();
  restart();
  return taken;
}

void Dispatcher::drop_taken() {
  if (!claimed_.empty()) give_back(claimed_, claimed_outcomes_);
  claimed_actions_.clear();
  restart();
}

std::size_t Dispatcher::dispatch_due(std::size_t limit) {
  if (background_) {
    std::lock_guard lock(background_->mutex);
    if (background_->in_flight >= background_->max_in_flight) return 0;  // record answers first
    limit = std::min(limit, background_->max_in_flight - background_->in_flight);
  }
  const TimeMs now = clock_.now();
  std::vector<Pending> to_send;
  // Actions with the place of their message in the round, so that the timeline shows
  // them in decision order although sends are reported only once the channel answered.
  Actions actions;
  std::size_t decided = 0;
  PutOff put_off;

  // 1. Decide every due message, and mark those to send as `sent`, in one transaction.
  store_.transact([&](store::Transaction& tx) {
    to_send.clear();
    actions.clear();
    put_off.clear();
    decided = 0;
    const auto update = [&](MessageRecord& message) { tx.update_message(message); };
    for (auto& message : tx.due_messages(now, limit)) {
      Pending pending;
      if (decide(tx, message, now, ++decided, update, actions, put_off, pending)) to_send.push_back(std::move(pending));
    }
  });

  // 2. Hand each message to its channel, outside any transaction: in the background,
  // where answers are recorded by record_answers(); or here, waiting for them all.
  if (background_) {
    hand_over(to_send);
    notify(actions);
    return decided;
  }
  std::vector<std::pair<const config::ClientConfig*, const config::PluginInstanceConfig*>> targets;
  std::vector<std::string> wires;
  for (const auto& pending : to_send) {
    targets.emplace_back(pending.client, pending.channel);
    wires.push_back(pending.wire);
  }
  const std::vector<SendOutcome> outcomes = send_all(targets, wires);

  // 3. Record the answers.
  if (!to_send.empty()) record(to_send, outcomes, now, actions);
  notify(actions);
  return decided;
}

}  // namespace parcours::engine

namespace parcours::engine {

void Dispatcher::record(std::vector<Pending>& sent, const std::vector<SendOutcome>& outcomes, TimeMs now,
                        std::vector<std::pair<std::size_t, Action>>& actions) {
  std::vector<std::pair<std::size_t, Action>> sent_actions;
  store_.transact([&](store::Transaction& tx) {
    sent_actions.clear();
    record_into(tx, sent, outcomes, now, sent_actions);
  });
  actions.insert(actions.end(), sent_actions.begin(), sent_actions.end());
}

void Dispatcher::record_into(store::Transaction& tx, std::vector<Pending>& sent,
                             const std::vector<SendOutcome>& outcomes, TimeMs now,
                             std::vector<std::pair<std::size_t, Action>>& sent_actions) {
  for (std::size_t i = 0; i < sent.size(); ++i) {
    // Changed in place: if the transaction fails, these are handed back (give_back)
    // and every field written here is written again from the same outcome.
    MessageRecord& message = sent[i].message;
    const SendOutcome& outcome = outcomes[i];
    message.updated_at = now;
    message.provider_answer = outcome.answer;
    switch (outcome.status) {
      case SendOutcome::Status::delivered:
        message.status = MessageStatus::delivered;
        message.reason.clear();
        message.provider_id = outcome.provider_id;
        tx.add_to_counter(message.client, message.journey, message.step, "delivered", 1);
        sent_actions.push_back(
            {sent[i].order,
             {now, message.client, message.contact, message.journey, message.step, "send", message.channel,
              observer_details_ ? render::dump_json(sent[i].rendered) : "{}", message.idempotency_key}});
        break;
      case SendOutcome::Status::retry:
        if (message.attempts < retry_.max_attempts) {
          message.status = MessageStatus::queued;
          message.reason = outcome.error;
          message.due = now + backoff(message.idempotency_key, message.attempts, outcome.retry_after);
          break;
        }
        [[fallthrough]];
      case SendOutcome::Status::failed:
        message.status = MessageStatus::failed;
        message.reason = outcome.error;
        tx.add_to_counter(message.client, message.journey, message.step, "failed", 1);
        spdlog::warn("client {} journey {} contact {} message {} on {}: failed after {} attempt(s): {}", message.client,
                     message.journey, message.contact, message.idempotency_key, message.channel, message.attempts,
                     outcome.error);
        break;
    }
    tx.update_message(message);
  }
}

void Dispatcher::notify(std::vector<std::pair<std::size_t, Action>>& actions) {
  std::stable_sort(actions.begin(), actions.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  if (observer_ != nullptr)
    for (const auto& [order, action] : actions) observer_->on_action(action);
}

}  // namespace parcours::engine
