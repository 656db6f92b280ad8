#include "host/plugin_wiring.hpp"

#include <nlohmann/json.hpp>

#include "host/metrics.hpp"
#include "host/plugin_sources.hpp"

namespace parcours::host {

plugin::HostServices::Wiring plugin_wiring(const PluginEnvironment& environment, const config::ClientConfig& client,
                                           const config::PluginInstanceConfig& instance) {
  plugin::HostServices::Wiring wiring;
  wiring.timezone = client.timezone;
  wiring.country = client.country;
  wiring.sources = client.source_names;
  if (const schedule::Clock* clock = environment.clock) wiring.now_ms = [clock] { return clock->now(); };
  if (Metrics* metrics = environment.metrics) {
    wiring.metric = [metrics, client = client.id, name = instance.name, plugin = instance.plugin](
                        std::string_view metric, double value, std::string_view labels_json) {
      // The host's labels first, so a plugin cannot pass itself off as another.
      Labels labels{{"client", client}, {"instance", name}, {"plugin", plugin}};
      const auto extra = nlohmann::json::parse(labels_json, nullptr, false);
      if (extra.is_object())
        for (const auto& [key, label] : extra.items())
          if (label.is_string() && key != "client" && key != "instance" && key != "plugin")
            labels.emplace_back(key, label.get<std::string>());
      metrics->plugin_sample(std::string(metric), labels, value);
    };
  }
  if (const PluginSources* sources = environment.sources)
    wiring.scan_source = [sources, client = client.id](std::string_view source) {
      return sources->scan(client, source);
    };
  return wiring;
}

}  // namespace parcours::host
