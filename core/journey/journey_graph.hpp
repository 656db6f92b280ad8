// A journey as a diagram (`parcours graph`): Mermaid for Markdown docs, DOT for
// Graphviz. Both are drawn from one list of nodes and labelled edges, so they always
// show the same journey.
#pragma once

#include <string>

#include "journey/journey.hpp"

namespace parcours::journey {

enum class GraphFormat { mermaid, dot };

std::string draw_journey(const Journey& journey, GraphFormat format);

}  // namespace parcours::journey
