// What the host hands every plugin instance it creates (plugin.h's parcours_host):
// the host's clock (the manual one under `--clock manual`, so a schedule trigger
// follows it), its metrics, the client's time zone and country, and the client's
// data sources for triggers that list audiences. One place, so channels, triggers and
// sources all see the same host.
#pragma once

#include "config/client_config.hpp"
#include "plugin/host_services.hpp"
#include "schedule/clock.hpp"

namespace parcours::host {

class Metrics;
class PluginSources;

struct PluginEnvironment {
  const schedule::Clock* clock = nullptr;  // none: the wall clock
  Metrics* metrics = nullptr;              // none: samples are dropped
  const PluginSources* sources = nullptr;  // none: scan_source refuses
};

// The wiring of one instance; `emit` is left for the caller (only triggers emit).
plugin::HostServices::Wiring plugin_wiring(const PluginEnvironment& environment, const config::ClientConfig& client,
                                           const config::PluginInstanceConfig& instance);

}  // namespace parcours::host
