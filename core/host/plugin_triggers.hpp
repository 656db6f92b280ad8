// The triggers of a running config: one plugin instance per [triggers.X] table of
// each client, started when the config goes live and stopped when it is replaced or
// the host stops. What they emit is ingested for their client like an HTTP event;
// webhook triggers also answer the requests the API routes to them.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "host/loaded_config.hpp"
#include "host/plugin_wiring.hpp"
#include "plugin/host_services.hpp"
#include "plugin/registry.hpp"

namespace parcours::host {

class PluginTriggers {
 public:
  // Takes one event (ingestion JSON) for a client; returns why it was refused.
  using Sink = std::function<std::optional<std::string>(const std::string& client, std::string_view event_json)>;

  // Creates every trigger instance (throws std::runtime_error naming the client and
  // trigger when one refuses its settings). Nothing runs until start().
  PluginTriggers(const LoadedConfig& loaded, const PluginEnvironment& environment, Sink sink);
  ~PluginTriggers();

  // Starts every trigger; one that fails to start is logged and left stopped.
  void start();
  // Stops them; returns when none is emitting.
  void stop();

  // The instance behind [triggers.<name>] of `client`, if there is one.
  plugin::Instance* find(const std::string& client, const std::string& name) const;

 private:
  struct Trigger {
    std::unique_ptr<plugin::HostServices> services;
    std::unique_ptr<plugin::Instance> instance;
    bool started = false;
  };
  std::map<std::pair<std::string, std::string>, Trigger> triggers_;
};

}  // namespace parcours::host
