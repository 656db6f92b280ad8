#include "host/loaded_config.hpp"

#include "host/plugin_wiring.hpp"
#include "journey/journey_loader.hpp"
#include "plugin/host_services.hpp"

namespace parcours::host {

namespace {

// Creates each plugin instance once and destroys it, so that a plugin can refuse its
// settings (an unreachable path, a malformed URL, an audience naming no source) before
// anything runs. They see the client's context as under `run`, but get no way to emit
// events and no source rows: nothing they do here can act.
void try_instances(const LoadedConfig& loaded, config::Diagnostics& diagnostics) {
  for (const auto& client : loaded.clients) {
    for (const auto* instances : {&client.channels, &client.triggers, &client.sources}) {
      for (const auto& instance : *instances) {
        plugin::HostServices host(client.id, instance.name, instance.plugin, plugin_wiring({}, client, instance));
        try {
          loaded.plugins.create(instance.plugin, instance.settings_json, host.table());
        } catch (const std::exception& error) {
          diagnostics.error(instance.where, std::string(config::to_string(instance.kind)) + " '" + instance.name +
                                                "': " + error.what());
        }
      }
    }
  }
}

}  // namespace

LoadedConfig load_config(const std::filesystem::path& directory, config::Diagnostics& diagnostics) {
  LoadedConfig loaded;
  loaded.host = config::load_host_config(directory, diagnostics);
  std::vector<std::filesystem::path> folders{plugin::Registry::builtin_directory()};
  folders.insert(folders.end(), loaded.host.plugins.paths.begin(), loaded.host.plugins.paths.end());
  loaded.plugins.discover(folders);
  for (const auto& refused : loaded.plugins.refused())
    diagnostics.warning({refused.file.string(), 0, 0}, "plugin refused: " + refused.reason);
  if (!std::filesystem::is_regular_file(loaded.host.file)) return loaded;  // not a config directory at all
  loaded.clients = config::load_clients(loaded.host, loaded.plugins, diagnostics);
  try_instances(loaded, diagnostics);
  for (const auto& client : loaded.clients)
    loaded.journeys[client.id] = journey::load_journeys(client, loaded.plugins, diagnostics);
  return loaded;
}

}  // namespace parcours::host
