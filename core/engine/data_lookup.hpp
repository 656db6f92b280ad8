// What a client's data sources know about a contact: `data.<source>.*` in the
// expressions the engine evaluates and in the templates the dispatcher renders
// (CONFIG.md, "Templates"). The host implements it over the source plugins
// (host/plugin_sources.hpp); the engine only asks.
#pragma once

#include <string_view>

#include <nlohmann/json_fwd.hpp>

namespace parcours::engine {

class DataLookup {
 public:
  virtual ~DataLookup() = default;
  // {"<source>": {...row...}, ...} for every source of `client` that knows the contact
  // (`attributes` are its current attributes); an empty object when none does. Called
  // on the engine's thread for each contact an expression or template reads data of:
  // answers from memory and never throws (a failing source is logged and left out).
  virtual nlohmann::json lookup(std::string_view client, std::string_view contact,
                                const nlohmann::json& attributes) const = 0;
};

}  // namespace parcours::engine
