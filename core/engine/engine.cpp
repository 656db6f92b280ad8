#include "engine/engine.hpp"

#include <algorithm>
#include <atomic>
#include <map>
#include <optional>
#include <random>
#include <string>

#include <spdlog/spdlog.h>

#include <nlohmann/json.hpp>

#include "engine/step_hash.hpp"
#include "journey/expression.hpp"
#include "journey/expression_json_context.hpp"
#include "render/json_string.hpp"
#include "render/json_text.hpp"
#include "schedule/local_time.hpp"

namespace parcours::engine {

void notify(Observer* observer, const std::vector<Action>& actions) {
  if (observer == nullptr) return;
  for (const auto& action : actions) {
    if (action.action == "queued")
      observer->on_queued(action);
    else
      observer->on_action(action);
  }
}

using nlohmann::json;
using schedule::TimeMs;
using store::EnrollmentRecord;
using store::EnrollmentStatus;
using store::EventRecord;

const journey::Journey* ClientJourneys::find(std::string_view id) const {
  for (const auto* journey : journeys)
    if (journey->id == id) return journey;
  return nullptr;
}

namespace {

// The step counter a stored event adds to (IncomingEvent::counts), if any.
void add_step_count(store::Transaction& tx, const EventRecord& record, const IncomingEvent& event) {
  if (!event.counts) return;
  const StepCount& count = *event.counts;
  if (!count.unique_prefix.empty() && tx.other_event_with_id_prefix(record.client, count.unique_prefix, record.seq))
    return;
  tx.add_to_counter(record.client, count.journey, count.step, count.counter, 1);
}

bool finished(EnrollmentStatus status) {
  return status == EnrollmentStatus::completed || status == EnrollmentStatus::exited ||
         status == EnrollmentStatus::converted;
}

// The event as `event.*` sees it: its properties, plus what identifies it.
// `properties` is event.properties_json already parsed, when the caller has it.
json event_scope(const EventRecord& event, const json* properties) {
  return json{{"id", event.id},
              {"type", event.type},
              {"time", event.time},
              {"properties", properties != nullptr ? *properties : render::parse_json(event.properties_json)}};
}

// event_scope(event, ...).dump(), written directly: for an event whose properties_json
// is the dump() of its properties (so already in dump()'s form). Keys in dump()'s
// (sorted) order.
std::string event_scope_text(const EventRecord& event) {
  std::string text = "{\"id\":";
  render::append_json_string(text, event.id);
  text += ",\"properties\":";
  text += event.properties_json;
  text += ",\"time\":";
  text += std::to_string(event.time);
  text += ",\"type\":";
  render::append_json_string(text, event.type);
  text += '}';
  return text;
}

// Emitted events get ids derived from what emitted them, so that processing the same
// emit twice (it cannot happen in one store, but a replayed stream might) is a no-op.
std::string emitted_event_id(std::int64_t enrollment, std::size_t step, TimeMs now) {
  return "emit-" + std::to_string(enrollment) + "-" + std::to_string(step) + "-" + std::to_string(now);
}

}  // namespace

// Everything one transaction does: processing events and timers of contacts, with the
// contact's attributes loaded once and written back once per contact, and the per-step
// counters added up in memory and written once per transaction (finish_work()).
class Engine::Activation final : public journey::DataScope {
 public:
  Activation(Engine& engine, store::Transaction& tx, TimeMs now) : engine_(engine), tx_(tx), now_(now) {}

  std::vector<Action>& actions() { return actions_; }
  // Where the send steps of this activation put their messages (none: the outbox).
  void take_messages_with(MessageTaker* taker) { taker_ = taker; }

  // Stores the event and applies it; false when its id was seen before. The event is
  // stored as processed: it is applied in this same transaction, so nobody can see it
  // stored and not applied (one statement less than marking it afterwards).
  // `properties` is event.properties_json already parsed, when the caller has it.
  bool ingest(const ClientJourneys& client, EventRecord& event, const json& attributes, int depth = 0,
              const json* properties = nullptr) {
    event.processed = true;
    if (!tx_.insert_event(event)) return false;
    apply(client, event, attributes, depth, properties);
    return true;
  }

  // One caller's batch: each event stored and applied, in order.
  IngestResult ingest_all(const ClientJourneys& client, std::vector<EventRecord>& records,
                          const std::vector<IncomingEvent>& events) {
    IngestResult result;
    for (std::size_t i = 0; i < records.size(); ++i) {
      if (ingest(client, records[i], events[i].attributes, 0, &events[i].properties)) {
        ++result.accepted;
        add_step_count(tx_, records[i], events[i]);
      } else {
        ++result.duplicates;
      }
    }
    return result;
  }

