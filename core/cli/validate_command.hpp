#pragma once

#include <string>
#include <vector>

namespace parcours::cli {

// `parcours validate [--config DIR]`: load and check everything without starting
// anything; every error as file:line:col: message on stderr. Exit 0, 1 (errors), 2 (usage).
int run_validate_command(const std::vector<std::string>& args);

}  // namespace parcours::cli
