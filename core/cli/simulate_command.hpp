#pragma once

#include <string>
#include <vector>

namespace parcours::cli {

// `parcours simulate [--config DIR] --client ID --events FILE [--until DURATION]
//  [--format text|json] [--store URL]` (CLI.md): the client's journeys on a virtual
// clock, channels replaced by recorders, the timeline on stdout.
int run_simulate_command(const std::vector<std::string>& args);

}  // namespace parcours::cli
