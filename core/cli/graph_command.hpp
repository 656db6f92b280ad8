#pragma once

#include <string>
#include <vector>

namespace parcours::cli {

// `parcours graph [--config DIR] --client ID --journey ID [--format mermaid|dot]`
// (CLI.md): the journey as a diagram on stdout.
int run_graph_command(const std::vector<std::string>& args);

}  // namespace parcours::cli
