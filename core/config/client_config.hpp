// clients/<id>/client.toml: one client (tenant) of the host — its channels, triggers
// and sources (plugin instances), its consent and pressure rules (CONFIG.md).
// Plugin settings are checked against what each plugin declares, through a
// PluginCatalog, before anything is created.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/diagnostics.hpp"
#include "config/host_config.hpp"
#include "config/plugin_declaration.hpp"

namespace parcours::config {

// A [channels.X], [triggers.X] or [sources.X] table.
// How fast the host hands messages to one channel instance: host keys of a
// [channels.X] table, never passed to the plugin.
struct SendLimits {
  // `rate = "50/s"` (or "/m", "/h"): messages per second; none: as fast as they come.
  std::optional<double> per_second;
  std::string rate_text;  // as written, for messages
  // `concurrency = 4`: how many sends may be in flight at once.
  int concurrency = 4;
};

struct PluginInstanceConfig {
  std::string name;    // X: how journeys refer to it (send = "X")
  std::string plugin;  // the plugin id
  PluginKind kind = PluginKind::channel;
  std::string settings_json;  // every declared setting, defaults applied, as a JSON object
  SourceLocation where;
  SendLimits limits;  // channels only
  // Channels whose plugin declares a bool setting `tracking` (email) and leave it true:
  // the host adds an open pixel to their HTML and sends its links through /t/c/.
  bool tracking = false;
};

// "50/s", "600/m", "1000/h" as messages per second; nothing when the text is not
// such a rate (a positive whole count, '/', and s, m or h).
std::optional<double> parse_rate(std::string_view text);

struct PressureLimits {
  std::optional<int> max_per_day;   // messages per contact per rolling 24 h
  std::optional<int> max_per_week;  // per rolling 7 days
};

// Minutes after local midnight; start > end means the window spans midnight.
struct QuietHours {
  int start_minute = 0;
  int end_minute = 0;
};

struct ClientConfig {
  std::string id;  // the folder name
  std::filesystem::path directory;
  std::string file;  // clients/<id>/client.toml as shown in messages

  std::string name;
  std::string timezone = "UTC";
  std::string country;
  std::vector<std::string> allowed_origins;
  std::vector<std::string> api_keys;
  bool require_consent = true;

  PressureLimits pressure;
  std::optional<QuietHours> quiet_hours;
  std::map<std::string, PressureLimits> channel_pressure;  // [pressure.channels.<name>]

  std::vector<PluginInstanceConfig> channels;
  std::vector<PluginInstanceConfig> triggers;
  std::vector<PluginInstanceConfig> sources;
  // Every [sources.X] table's name, those refused for their settings included: a
  // journey's data.X is checked against these, so one mistake gives one error.
  std::vector<std::string> source_names;

  const PluginInstanceConfig* channel(std::string_view name) const;
  std::vector<std::string> channel_names() const;
};

// Loads every clients/<id>/client.toml under the host's config directory, in id
// order. A client with errors is still returned (as far as it could be read) so
// that its journeys can be checked too; `diagnostics` says whether it is usable.
std::vector<ClientConfig> load_clients(const HostConfig& host, const PluginCatalog& plugins, Diagnostics& diagnostics);

}  // namespace parcours::config
