// A journey as a diagram (`parcours graph`): Mermaid for Markdown docs, DOT for
// Graphviz. Both are drawn from one list of nodes and labelled edges, so they always
// show the same journey.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "journey/journey.hpp"

namespace parcours::journey {

enum class GraphFormat { mermaid, dot };

std::string draw_journey(const Journey& journey, GraphFormat format);

// What the dashboard adds to the DOT drawing, keyed by step label (the step's id, or
// "step N" for a step without one: what the engine's counters are keyed by).
struct DotNotes {
  std::map<std::string, std::vector<std::string>> steps;       // lines under the step's own text
  std::map<std::string, std::vector<std::string>> split_arms;  // per split step, a line per arm, in order
  std::map<std::string, std::vector<std::string>> ends;        // under "entry", "end", "exited" and "goal"
  std::vector<std::string> statements;                         // DOT statements added at the top (styles)
};

// The same drawing as draw_journey(..., GraphFormat::dot), with the notes added and an
// `id` on every node, which Graphviz's SVG carries to the node's <g>: "step-<label>"
// (a space in the label becomes '-'), "journey-entry", "journey-end", "journey-exited",
// "journey-goal".
std::string draw_journey_dot(const Journey& journey, const DotNotes& notes);

// The `id` draw_journey_dot gives the node of the step with this label.
std::string step_node_id(const std::string& step_label);

}  // namespace parcours::journey
