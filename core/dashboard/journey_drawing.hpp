// A journey drawn for the dashboard: the same boxes and arrows as `parcours graph
// --format dot` (journey/journey_graph.hpp), with each step's live counts written
// in its box, each split arm's under its arrow, and a calmer style.
#pragma once

#include <string>

#include "journey/journey.hpp"
#include "report/journey_counts.hpp"

namespace parcours::dashboard {

using report::JourneyCounts;

// The DOT text, for svg_from_dot(). Node ids: journey::step_node_id(label), "journey-entry"...
std::string journey_dot(const journey::Journey& journey, const JourneyCounts& counts);

}  // namespace parcours::dashboard