  void apply(const ClientJourneys& client, const EventRecord& event, const json& attributes, int depth,
             const json* properties = nullptr) {
    json& contact = load_contact(client, event.contact);
    if (attributes.is_object() && !attributes.empty()) {
      contact.merge_patch(attributes);
      dirty_ = true;
    }
    // `event.*` for conditions, and its text for enrollments, each made once when needed.
    std::optional<json> parsed_scope;
    const auto scope = [&]() -> const json* {
      if (!parsed_scope) parsed_scope = event_scope(event, properties);
      return &*parsed_scope;
    };
    std::string scope_text;
    const auto scope_json = [&]() -> const std::string& {
      if (scope_text.empty()) scope_text = properties != nullptr ? event_scope_text(event) : scope()->dump();
      return scope_text;
    };
    // A new contact (a sign-up's) has no enrollments to look up.
    auto enrollments = contact_absent_ && !contact_enrolled_
                           ? std::vector<EnrollmentRecord>{}
                           : tx_.contact_enrollments(client.client->id, event.contact);

    // Goals first: a conversion ends the enrollment before anything else sees the event.
    for (auto& enrollment : enrollments) {
      if (finished(enrollment.status)) continue;
      const auto* journey = client.find(enrollment.journey);
      if (journey == nullptr || !journey->goal || journey->goal->on != event.type) continue;
      if (journey->goal->when && !holds(*journey->goal->when, contact, scope(), *journey, enrollment.entered_at))
        continue;
      enrollment.wake_at.reset();
      if (enrollment.status == EnrollmentStatus::waiting) leave_wait(client, *journey, enrollment);
      enrollment.status = EnrollmentStatus::converted;
      enrollment.waiting_for.clear();
      enrollment.updated_at = now_;
      tx_.update_enrollment(enrollment);
      touched_.push_back(enrollment.id);
      count(client.client->id, journey->id, "", "converted");
      count_split_conversions(client, *journey, enrollment);
      report(client, enrollment, "", "goal", "", [&] { return json{{"event", event.type}}; });
    }

    // Wake-ups: enrollments waiting for this event type.
    for (auto& enrollment : enrollments) {
      if (enrollment.status != EnrollmentStatus::waiting || enrollment.waiting_for != event.type) continue;
      const auto* journey = client.find(enrollment.journey);
      if (journey == nullptr) continue;
      const auto& step = journey->steps.at(static_cast<std::size_t>(enrollment.step));
      const auto& wait = std::get<journey::WaitForStep>(step.detail);
      if (wait.when && !holds(*wait.when, contact, scope(), *journey, enrollment.entered_at)) continue;
      enrollment.wake_at.reset();
      touched_.push_back(enrollment.id);
      leave_wait(client, *journey, enrollment);
      enrollment.waiting_for.clear();
      enrollment.event_json = with_split_arms(scope_json(), enrollment.event_json);
      run(client, *journey, enrollment, wait.on_event.index, depth);
    }

    // Entries.
    for (const auto* journey : client.journeys) {
      if (!journey->enabled || journey->entry.on != event.type) continue;
      int runs = 0;
      bool unfinished = false;
      for (const auto& enrollment : enrollments) {
        if (enrollment.journey != journey->id) continue;
        ++runs;
        unfinished = unfinished || !finished(enrollment.status);
      }
      if (runs > 0 && journey->reentry == journey::Reentry::never) continue;
      if (unfinished && journey->reentry == journey::Reentry::after_exit) continue;
      if (journey->entry.when && !holds(*journey->entry.when, contact, scope(), *journey, std::nullopt)) continue;
      contact_enrolled_ = true;  // the next event's look must find this enrollment
      EnrollmentRecord enrollment;
      enrollment.client = client.client->id;
      enrollment.journey = journey->id;
      enrollment.contact = event.contact;
      enrollment.run = runs + 1;
      enrollment.step = 0;
      enrollment.status = EnrollmentStatus::active;
      enrollment.event_json = scope_json();
      enrollment.entered_at = now_;
      enrollment.updated_at = now_;
      // Not stored yet: run() stores it when it first must (it waits, ends, sends or
      // emits), in its state then: one write instead of an insert and an update. Every
      // run stores its enrollment before the next one is created, so ids are assigned
      // in the same order.
      count(client.client->id, journey->id, "", "enrolled");
      report(client, enrollment, "", "enter", "", [&] { return json{{"event", event.type}, {"run", enrollment.run}}; });
      run(client, *journey, enrollment, 0, depth);
    }
    save_contact(client);
  }

