#include "dashboard/journey_drawing.hpp"

#include "journey/journey_graph.hpp"

namespace parcours::dashboard {

using report::rate;

namespace {

std::string counted(const char* name, std::int64_t value) {
  return std::string(name) + " " + std::to_string(value);
}

}  // namespace

std::string journey_dot(const journey::Journey& journey, const JourneyCounts& counts) {
  journey::DotNotes notes;
  notes.statements = {
      R"(graph [fontname="Helvetica", fontsize=15, labelloc=t, pad=0.25, nodesep=0.35, ranksep=0.4, bgcolor=transparent];)",
      R"(node [fontsize=11, style=filled, fillcolor="#ffffff", color="#8a99ab", fontcolor="#1d2733", margin="0.14,0.06"];)",
      R"(edge [color="#8a99ab", fontcolor="#4a5868"];)",
  };
  for (const auto& step : counts.steps) {
    auto& lines = notes.steps[step.label];
    lines.push_back(counted("entered", step.entered));
    if (step.waits()) lines.push_back(counted("waiting", step.waiting));
    if (step.sends()) {
      lines.push_back(counted("queued", step.queued) + " · " + counted("sent", step.sent));
      lines.push_back(counted("delivered", step.delivered) + " · " + counted("failed", step.failed));
      lines.push_back(counted("suppressed", step.suppressed));
      if (step.opened > 0 || step.clicked > 0)
        lines.push_back(counted("opened", step.opened) + " · " + counted("clicked", step.clicked));
    }
    for (const auto& arm : step.arms)
      notes.split_arms[step.label].push_back(counted("took", arm.entered) + " · " +
                                             counted("converted", arm.converted) + " (" +
                                             rate(arm.converted, arm.entered) + ")");
  }
  notes.ends["entry"] = {counted("enrolled", counts.enrolled)};
  notes.ends["end"] = {counted("completed", counts.completed)};
  notes.ends["exited"] = {counted("exited", counts.exited)};
  notes.ends["goal"] = {counted("converted", counts.converted)};
  return journey::draw_journey_dot(journey, notes);
}

}  // namespace parcours::dashboard
