#include "host/plugin_triggers.hpp"

#include <spdlog/spdlog.h>

#include <stdexcept>

namespace parcours::host {

PluginTriggers::PluginTriggers(const LoadedConfig& loaded, const PluginEnvironment& environment, Sink sink) {
  for (const auto& client : loaded.clients) {
    for (const auto& trigger : client.triggers) {
      Trigger entry;
      plugin::HostServices::Wiring wiring = plugin_wiring(environment, client, trigger);
      wiring.emit = [sink, id = client.id](std::string_view event_json) { return sink(id, event_json); };
      entry.services = std::make_unique<plugin::HostServices>(client.id, trigger.name, trigger.plugin, wiring);
      try {
        entry.instance = loaded.plugins.create(trigger.plugin, trigger.settings_json, entry.services->table());
      } catch (const std::exception& error) {
        throw std::runtime_error("client '" + client.id + "' trigger '" + trigger.name + "': " + error.what());
      }
      triggers_.emplace(std::make_pair(client.id, trigger.name), std::move(entry));
    }
  }
}

PluginTriggers::~PluginTriggers() {
  stop();
  for (auto& [key, trigger] : triggers_) trigger.instance.reset();  // before the host tables they were given
}

void PluginTriggers::start() {
  for (auto& [key, trigger] : triggers_) {
    if (trigger.started) continue;
    try {
      trigger.instance->start();
      trigger.started = true;
    } catch (const std::exception& error) {
      spdlog::error("client {} trigger {}: {}", key.first, key.second, error.what());
    }
  }
}

void PluginTriggers::stop() {
  for (auto& [key, trigger] : triggers_) {
    if (!trigger.started) continue;
    trigger.instance->stop();
    trigger.started = false;
  }
}

plugin::Instance* PluginTriggers::find(const std::string& client, const std::string& name) const {
  const auto it = triggers_.find({client, name});
  return it == triggers_.end() ? nullptr : it->second.instance.get();
}

}  // namespace parcours::host
