#include "report/journey_counts.hpp"

#include <algorithm>
#include <cstdio>

namespace parcours::report {

using journey::StepKind;

bool StepCounts::waits() const {
  return kind == StepKind::wait || kind == StepKind::wait_until || kind == StepKind::wait_for;
}

std::string counter_label(const journey::Step& step) {
  return step.id.empty() ? "step " + std::to_string(step.index + 1) : step.id;
}

JourneyCounts read_journey_totals(store::Transaction& tx, const std::string& client, const std::string& journey) {
  JourneyCounts counts;
  counts.enrolled = tx.counter(client, journey, "", "enrolled");
  counts.completed = tx.counter(client, journey, "", "completed");
  counts.exited = tx.counter(client, journey, "", "exited");
  counts.converted = tx.counter(client, journey, "", "converted");
  // Erasing a contact drops its enrollments but not the counters: never show less than 0.
  counts.active = std::max<std::int64_t>(0, counts.enrolled - counts.completed - counts.exited - counts.converted);
  return counts;
}

JourneyCounts read_journey_counts(store::Transaction& tx, const std::string& client, const journey::Journey& journey) {
  JourneyCounts counts = read_journey_totals(tx, client, journey.id);
  for (const auto& step : journey.steps) {
    StepCounts& out = counts.steps.emplace_back();
    out.label = counter_label(step);
    out.kind = step.kind;
    const auto count = [&](const std::string& key, const char* counter) {
      return tx.counter(client, journey.id, key, counter);
    };
    out.entered = count(out.label, "entered");
    if (out.waits()) out.waiting = std::max<std::int64_t>(0, count(out.label, "waiting"));
    if (out.sends()) {
      // The engine counts "queued"; the dispatcher the rest (dispatcher.cpp).
      out.queued = count(out.label, "queued");
      out.sent = count(out.label, "sent");
      out.delivered = count(out.label, "delivered");
      out.failed = count(out.label, "failed");
      out.suppressed = count(out.label, "suppressed");
      out.opened = count(out.label, "opened");
      out.clicked = count(out.label, "clicked");
      out.suppressed_by.consent = count(out.label, "suppressed:consent");
      out.suppressed_by.pressure = count(out.label, "suppressed:pressure");
    }
    if (step.kind == StepKind::split) {
      const auto& split = std::get<journey::SplitStep>(step.detail);
      int total = 0;
      for (const auto& arm : split.arms) total += arm.weight;
      for (std::size_t i = 0; i < split.arms.size(); ++i) {
        ArmCounts& arm = out.arms.emplace_back();
        arm.target = split.arms[i].target.name;
        arm.percent = total > 0 ? split.arms[i].weight * 100 / total : 0;
        const std::string key = out.label + "#arm" + std::to_string(i + 1);
        arm.entered = count(key, "entered");
        arm.converted = count(key, "converted");
      }
    }
  }
  return counts;
}

std::optional<double> ratio(std::int64_t part, std::int64_t whole) {
  if (whole <= 0) return std::nullopt;
  return static_cast<double>(part) / static_cast<double>(whole);
}

std::string rate(std::int64_t part, std::int64_t whole) {
  if (whole <= 0) return "–";
  char text[32];
  std::snprintf(text, sizeof text, "%.1f%%", 100.0 * static_cast<double>(part) / static_cast<double>(whole));
  return text;
}

}  // namespace parcours::report
