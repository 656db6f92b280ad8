#include "journey/journey.hpp"

#include <array>

namespace parcours::journey {

std::string_view to_string(StepKind kind) {
  static constexpr std::array<std::string_view, 10> names{"send",  "wait", "wait_until", "wait_for", "branch",
                                                          "split", "set",  "emit",       "goto",     "exit"};
  return names[static_cast<std::size_t>(kind)];
}

std::string_view to_string(Reentry reentry) {
  switch (reentry) {
    case Reentry::never: return "never";
    case Reentry::after_exit: return "after_exit";
    case Reentry::always: return "always";
  }
  return "never";
}

std::string Step::label() const {
  return id.empty() ? "step " + std::to_string(index + 1) : "'" + id + "'";
}

bool Step::waits() const {
  return kind == StepKind::wait || kind == StepKind::wait_until || kind == StepKind::wait_for;
}

std::optional<std::size_t> Journey::find(std::string_view step_id) const {
  for (const auto& step : steps)
    if (!step.id.empty() && step.id == step_id) return step.index;
  return std::nullopt;
}

std::vector<std::size_t> Journey::successors(std::size_t index) const {
  const Step& step = steps.at(index);
  std::vector<std::size_t> out;
  switch (step.kind) {
    case StepKind::exit: break;
    case StepKind::wait_for: {
      const auto& wait = std::get<WaitForStep>(step.detail);
      out = {wait.on_event.index, wait.on_timeout.index};
      break;
    }
    case StepKind::branch: {
      const auto& branch = std::get<BranchStep>(step.detail);
      bool has_default = false;
      for (const auto& branch_case : branch.cases) {
        out.push_back(branch_case.target.index);
        has_default = has_default || !branch_case.when;
      }
      if (!has_default) out.push_back(step.next.index);
      break;
    }
    case StepKind::split:
      for (const auto& arm : std::get<SplitStep>(step.detail).arms) out.push_back(arm.target.index);
      break;
    case StepKind::wait_until:
      out.push_back(step.next.index);
      if (const auto& skip = std::get<WaitUntilStep>(step.detail).skip_to) out.push_back(skip->index);
      break;
    default: out.push_back(step.next.index);
  }
  return out;
}

}  // namespace parcours::journey
