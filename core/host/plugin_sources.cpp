#include "host/plugin_sources.hpp"

#include <spdlog/spdlog.h>

#include <stdexcept>

#include <nlohmann/json.hpp>

#include "host/metrics.hpp"

namespace parcours::host {

PluginSources::PluginSources(const LoadedConfig& loaded, const PluginEnvironment& environment)
    : metrics_(environment.metrics) {
  for (const auto& client : loaded.clients) {
    for (const auto& config : client.sources) {
      Source source;
      source.name = config.name;
      PluginEnvironment own = environment;
      own.sources = nullptr;  // a source does not list other sources
      source.services = std::make_unique<plugin::HostServices>(client.id, config.name, config.plugin,
                                                               plugin_wiring(own, client, config));
      try {
        source.instance = loaded.plugins.create(config.plugin, config.settings_json, source.services->table());
      } catch (const std::exception& error) {
        throw std::runtime_error("client '" + client.id + "' source '" + config.name + "': " + error.what());
      }
      source.looks_up = source.instance->descriptor().lookup != nullptr;
      source.scans = source.instance->descriptor().scan != nullptr;
      by_client_[client.id].push_back(std::move(source));
    }
  }
}

PluginSources::~PluginSources() {
  // Instances first, then the host tables they were given.
  for (auto& [client, sources] : by_client_)
    for (auto& source : sources) source.instance.reset();
}

bool PluginSources::enriches(std::string_view client) const {
  const auto it = by_client_.find(client);
  if (it == by_client_.end()) return false;
  for (const auto& source : it->second)
    if (source.looks_up) return true;
  return false;
}

void PluginSources::failed(const std::string& client, const Source& source, std::string_view call,
                           std::string_view error) const {
  if (metrics_ != nullptr)
    metrics_->add("parcours_source_errors_total",
                  {{"client", client}, {"source", source.name}, {"call", std::string(call)}});
  // The first failure and then one in a thousand: a source that is down must not
  // flood the log with a line per contact.
  const auto count = source.failures->fetch_add(1) + 1;
  if (count == 1 || count % 1000 == 0)
    spdlog::warn("client {} source {}: {} failed ({} failure(s) so far): {}", client, source.name, call, count, error);
}

nlohmann::json PluginSources::lookup(std::string_view client, std::string_view contact,
                                     const nlohmann::json& attributes) const {
  nlohmann::json out = nlohmann::json::object();
  const auto it = by_client_.find(client);
  if (it == by_client_.end()) return out;
  std::string request;
  for (const auto& source : it->second) {
    if (!source.looks_up) continue;
    try {
      if (request.empty())
        request = nlohmann::json{{"id", contact},
                                 {"attributes", attributes.is_object() ? attributes : nlohmann::json::object()}}
                      .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
      auto row = nlohmann::json::parse(source.instance->lookup(request));
      if (row.is_object())
        out[source.name] = std::move(row);
      else if (!row.is_null())
        failed(it->first, source, "lookup", "the plugin answered " + std::string(row.type_name()) + ", not an object");
    } catch (const std::exception& error) {
      failed(it->first, source, "lookup", error.what());
    }
  }
  return out;
}

std::string PluginSources::scan(std::string_view client, std::string_view name) const {
  const auto it = by_client_.find(client);
  const Source* found = nullptr;
  if (it != by_client_.end())
    for (const auto& source : it->second)
      if (source.name == name) found = &source;
  if (found == nullptr)
    throw std::runtime_error("client '" + std::string(client) + "' has no source '" + std::string(name) +
                             "' (the [sources.<name>] tables of its client.toml)");
  if (!found->scans)
    throw std::runtime_error("source '" + std::string(name) + "' (plugin " + found->instance->plugin_id() +
                             ") looks contacts up but does not list rows");
  try {
    std::string rows = found->instance->scan();
    const auto parsed = nlohmann::json::parse(rows, nullptr, false);
    if (!parsed.is_array()) throw std::runtime_error("the plugin's rows are not a JSON array");
    return rows;
  } catch (const std::exception& error) {
    failed(it->first, *found, "scan", error.what());
    throw std::runtime_error("source '" + std::string(name) + "': " + error.what());
  }
}

}  // namespace parcours::host
