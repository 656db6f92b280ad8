#include "journey/journey_validator.hpp"

#include <algorithm>
#include <functional>

#include "config/suggestion.hpp"

namespace parcours::journey {
namespace {

// Every Target a step holds, for resolution.
std::vector<Target*> targets_of(Step& step) {
  std::vector<Target*> out{&step.next};
  std::visit(
      [&out](auto& detail) {
        using Detail = std::decay_t<decltype(detail)>;
        if constexpr (std::is_same_v<Detail, WaitForStep>) {
          out.push_back(&detail.on_event);
          out.push_back(&detail.on_timeout);
        } else if constexpr (std::is_same_v<Detail, BranchStep>) {
          for (auto& branch_case : detail.cases) out.push_back(&branch_case.target);
        } else if constexpr (std::is_same_v<Detail, SplitStep>) {
          for (auto& arm : detail.arms) out.push_back(&arm.target);
        } else if constexpr (std::is_same_v<Detail, WaitUntilStep>) {
          if (detail.skip_to) out.push_back(&*detail.skip_to);
        }
      },
      step.detail);
  return out;
}

// A jump must name one step: a repeated id would make it ambiguous.
bool check_unique_ids(const Journey& journey, config::Diagnostics& diagnostics) {
  bool ok = true;
  for (const auto& step : journey.steps) {
    if (step.id.empty()) continue;
    const Step& first = journey.steps[*journey.find(step.id)];
    if (first.index == step.index) continue;
    diagnostics.error(step.where, "step id '" + step.id + "' is already used by step " +
                                      std::to_string(first.index + 1) + " (line " + std::to_string(first.where.line) +
                                      "): step ids must be unique in a journey");
    ok = false;
  }
  return ok;
}

bool resolve_targets(Journey& journey, config::Diagnostics& diagnostics) {
  std::vector<std::string> names{"end"};
  for (const auto& step : journey.steps)
    if (!step.id.empty()) names.push_back(step.id);
  bool ok = true;
  for (auto& step : journey.steps) {
    for (Target* target : targets_of(step)) {
      if (target->name.empty() || target->name == "end") continue;  // index already set by the loader
      if (auto index = journey.find(target->name)) {
        target->index = *index;
        continue;
      }
      diagnostics.error(target->where, "no step '" + target->name + "' in journey '" + journey.id + "'" +
                                           config::did_you_mean(target->name, names) +
                                           " (a jump names a step id, or \"end\")");
      ok = false;
    }
  }
  return ok;
}

void warn_unreachable(const Journey& journey, config::Diagnostics& diagnostics) {
  std::vector<bool> reached(journey.steps.size(), false);
  std::vector<std::size_t> todo{0};
  while (!todo.empty()) {
    const std::size_t index = todo.back();
    todo.pop_back();
    if (index == kEnd || reached[index]) continue;
    reached[index] = true;
    for (std::size_t next : journey.successors(index)) todo.push_back(next);
  }
  for (const auto& step : journey.steps)
    if (!reached[step.index])
      diagnostics.warning(step.where, "step " + step.label() + " is never reached: no step leads to it");
}

// A cycle made only of steps that never pause would run forever inside one
// transaction: refuse it, naming the steps so the user sees where to add a wait.
bool check_loops_wait(const Journey& journey, config::Diagnostics& diagnostics) {
  enum class Mark { unvisited, on_path, done };
  std::vector<Mark> marks(journey.steps.size(), Mark::unvisited);
  std::vector<std::size_t> path;
  bool ok = true;
  std::function<void(std::size_t)> visit = [&](std::size_t index) {
    marks[index] = Mark::on_path;
    path.push_back(index);
    for (std::size_t next : journey.successors(index)) {
      if (next == kEnd || journey.steps[next].waits()) continue;
      if (marks[next] == Mark::on_path) {
        auto start = std::find(path.begin(), path.end(), next);
        std::string cycle;
        for (auto it = start; it != path.end(); ++it) cycle += journey.steps[*it].label() + " → ";
        cycle += journey.steps[next].label();
        diagnostics.error(journey.steps[next].where,
                          "loop with no wait: " + cycle +
                              " would repeat forever without pausing; add a wait, wait_until or wait_for step to it");
        ok = false;
      } else if (marks[next] == Mark::unvisited) {
        visit(next);
      }
    }
    path.pop_back();
    marks[index] = Mark::done;
  };
  for (const auto& step : journey.steps)
    if (!step.waits() && marks[step.index] == Mark::unvisited) visit(step.index);
  return ok;
}

}  // namespace

bool validate_graph(Journey& journey, config::Diagnostics& diagnostics) {
  if (journey.steps.empty()) return true;
  if (!check_unique_ids(journey, diagnostics)) return false;
  if (!resolve_targets(journey, diagnostics)) return false;
  warn_unreachable(journey, diagnostics);
  return check_loops_wait(journey, diagnostics);
}

}  // namespace parcours::journey
