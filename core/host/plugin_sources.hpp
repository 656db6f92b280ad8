// The data sources of a running config: one plugin instance per [sources.X] table of
// each client. They enrich contacts — what a source knows of a contact is
// `data.<X>.*` in expressions and templates (engine::DataLookup) — and list audiences
// for triggers (ABI 1.2 scan_source, the schedule trigger's `audience`).
//
// A source is never fatal: a lookup or scan that fails is logged and counted
// (parcours_source_errors_total) and the contact is simply not enriched by it; the
// plugin itself keeps serving its last good data.
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "engine/data_lookup.hpp"
#include "host/loaded_config.hpp"
#include "host/plugin_wiring.hpp"
#include "plugin/host_services.hpp"
#include "plugin/registry.hpp"

namespace parcours::host {

class PluginSources final : public engine::DataLookup {
 public:
  // Creates every source instance (throws std::runtime_error naming the client and
  // source when one refuses its settings).
  PluginSources(const LoadedConfig& loaded, const PluginEnvironment& environment);
  ~PluginSources() override;

  nlohmann::json lookup(std::string_view client, std::string_view contact,
                        const nlohmann::json& attributes) const override;

  // Every row of `client`'s source `source` as plugin.h's scan JSON
  // ([{"contact", "data"}]). Throws std::runtime_error saying why there are none.
  std::string scan(std::string_view client, std::string_view source) const;

  // Whether `client` has any source that looks contacts up (else lookup is free).
  bool enriches(std::string_view client) const;

 private:
  struct Source {
    std::string name;
    std::unique_ptr<plugin::HostServices> services;  // outlives the instance that holds its table
    std::unique_ptr<plugin::Instance> instance;
    bool looks_up = false;
    bool scans = false;
    std::unique_ptr<std::atomic<std::uint64_t>> failures = std::make_unique<std::atomic<std::uint64_t>>(0);
  };
  void failed(const std::string& client, const Source& source, std::string_view call, std::string_view error) const;

  std::map<std::string, std::vector<Source>, std::less<>> by_client_;
  Metrics* metrics_;
};

}  // namespace parcours::host