  // An enrollment whose timer is due (read by run_due_timers with the others of its
  // batch): resume after a wait, or take a wait_for's timeout. The timer is cleared.
  void fire(const ClientJourneys& client, EnrollmentRecord& enrollment) {
    if (std::find(touched_.begin(), touched_.end(), enrollment.id) != touched_.end()) {
      // Woken or ended since its batch was read, by an event an earlier one of the batch
      // emitted: what the store holds now decides.
      auto fresh = tx_.find_enrollment(enrollment.id);
      if (!fresh || !fresh->wake_at || *fresh->wake_at > now_) return;
      enrollment = std::move(*fresh);
    }
    const store::TimerKind kind = enrollment.wake_kind;
    enrollment.wake_at.reset();
    const auto* journey = client.find(enrollment.journey);
    if (enrollment.status != EnrollmentStatus::waiting || journey == nullptr) {
      tx_.update_enrollment(enrollment);  // a journey no longer in the config: its timer goes
      return;
    }
    defer_contact(client, enrollment.contact);
    contact_enrolled_ = true;
    leave_wait(client, *journey, enrollment);
    const auto& step = journey->steps.at(static_cast<std::size_t>(enrollment.step));
    std::size_t next = step.next.index;
    if (kind == store::TimerKind::timeout) {
      next = std::get<journey::WaitForStep>(step.detail).on_timeout.index;
      enrollment.waiting_for.clear();
    }
    run(client, *journey, enrollment, next, 0);
    save_contact(client);
  }

  // The end of the transaction's work: writes the counters added up so far.
  void finish_work() {
    for (const auto& [key, counter] : counters_)
      tx_.add_to_counter(counter.client, counter.journey, counter.step, counter.counter, counter.delta);
    counters_.clear();
  }

 private:
  struct Counter {
    std::string client, journey, step, counter;
    std::int64_t delta = 0;
  };

  // Adds `delta` to a per-step counter (written by finish_work()).
  void count(std::string_view client, std::string_view journey, std::string_view step, std::string_view counter,
             std::int64_t delta = 1) {
    counter_key_.clear();
    for (const std::string_view part : {client, journey, step, counter}) {
      counter_key_ += std::to_string(part.size());
      counter_key_ += ':';
      counter_key_ += part;
    }
    auto it = counters_.find(counter_key_);
    if (it == counters_.end())
      it = counters_
               .emplace(counter_key_,
                        Counter{std::string(client), std::string(journey), std::string(step), std::string(counter), 0})
               .first;
    it->second.delta += delta;
  }

  // "waiting" is a gauge per step: pause() adds 1, and the enrollment's leaving the wait
  // (its timer, its event, its goal) takes 1 off, so the dashboard can show how many
  // wait at each step now without a query over enrollments.
  void leave_wait(const ClientJourneys& client, const journey::Journey& journey, const EnrollmentRecord& enrollment) {
    const auto index = static_cast<std::size_t>(enrollment.step);
    if (index >= journey.steps.size()) return;
    const auto& step = journey.steps[index];
    count(client.client->id, journey.id, step.id.empty() ? "step " + std::to_string(index + 1) : step.id, "waiting",
          -1);
  }

  // The split arms an enrollment took ride in its event scope (`split_arms`: step label →
  // arm, from 1), which conditions and templates never see (they read `properties`): at
  // its goal, each arm it took counts one conversion ("<label>#arm<N>", "converted").
  void count_split_conversions(const ClientJourneys& client, const journey::Journey& journey,
                               const EnrollmentRecord& enrollment) {
    if (enrollment.event_json.find(kSplitArms) == std::string::npos) return;
    const json scope = render::parse_json(enrollment.event_json);
    const auto arms = scope.find("split_arms");
    if (arms == scope.end() || !arms->is_object()) return;
    for (const auto& [label, arm] : arms->items())
      if (arm.is_number_integer())
        count(client.client->id, journey.id, label + "#arm" + std::to_string(arm.get<int>()), "converted");
  }

  // `scope` (a new event scope, as text) with the split arms recorded in `previous`.
  static std::string with_split_arms(std::string scope, const std::string& previous) {
    if (previous.find(kSplitArms) == std::string::npos) return scope;
    const json old = render::parse_json(previous);
    const auto arms = old.find("split_arms");
    if (arms == old.end()) return scope;
    json fresh = render::parse_json(scope);
    fresh["split_arms"] = *arms;
    return render::dump_json(fresh);
  }
  static constexpr std::string_view kSplitArms = "\"split_arms\"";

