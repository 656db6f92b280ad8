// Loads a client's journeys: clients/<id>/journeys/*.toml → Journey, checking every
// step against CONFIG.md (kinds, keys, durations, expressions, channels, templates,
// the channel plugin's declared parameters) and then the graph the steps form
// (journey_validator.hpp). Every problem goes to Diagnostics; nothing throws.
#pragma once

#include <vector>

#include "config/client_config.hpp"
#include "config/diagnostics.hpp"
#include "config/plugin_declaration.hpp"
#include "journey/journey.hpp"

namespace parcours::journey {

// Every journey of `client`, in file-name order. A journey with errors is left out;
// the diagnostics say why.
std::vector<Journey> load_journeys(const config::ClientConfig& client, const config::PluginCatalog& plugins,
                                   config::Diagnostics& diagnostics);

}  // namespace parcours::journey
