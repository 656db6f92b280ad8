#include "cli/graph_command.hpp"

#include <boost/program_options.hpp>

#include <algorithm>
#include <iostream>

#include "cli/config_directory.hpp"
#include "cli/usage.hpp"
#include "config/suggestion.hpp"
#include "host/loaded_config.hpp"
#include "journey/journey_graph.hpp"

namespace parcours::cli {

namespace po = boost::program_options;

int run_graph_command(const std::vector<std::string>& args) {
  po::options_description options(
      "Usage: parcours graph [--config DIR] --client ID --journey ID [--format mermaid|dot]\n\n"
      "Print a journey as a diagram: Mermaid (default) to paste into Markdown, or DOT for\n"
      "Graphviz (`parcours graph ... --format dot | dot -Tsvg > journey.svg`).\n\nOptions");
  std::string directory, client_id, journey_id, format = "mermaid";
  options.add_options()("config,c", po::value(&directory),
                        "config directory (default: $PARCOURS_CONFIG, else ./config)")(
      "client", po::value(&client_id)->required(), "the client the journey belongs to")(
      "journey", po::value(&journey_id)->required(), "the journey's id (its file name without .toml)")(
      "format", po::value(&format), "mermaid (default) or dot")("help,h", "show this help");
  po::variables_map values;
  if (auto code = parse_command_line(args, options, values)) return *code;
  if (format != "mermaid" && format != "dot") {
    std::cerr << "parcours graph: --format must be mermaid or dot, not '" << format << "'\n";
    return kExitUsage;
  }

  config::Diagnostics diagnostics;
  const host::LoadedConfig loaded = host::load_config(config_directory(directory), diagnostics);
  if (diagnostics.has_errors()) {
    for (const auto& diagnostic : diagnostics.in_reading_order()) std::cerr << diagnostic.text() << '\n';
    std::cerr << "the config is not valid: run `parcours validate` and fix it first\n";
    return kExitInvalidInput;
  }
  const auto client = loaded.journeys.find(client_id);
  if (client == loaded.journeys.end()) {
    std::vector<std::string> ids;
    for (const auto& known : loaded.clients) ids.push_back(known.id);
    std::cerr << "parcours graph: no client '" << client_id << "'" << config::did_you_mean(client_id, ids) << '\n';
    return kExitInvalidInput;
  }
  const auto& journeys = client->second;
  const auto journey = std::find_if(journeys.begin(), journeys.end(),
                                    [&](const journey::Journey& candidate) { return candidate.id == journey_id; });
  if (journey == journeys.end()) {
    std::vector<std::string> ids;
    for (const auto& known : journeys) ids.push_back(known.id);
    std::cerr << "parcours graph: client '" << client_id << "' has no journey '" << journey_id << "'"
              << config::did_you_mean(journey_id, ids) << '\n';
    return kExitInvalidInput;
  }
  std::cout << journey::draw_journey(*journey,
                                     format == "dot" ? journey::GraphFormat::dot : journey::GraphFormat::mermaid);
  return kExitOk;
}

}  // namespace parcours::cli
