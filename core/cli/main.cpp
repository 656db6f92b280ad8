// The `parcours` command (CLI.md): one binary, one subcommand per job. Each
// subcommand parses its own options (usage.hpp) and returns its exit code:
// 0 success, 1 the user's input is wrong (errors on stderr), 2 usage error.
// Only commands that work are listed here; later parts add theirs.
#include <parcours/plugin.h>

#include <iostream>
#include <string>
#include <string_view>
#include <vector>

#include "cli/graph_command.hpp"
#include "cli/logging.hpp"
#include "cli/plugins_command.hpp"
#include "cli/run_command.hpp"
#include "cli/simulate_command.hpp"
#include "cli/usage.hpp"
#include "cli/validate_command.hpp"
#include "config/suggestion.hpp"

namespace {

constexpr std::string_view kUsage =
    "Usage: parcours <command> [options]\n"
    "\n"
    "Parcours runs customer journeys for many clients, with channels, triggers and\n"
    "data sources loaded as plugins.\n"
    "\n"
    "Commands:\n"
    "  run [--config DIR] [--clock manual [--now RFC3339]] [--listen ADDR]\n"
    "                                  run the host: HTTP API, journeys, sends, until SIGTERM\n"
    "  validate [--config DIR]         check the config: TOML, plugin settings, journeys,\n"
    "                                  templates, expressions (every error as file:line:col)\n"
    "  plugins list [--config DIR]     the plugins found, and every file refused, with why\n"
    "  plugins inspect ID|PATH         a plugin's description, settings and parameters\n"
    "  simulate --client ID --events FILE [--config DIR] [--until DURATION] [--format text|json]\n"
    "                                  run a client's journeys on a virtual clock with the\n"
    "                                  events of FILE; print the timeline (nothing is sent)\n"
    "  graph --client ID --journey ID [--config DIR] [--format mermaid|dot]\n"
    "                                  a journey as a diagram, for docs or Graphviz\n"
    "  version                         the version of parcours and of its plugin ABI\n"
    "\n"
    "--config DIR defaults to $PARCOURS_CONFIG, else ./config.\n"
    "Run `parcours <command> --help` for a command's options.\n";

int print_version() {
  std::cout << "parcours " << PARCOURS_VERSION << " (plugin ABI " << PARCOURS_ABI_MAJOR << '.' << PARCOURS_ABI_MINOR
            << ")\n";
  return parcours::cli::kExitOk;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace parcours::cli;
  if (argc < 2) {
    std::cerr << kUsage;
    return kExitUsage;
  }
  const std::string command = argv[1];
  const std::vector<std::string> args(argv + 2, argv + argc);
  try {
    configure_logging();
    if (command == "--help" || command == "-h" || command == "help") {
      std::cout << kUsage;
      return kExitOk;
    }
    if (command == "version" || command == "--version") return print_version();
    if (command == "run") return run_run_command(args);
    if (command == "validate") return run_validate_command(args);
    if (command == "plugins") return run_plugins_command(args);
    if (command == "simulate") return run_simulate_command(args);
    if (command == "graph") return run_graph_command(args);
  } catch (const std::exception& error) {
    // Every expected failure is handled where it happens; this is the last guard
    // so that an unexpected one still ends with a message, not an abort.
    std::cerr << "parcours " << command << ": " << error.what() << '\n';
    return kExitInvalidInput;
  }
  std::cerr << "parcours: unknown command '" << command << "'"
            << parcours::config::did_you_mean(command,
                                              {"run", "validate", "plugins", "simulate", "graph", "version", "help"})
            << "\n\n"
            << kUsage;
  return kExitUsage;
}
