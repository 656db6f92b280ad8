#pragma once

#include <string>
#include <vector>

namespace parcours::cli {

// `parcours run [--config DIR] [--clock manual [--now RFC3339]] [--listen ADDR]`
// (CLI.md): the host as a service, until SIGTERM or SIGINT; SIGHUP reloads.
int run_run_command(const std::vector<std::string>& args);

}  // namespace parcours::cli
