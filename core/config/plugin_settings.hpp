// Checks a plugin instance's TOML table against the settings the plugin declares
// (type, required, default, unknown keys) — the Fluent Bit config_map idea: one
// declaration drives parsing, validation and `parcours plugins inspect`.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "config/plugin_declaration.hpp"

namespace parcours::config {

class TableReader;

// Reads every declared setting from `reader` (marking each as known; the caller
// calls finish() for unknown keys), applies defaults, and returns the complete
// settings as a JSON object — or nothing when a setting is missing or mistyped.
// Types: string/secret → string; int → integer; bool → boolean; duration (written
// "15m" in TOML, parsed strictly) → whole milliseconds as an integer, so a plugin
// in any language needs no duration parser; list → array of strings.
// `noun` names what is read in messages: "setting" (client.toml) or "parameter" (a send step).
std::optional<std::string> read_plugin_settings(TableReader& reader, const std::vector<SettingSpec>& specs,
                                                std::string_view noun = "setting");

}  // namespace parcours::config
