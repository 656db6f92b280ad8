#include "cli/validate_command.hpp"

#include <boost/program_options.hpp>

#include <iostream>

#include "cli/config_directory.hpp"
#include "cli/usage.hpp"
#include "host/loaded_config.hpp"

namespace parcours::cli {

namespace po = boost::program_options;

int run_validate_command(const std::vector<std::string>& args) {
  po::options_description options(
      "Usage: parcours validate [--config DIR]\n\n"
      "Load and check everything (TOML, plugin settings, journeys, templates,\n"
      "expressions) without starting anything. Every error is printed as\n"
      "file:line:col: message. Exit 0 when the config is valid, 1 when not.\n\nOptions");
  std::string directory;
  options.add_options()("config,c", po::value(&directory),
                        "config directory (default: $PARCOURS_CONFIG, else ./config)")("help,h", "show this help");
  po::variables_map values;
  if (auto code = parse_command_line(args, options, values)) return *code;

  config::Diagnostics diagnostics;
  const host::LoadedConfig loaded = host::load_config(config_directory(directory), diagnostics);
  for (const auto& diagnostic : diagnostics.in_reading_order()) std::cerr << diagnostic.text() << '\n';
  const std::size_t warnings = diagnostics.all().size() - diagnostics.error_count();
  if (diagnostics.has_errors()) {
    std::cerr << diagnostics.error_count() << (diagnostics.error_count() == 1 ? " error" : " errors") << ", "
              << warnings << (warnings == 1 ? " warning" : " warnings") << ": the config is not valid\n";
    return 1;
  }
  std::size_t journeys = 0, channels = 0;
  for (const auto& client : loaded.clients) channels += client.channels.size();
  for (const auto& [client, list] : loaded.journeys) journeys += list.size();
  std::cout << "config " << loaded.host.directory.string() << " is valid: " << loaded.clients.size()
            << (loaded.clients.size() == 1 ? " client, " : " clients, ") << journeys
            << (journeys == 1 ? " journey, " : " journeys, ") << channels
            << (channels == 1 ? " channel, " : " channels, ") << loaded.plugins.plugins().size()
            << (loaded.plugins.plugins().size() == 1 ? " plugin" : " plugins");
  if (warnings > 0) std::cout << " (" << warnings << (warnings == 1 ? " warning" : " warnings") << ")";
  std::cout << '\n';
  return 0;
}

}  // namespace parcours::cli
