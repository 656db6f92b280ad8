// `parcours plugins list` and `parcours plugins inspect ID|PATH` (CLI.md): what the
// plugin loader found, what it refused and why, and what a plugin declares — read
// from the descriptors, without creating any instance.
#pragma once

#include <string>
#include <vector>

namespace parcours::cli {

// `args` are the words after "plugins". Returns the exit code: 0 success (refused
// files are reported, not a failure), 1 when the config has errors or inspect finds
// no such plugin, 2 on a usage error.
int run_plugins_command(const std::vector<std::string>& args);

}  // namespace parcours::cli
