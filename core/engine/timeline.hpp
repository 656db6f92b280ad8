// What the engine did, as it happens: the timeline `parcours simulate` prints, and
// (later) what the dashboard and metrics count. The engine reports; it never waits
// for an observer's answer.
#pragma once

#include <string>
#include <vector>

#include "schedule/clock.hpp"

namespace parcours::engine {

// One thing that happened to one contact in one journey. `action` is one of CLI.md's:
// enter, send, wait, branch, split, set, emit, goal, exit, end, suppressed.
struct Action {
  schedule::TimeMs time = 0;
  std::string client;
  std::string contact;
  std::string journey;
  std::string step;  // the step's id, or "step N"; empty for enter/goal
  std::string action;
  std::string channel;             // send and suppressed
  std::string detail_json = "{}";  // JSON object: rendered parameters, reason, goto, until...
  std::string message_key;         // send, suppressed and queued: the message's idempotency key
};

class Observer {
 public:
  virtual ~Observer() = default;
  // Called after the transaction holding the action committed, in order.
  virtual void on_action(const Action& action) = 0;
  // A send step put a message in the outbox (action "queued"). Its send or suppressed
  // comes later, from the dispatcher; a timeline that wants to show it where the step
  // ran (when it is dispatched at once) keeps a place for it here.
  virtual void on_queued(const Action&) {}
  // Whether actions need their detail (rendered parameters, wait times, ...). One that
  // only counts, like the host's metrics, says no and gets "{}" instead, except for
  // `suppressed`, which always carries its reason. Asked once, when the engine or the
  // dispatcher is made.
  virtual bool wants_details() const { return true; }
};

// Hands each action to the observer (if any), in order.
void notify(Observer* observer, const std::vector<Action>& actions);

}  // namespace parcours::engine