  // Stores the enrollment: inserted (which assigns its id) the first time, else updated.
  void save_enrollment(EnrollmentRecord& enrollment) {
    if (enrollment.id == 0)
      tx_.insert_enrollment(enrollment);
    else
      tx_.update_enrollment(enrollment);
  }

  // A `set` step's attributes, parsed once per transaction.
  const json& set_changes(const journey::Step& step) {
    auto it = set_changes_.find(&step);
    if (it == set_changes_.end())
      it = set_changes_.emplace(&step, render::parse_json(std::get<journey::SetStep>(step.detail).attributes_json))
               .first;
    return it->second;
  }
  json& load_contact(const ClientJourneys& client, const std::string& id) {
    defer_contact(client, id);
    return current_contact();
  }

  // Makes `id` the contact this activation works on, without reading it yet: a timer
  // that only moves an enrollment on to a send or a wait never needs its attributes.
  void defer_contact(const ClientJourneys& client, const std::string& id) {
    if (contact_id_ == id && contact_client_ == client.client->id) return;
    save_contact(client);
    contact_id_ = id;
    contact_client_ = client.client->id;
    data_rows_.reset();
    contact_ = json::object();
    contact_loaded_ = false;
    dirty_ = false;
    contact_absent_ = false;
    contact_enrolled_ = false;
  }

  // The current contact's attributes, read from the store the first time they are asked for.
  json& current_contact() const {
    if (!contact_loaded_) {
      auto record = tx_.find_contact(contact_client_, contact_id_);
      contact_ = record ? render::parse_json(record->attributes_json) : json::object();
      dirty_ = !record.has_value();
      contact_absent_ = !record.has_value();
      contact_loaded_ = true;
    }
    return contact_;
  }

  void save_contact(const ClientJourneys& client) {
    if (!dirty_ || !contact_loaded_ || contact_id_.empty()) return;
    tx_.upsert_contact({contact_client_, contact_id_, render::dump_json(contact_), now_});
    dirty_ = false;
    (void)client;
  }

  bool holds(const journey::ExpressionText& expression, const json& contact, const json* event,
             const journey::Journey& journey, std::optional<TimeMs> entered_at) const {
    return journey::holds(*expression.compiled, context(contact, event, journey, entered_at));
  }

  journey::JsonContext context(const json& contact, const json* event, const journey::Journey& journey,
                               std::optional<TimeMs> entered_at) const {
    journey::JsonScope scope;
    scope.contact = &contact;
    scope.event = event != nullptr && event->contains("properties") ? &(*event)["properties"] : nullptr;
    scope.journey_id = journey.id;
    if (entered_at) scope.entered_at = journey::Time(std::chrono::milliseconds(*entered_at));
    scope.now = journey::Time(std::chrono::milliseconds(now_));
    if (engine_.data_ != nullptr) scope.data = this;
    return journey::JsonContext(scope);
  }

  // data.*: asked of the sources once per contact and transaction, and only when an
  // expression reads it.
  const json& rows() const override {
    if (!data_rows_) data_rows_ = engine_.data_->lookup(contact_client_, contact_id_, current_contact());
    return *data_rows_;
  }

  // Records an action for the observer. `detail` makes the action's detail object: it
  // is called only when there is an observer (nobody pays for a timeline not shown).
  template <typename MakeDetail>
  void report(const ClientJourneys& client, const EnrollmentRecord& enrollment, std::string_view step,
              std::string_view action, std::string_view channel, const MakeDetail& detail,
              std::string_view message_key = {}) {
    if (engine_.observer_ == nullptr) return;
    actions_.push_back({now_, client.client->id, enrollment.contact, enrollment.journey, std::string(step),
                        std::string(action), std::string(channel),
                        engine_.observer_details_ ? render::dump_json(detail()) : std::string("{}"),
                        std::string(message_key)});
  }

  template <typename MakeDetail>
  void finish(const ClientJourneys& client, const journey::Journey& journey, EnrollmentRecord& enrollment,
              EnrollmentStatus status, std::string_view step, std::string_view action, const MakeDetail& detail) {
    enrollment.status = status;
    enrollment.updated_at = now_;
    save_enrollment(enrollment);
    count(client.client->id, journey.id, "", store::to_string(status));
    report(client, enrollment, step, action, "", detail);
  }

