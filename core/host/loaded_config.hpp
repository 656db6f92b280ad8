// Everything a config directory describes, loaded and checked in the one order that
// works: parcours.toml (which names the plugin folders) → the plugins → each
// client.toml (checked against the plugins' declared settings) → each client's
// journeys. `validate` stops here; `run` and `simulate` go on from it.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "config/client_config.hpp"
#include "config/diagnostics.hpp"
#include "config/host_config.hpp"
#include "journey/journey.hpp"
#include "plugin/registry.hpp"

namespace parcours::host {

struct LoadedConfig {
  config::HostConfig host;
  plugin::Registry plugins;
  std::vector<config::ClientConfig> clients;
  std::map<std::string, std::vector<journey::Journey>> journeys;  // by client id
};

// Loads and checks `directory`. Every problem goes to `diagnostics`; plugin files
// that were refused are reported as warnings (they change nothing else). Each plugin
// instance is created once and destroyed, so plugins can refuse their settings.
LoadedConfig load_config(const std::filesystem::path& directory, config::Diagnostics& diagnostics);

}  // namespace parcours::host
