// The journey model: one journey file (clients/<id>/journeys/<journey>.toml) as typed
// data. The loader (journey_loader.cpp) builds it from TOML and checks each step;
// the validator (journey_validator.cpp) checks the graph the steps form. The engine
// (a later part) only ever runs a Journey that loaded without errors.
//
// Steps are kept in file order; jumps are resolved to indices at load time, with
// kEnd standing for "end the enrollment normally".
#pragma once

#include <chrono>
#include <cstddef>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "config/diagnostics.hpp"

namespace parcours::journey {

class Expression;  // expression.hpp
using config::SourceLocation;

inline constexpr std::size_t kEnd = std::numeric_limits<std::size_t>::max();

// An expression as written (for messages and graphs) and compiled (for running).
struct ExpressionText {
  std::string text;
  SourceLocation where;
  std::shared_ptr<const Expression> compiled;
};

// Where a step goes: a step id or "end", resolved to an index (kEnd for "end").
struct Target {
  std::string name;
  SourceLocation where;
  std::size_t index = kEnd;
};

enum class Reentry { never, after_exit, always };
enum class StepKind { send, wait, wait_until, wait_for, branch, split, set, emit, jump, exit };
std::string_view to_string(StepKind kind);
std::string_view to_string(Reentry reentry);

struct SendStep {
  std::string channel;
  std::string params_json;  // every parameter but `transactional`, as a JSON object; strings are Mustache
  bool transactional = false;
};
struct WaitStep {
  std::chrono::seconds duration{0};
};
struct WaitUntilStep {
  ExpressionText until;
  std::optional<int> at_minute;  // `at = "09:00"`: minutes after midnight, contact's time zone
  // `if_past = "skip"`: where to jump when the time is already past (the step's
  // `goto`); the step then goes on to the next step after a real wait.
  std::optional<Target> skip_to;
};
struct WaitForStep {
  std::string event_type;
  std::optional<ExpressionText> when;
  std::optional<std::chrono::seconds> timeout;  // none: wait as long as it takes
  Target on_event;
  Target on_timeout;
};
struct BranchCase {
  std::optional<ExpressionText> when;  // none: the default case
  Target target;
};
struct BranchStep {
  std::vector<BranchCase> cases;  // when no case holds (and none is default): the next step
};
struct SplitArm {
  int weight = 0;
  Target target;
};
struct SplitStep {
  std::vector<SplitArm> arms;
};
struct SetStep {
  std::string attributes_json;  // JSON object merged into the contact
};
struct EmitStep {
  std::string event_type;
  std::string properties_json;  // JSON object
};

struct Step {
  std::string id;  // may be empty: such a step cannot be a jump target
  std::size_t index = 0;
  SourceLocation where;
  StepKind kind = StepKind::jump;
  Target next;  // where to go after it: `goto`, else the next step in the file
  std::variant<std::monostate, SendStep, WaitStep, WaitUntilStep, WaitForStep, BranchStep, SplitStep, SetStep, EmitStep>
      detail;

  // The step's id, or "step N" (1-based) when it has none: for messages.
  std::string label() const;
  // Whether running this step can pause the enrollment (so a loop through it is fine).
  bool waits() const;
};

// `[entry]` or `[goal]`: an event type and an optional condition on it.
struct EventRule {
  std::string on;
  std::optional<ExpressionText> when;
  SourceLocation where;
};

struct Journey {
  std::string id;
  std::string client;
  std::string file;  // as shown in messages
  std::string name;
  std::string stage;
  bool enabled = true;
  EventRule entry;
  Reentry reentry = Reentry::never;
  std::optional<EventRule> goal;
  std::vector<Step> steps;

  // Index of the step with this id, if any.
  std::optional<std::size_t> find(std::string_view step_id) const;
  // The steps (or kEnd) that can follow step `index`, in the order the step lists them.
  std::vector<std::size_t> successors(std::size_t index) const;
};

}  // namespace parcours::journey