  // Runs the enrollment from step `index` until it waits or ends.
  void run(const ClientJourneys& client, const journey::Journey& journey, EnrollmentRecord& enrollment,
           std::size_t index, int depth) {
    const std::string& client_id = client.client->id;
    // `event.*` for branches and wait_until, parsed when one first needs it.
    std::optional<json> parsed_event;
    const auto event = [&]() -> const json* {
      if (!parsed_event) parsed_event = render::parse_json(enrollment.event_json);
      return &*parsed_event;
    };
    const auto no_detail = [] { return json::object(); };
    std::string numbered;  // the label of a step without an id
    for (int executed = 0;; ++executed) {
      if (index == journey::kEnd || index >= journey.steps.size()) {
        finish(client, journey, enrollment, EnrollmentStatus::completed, "", "end", no_detail);
        return;
      }
      const journey::Step& step = journey.steps[index];
      const std::string& label = step.id.empty() ? (numbered = "step " + std::to_string(index + 1)) : step.id;
      if (executed >= kMaxStepsPerActivation) {
        spdlog::error(
            "client {} journey {} contact {}: {} steps in one go without waiting, stopped at {}: exiting "
            "the enrollment (a loop whose waits are all in the past?)",
            client_id, journey.id, enrollment.contact, executed, label);
        finish(client, journey, enrollment, EnrollmentStatus::exited, label, "exit", [] {
          return json{{"reason", "runaway"}};
        });
        return;
      }
      enrollment.step = static_cast<std::int64_t>(index);
      count(client_id, journey.id, label, "entered");
      switch (step.kind) {
        case journey::StepKind::send: {
          const auto& send = std::get<journey::SendStep>(step.detail);
          if (enrollment.id == 0) save_enrollment(enrollment);  // the message names it
          store::MessageRecord message;
          message.idempotency_key = client_id + "/" + std::to_string(enrollment.id) + "/" + std::to_string(index) +
                                    "/" + std::to_string(now_) + "/" + std::to_string(++sends_);
          message.client = client_id;
          message.journey = journey.id;
          message.step = label;
          message.contact = enrollment.contact;
          message.channel = send.channel;
          message.enrollment = enrollment.id;
          message.params_json = send.params_json;
          message.event_json = enrollment.event_json;
          message.transactional = send.transactional;
          message.created_at = now_;
          message.due = now_;
          message.updated_at = now_;
          // Reported first: a taker may move the message, and "queued" comes before
          // whatever the dispatcher decides of it.
          count(client_id, journey.id, label, "queued");
          report(client, enrollment, label, "queued", send.channel, no_detail, message.idempotency_key);
          if (taker_ == nullptr || !taker_->take_now(tx_, message)) tx_.insert_message(message);
          index = step.next.index;
          break;
        }
        case journey::StepKind::wait: {
          const auto& wait = std::get<journey::WaitStep>(step.detail);
          const TimeMs due = now_ + std::chrono::duration_cast<std::chrono::milliseconds>(wait.duration).count();
          pause(client, journey, enrollment, label, due, store::TimerKind::resume, [&] {
            return json{{"until", schedule::format_time(due)}};
          });
          return;
        }
        case journey::StepKind::wait_until: {
          const auto& wait = std::get<journey::WaitUntilStep>(step.detail);
          const auto value = journey::evaluate(*wait.until.compiled,
                                               context(current_contact(), event(), journey, enrollment.entered_at));
          std::optional<TimeMs> due;
          if (auto time = value.to_time()) due = time->time_since_epoch().count();
          if (due && wait.at_minute)
            due = schedule::at_local_minute(*due, *wait.at_minute, timezone_of(client, current_contact()));
          if (!due || *due <= now_) {
            // Past (or no time at all): continue now, or jump to `goto` with if_past = "skip".
            index = wait.skip_to ? wait.skip_to->index : step.next.index;
            break;
          }
          pause(client, journey, enrollment, label, *due, store::TimerKind::resume, [&] {
            return json{{"until", schedule::format_time(*due)}};
          });
          return;
        }
        case journey::StepKind::wait_for: {
          const auto& wait = std::get<journey::WaitForStep>(step.detail);
          enrollment.waiting_for = wait.event_type;
          std::optional<TimeMs> due;
          if (wait.timeout) due = now_ + std::chrono::duration_cast<std::chrono::milliseconds>(*wait.timeout).count();
          pause(client, journey, enrollment, label, due, store::TimerKind::timeout, [&] {
            json detail{{"for", wait.event_type}};
            if (due) detail["until"] = schedule::format_time(*due);
            return detail;
          });
          return;
        }
        case journey::StepKind::branch: {
          const auto& branch = std::get<journey::BranchStep>(step.detail);
          std::size_t next = step.next.index;
          std::string taken = "none";
          for (std::size_t i = 0; i < branch.cases.size(); ++i) {
            const auto& branch_case = branch.cases[i];
            if (branch_case.when &&
                !journey::holds(*branch_case.when->compiled,
                                context(current_contact(), event(), journey, enrollment.entered_at)))
              continue;
            next = branch_case.target.index;
            taken = branch_case.target.name;
            break;
          }
          report(client, enrollment, label, "branch", "", [&] { return json{{"goto", taken}}; });
          index = next;
          break;
        }
        case journey::StepKind::split: {
          const auto& split = std::get<journey::SplitStep>(step.detail);
          const std::size_t arm = split_arm(client_id, journey.id, enrollment.contact, split);
          count(client_id, journey.id, label + "#arm" + std::to_string(arm + 1), "entered");
          json scope = parsed_event ? *parsed_event : render::parse_json(enrollment.event_json);
          scope["split_arms"][label] = arm + 1;
          enrollment.event_json = render::dump_json(scope);
          parsed_event = std::move(scope);
          report(client, enrollment, label, "split", "", [&] {
            return json{{"arm", arm + 1}, {"goto", split.arms[arm].target.name}};
          });
          index = split.arms[arm].target.index;
          break;
        }
        case journey::StepKind::set: {
          const json& changes = set_changes(step);
          current_contact().merge_patch(changes);
          dirty_ = true;
          report(client, enrollment, label, "set", "", [&] { return changes; });
          index = step.next.index;
          break;
        }
        case journey::StepKind::emit: {
          const auto& emit = std::get<journey::EmitStep>(step.detail);
          report(client, enrollment, label, "emit", "", [&] { return json{{"event", emit.event_type}}; });
          if (depth < 8) {
            EventRecord emitted;
            emitted.client = client_id;
            emitted.id = emitted_event_id(enrollment.id, index, now_);
            emitted.type = emit.event_type;
            emitted.contact = enrollment.contact;
            emitted.time = now_;
            emitted.properties_json = emit.properties_json;
            // The enrollment's own state must be on disk before other journeys react.
            enrollment.updated_at = now_;
            save_enrollment(enrollment);
            save_contact(client);
            ingest(client, emitted, json::object(), depth + 1);
            load_contact(client, enrollment.contact);
            if (auto fresh = tx_.find_enrollment(enrollment.id); fresh && finished(fresh->status)) {
              enrollment = *fresh;  // the emitted event met this journey's own goal
              return;
            }
          } else {
            spdlog::error("client {} journey {} contact {}: emit chain deeper than 8 at {}: event {} not emitted",
                          client_id, journey.id, enrollment.contact, label, emit.event_type);
          }
          index = step.next.index;
          break;
        }
        case journey::StepKind::jump: index = step.next.index; break;
        case journey::StepKind::exit:
          finish(client, journey, enrollment, EnrollmentStatus::exited, label, "exit", no_detail);
          return;
      }
    }
  }

