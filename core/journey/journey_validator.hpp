// Checks the graph a journey's steps form, once every step has parsed: jumps to
// unknown steps (with "did you mean"), steps no path reaches (a warning), and loops
// that never wait (they would spin forever on one contact).
#pragma once

#include "config/diagnostics.hpp"
#include "journey/journey.hpp"

namespace parcours::journey {

// Resolves every Target of `journey` to a step index (or kEnd) and checks the graph.
// Returns false when an error was reported.
bool validate_graph(Journey& journey, config::Diagnostics& diagnostics);

}  // namespace parcours::journey