  template <typename MakeDetail>
  void pause(const ClientJourneys& client, const journey::Journey& journey, EnrollmentRecord& enrollment,
             const std::string& label, std::optional<TimeMs> due, store::TimerKind kind, const MakeDetail& detail) {
    enrollment.status = EnrollmentStatus::waiting;
    enrollment.updated_at = now_;
    enrollment.wake_at = due;
    enrollment.wake_kind = kind;
    save_enrollment(enrollment);
    count(client.client->id, journey.id, label, "waiting");
    report(client, enrollment, label, "wait", "", detail);
  }

  static std::string timezone_of(const ClientJourneys& client, const json& contact) {
    if (const auto it = contact.find("timezone");
        it != contact.end() && it->is_string() && schedule::known_zone(it->get_ref<const std::string&>()))
      return it->get<std::string>();
    return client.client->timezone;
  }

  Engine& engine_;
  store::Transaction& tx_;
  TimeMs now_;
  MessageTaker* taker_ = nullptr;
  std::vector<Action> actions_;
  std::string contact_client_;
  std::string contact_id_;
  // The current contact: read when first asked for (current_contact()), written back when
  // changed (save_contact()).
  mutable json contact_ = json::object();
  mutable bool contact_loaded_ = true;
  mutable std::optional<json> data_rows_;  // rows(): what the sources know of contact_id_
  mutable bool dirty_ = false;
  // The store had no row for the current contact when it was read; and this activation
  // enrolled it, or fired a timer of its. A contact without a row has no enrollments:
  // its row is written in the transaction of its first event (which enrolls it), and
  // erased with its enrollments.
  mutable bool contact_absent_ = false;
  bool contact_enrolled_ = false;
  int sends_ = 0;
  std::map<std::string, Counter, std::less<>> counters_;  // by counter_key_
  std::string counter_key_;
  std::map<const journey::Step*, json> set_changes_;
  // Enrollments an event changed in this activation (converted, woken): fire() reads
  // such a one again rather than trust the copy its batch read.
  std::vector<std::int64_t> touched_;
};

Engine::Engine(const std::vector<config::ClientConfig>& clients,
               const std::map<std::string, std::vector<journey::Journey>>& journeys, store::Store& store,
               const schedule::Clock& clock, Observer* observer, const DataLookup* data)
    : store_(store),
      clock_(clock),
      observer_(observer),
      observer_details_(observer != nullptr && observer->wants_details()),
      data_(data) {
  for (const auto& client : clients) {
    ClientJourneys& entry = clients_[client.id];
    entry.client = &client;
    entry.templates = client.directory / "templates";
    if (const auto it = journeys.find(client.id); it != journeys.end())
      for (const auto& journey : it->second) entry.journeys.push_back(&journey);
  }
}

const ClientJourneys* Engine::client(std::string_view id) const {
  const auto it = clients_.find(id);
  return it == clients_.end() ? nullptr : &it->second;
}

// An id for an event sent without one: never repeated (time, a per-process nonce and a
// counter), and time-ordered, since the event log's unique index on (client, id) is
// ten times faster to append to than to insert into at random places.
// "gen-%011llx-%08x-%08x", written by hand: snprintf took a microsecond of every event.
static std::string generated_event_id(TimeMs now) {
  static const std::uint32_t nonce = std::random_device{}();
  static std::atomic<std::uint32_t> counter{0};
  // `value` in lower-case hex, zero-padded to `width` digits at least.
  const auto append_hex = [](std::string& out, std::uint64_t value, int width) {
    char digits[16];
    int count = 0;
    do {
      digits[count++] = "0123456789abcdef"[value & 15];
      value >>= 4;
    } while (value != 0);
    for (int pad = count; pad < width; ++pad) out += '0';
    while (count > 0) out += digits[--count];
  };
  std::string id = "gen-";
  id.reserve(4 + 16 + 18);
  append_hex(id, static_cast<std::uint64_t>(now), 11);
  id += '-';
  append_hex(id, nonce, 8);
  id += '-';
  append_hex(id, counter.fetch_add(1), 8);
  return id;
}

std::vector<EventRecord> Engine::event_records(const ClientJourneys& client, const std::vector<IncomingEvent>& events,
                                               TimeMs now) const {
  // The records are made before the transaction: callers on other threads meanwhile
  // hold the store (group commit), and this work needs no state.
  std::vector<EventRecord> records(events.size());
  for (std::size_t i = 0; i < events.size(); ++i) {
    const IncomingEvent& incoming = events[i];
    EventRecord& event = records[i];
    event.client = client.client->id;
    event.id = incoming.id.empty() ? generated_event_id(now) : incoming.id;
    event.type = incoming.type;
    event.contact = incoming.contact;
    event.time = incoming.time.value_or(now);
    event.properties_json = render::dump_json(incoming.properties);
    event.attributes_json = render::dump_json(incoming.attributes);
  }
  return records;
}

IngestResult Engine::ingest(std::string_view client_id, const std::vector<IncomingEvent>& events) {
  const ClientJourneys* client = this->client(client_id);
  if (client == nullptr) throw EventError("unknown client '" + std::string(client_id) + "'");
  IngestResult result;
  std::vector<Action> actions;
  const TimeMs now = clock_.now();
  std::vector<EventRecord> records = event_records(*client, events, now);
  store_.transact([&](store::Transaction& tx) {
    Activation activation(*this, tx, now);
    result = activation.ingest_all(*client, records, events);
    activation.finish_work();
    actions = std::move(activation.actions());
  });
  notify(observer_, actions);
  return result;
}

std::vector<IngestOutcome> Engine::ingest_many(const std::vector<IngestRequest>& requests, IngestMode mode) {
  std::vector<IngestOutcome> outcomes(requests.size());
  std::vector<const ClientJourneys*> clients(requests.size(), nullptr);
  std::vector<std::vector<EventRecord>> records(requests.size());
  const TimeMs now = clock_.now();
  std::size_t valid = 0;
  for (std::size_t r = 0; r < requests.size(); ++r) {
    clients[r] = client(requests[r].client);
    if (clients[r] == nullptr) {
      outcomes[r].error = std::make_exception_ptr(EventError("unknown client '" + requests[r].client + "'"));
      continue;
    }
    records[r] = event_records(*clients[r], requests[r].events, now);
    ++valid;
  }
  if (valid == 0) return outcomes;
  std::vector<Action> actions;
  try {
    store_.transact([&](store::Transaction& tx) {
      if (mode == IngestMode::store_only) {
        for (std::size_t r = 0; r < requests.size(); ++r) {
          if (clients[r] == nullptr) continue;
          IngestResult& result = outcomes[r].result;
          result = {};
          for (std::size_t i = 0; i < records[r].size(); ++i) {
            auto& record = records[r][i];
            record.processed = false;
            if (tx.insert_event(record)) {
              ++result.accepted;
              add_step_count(tx, record, requests[r].events[i]);
            } else {
              ++result.duplicates;
            }
          }
        }
        return;
      }
      Activation activation(*this, tx, now);
      if (observer_ != nullptr) {
        // Room for an entry and its first step per event: growing the list one doubling
        // at a time moved every action again, inside the transaction.
        std::size_t events = 0;
        for (const auto& request : records) events += request.size();
        activation.actions().reserve(2 * events);
      }
      for (std::size_t r = 0; r < requests.size(); ++r)
        if (clients[r] != nullptr)
          outcomes[r].result = activation.ingest_all(*clients[r], records[r], requests[r].events);
      activation.finish_work();
      actions = std::move(activation.actions());
    });
  } catch (...) {
    // Nothing of the shared transaction was kept: each batch again, alone, so that
    // only the one that fails (or all of them, if the store is down) reports it.
    const auto shared_error = std::current_exception();
    for (std::size_t r = 0; r < requests.size(); ++r) {
      if (clients[r] == nullptr) continue;
      if (valid == 1) {
        outcomes[r] = {{}, shared_error};
        continue;
      }
      outcomes[r] = ingest_many({requests[r]}, mode).at(0);  // alone: its own error, if any
    }
    return outcomes;
  }
  notify(observer_, actions);
  return outcomes;
}

std::size_t Engine::run_due_timers(std::size_t limit, MessageTaker* taker) {
  std::size_t fired = 0;
  std::vector<Action> actions;
  const TimeMs now = clock_.now();
  store_.transact([&](store::Transaction& tx) {
    fired = 0;
    if (taker != nullptr) {
      taker->restart();
      taker->record_in(tx);
    }
    Activation activation(*this, tx, now);
    activation.take_messages_with(taker);
    auto due = tx.due_enrollments(now, limit);
    if (observer_ != nullptr) activation.actions().reserve(2 * due.size());  // a step and what follows it
    for (auto& enrollment : due) {
      const ClientJourneys* client = this->client(enrollment.client);
      if (client == nullptr) {
        enrollment.wake_at.reset();  // a client removed from the config: its timers die with it
        tx.update_enrollment(enrollment);
        continue;
      }
      activation.fire(*client, enrollment);
      ++fired;
    }
    activation.finish_work();
    actions = std::move(activation.actions());
  });
  notify(observer_, actions);
  return fired;
}

std::size_t Engine::process_pending_events(std::size_t limit) {
  std::size_t processed = 0;
  std::vector<Action> actions;
  const TimeMs now = clock_.now();
  try {
    store_.transact([&](store::Transaction& tx) {
      processed = 0;
      Activation activation(*this, tx, now);
      for (const auto& event : tx.unprocessed_events(limit)) {
        if (const ClientJourneys* client = this->client(event.client))
          activation.apply(*client, event, render::parse_json(event.attributes_json), 0);
        tx.mark_event_processed(event.seq);
        ++processed;
      }
      activation.finish_work();
      actions = std::move(activation.actions());
    });
  } catch (const store::StoreError&) {
    throw;  // the store's trouble, not an event's: the caller tries again later
  } catch (const std::exception& error) {
    if (limit > 1) {
      // Which event? One at a time, so the others are applied and the bad one alone is set aside.
      std::size_t done = 0;
      while (done < limit) {
        const std::size_t one = process_pending_events(1);
        if (one == 0) break;
        done += one;
      }
      return done;
    }
    store_.transact([&](store::Transaction& tx) {
      for (const auto& event : tx.unprocessed_events(1)) {
        spdlog::error("client {} event {} ({}, contact {}) could not be applied and is set aside: {}", event.client,
                      event.id, event.type, event.contact, error.what());
        tx.mark_event_processed(event.seq);
      }
    });
    return 1;
  }
  notify(observer_, actions);
  return processed;
}

std::optional<TimeMs> Engine::next_timer_due() {
  std::optional<TimeMs> due;
  store_.transact([&](store::Transaction& tx) { due = tx.next_timer_due(); });
  return due;
}

}  // namespace parcours::engine
