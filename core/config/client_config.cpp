#include "config/client_config.hpp"

#include <date/tz.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>

#include "config/plugin_settings.hpp"
#include "config/suggestion.hpp"
#include "config/toml_reader.hpp"

namespace parcours::config {
namespace {

std::string lowercase(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::tolower(c); });
  return text;
}

// Client ids end up in URLs (/v1/clients/<id>), metric labels and file names.
bool valid_client_id(std::string_view id) {
  if (id.empty() || !std::isalnum(static_cast<unsigned char>(id.front()))) return false;
  return std::all_of(id.begin(), id.end(), [](unsigned char c) { return std::isalnum(c) || c == '-' || c == '_'; });
}

// "HH:MM" → minutes after midnight.
std::optional<int> parse_clock_time(std::string_view text) {
  if (text.size() != 5 || text[2] != ':') return std::nullopt;
  for (std::size_t i : {0u, 1u, 3u, 4u})
    if (!std::isdigit(static_cast<unsigned char>(text[i]))) return std::nullopt;
  const int hours = (text[0] - '0') * 10 + (text[1] - '0');
  const int minutes = (text[3] - '0') * 10 + (text[4] - '0');
  if (hours > 23 || minutes > 59) return std::nullopt;
  return hours * 60 + minutes;
}

void check_timezone(TableReader& reader, const std::string& zone) {
  try {
    (void)date::locate_zone(zone);
  } catch (const std::exception&) {
    std::vector<std::string> names;
    for (const auto& known : date::get_tzdb().zones) names.push_back(known.name());
    reader.diagnostics().error(
        reader.where("timezone"),
        "unknown time zone '" + zone + "' (an IANA name like \"Europe/Paris\")" + did_you_mean(zone, names));
  }
}

// An origin is what a browser sends in its Origin header: scheme://host[:port].
bool valid_origin(std::string_view origin) {
  const std::size_t scheme_end = origin.find("://");
  if (scheme_end == std::string_view::npos) return false;
  const std::string_view scheme = origin.substr(0, scheme_end);
  if (scheme != "http" && scheme != "https") return false;
  const std::string_view rest = origin.substr(scheme_end + 3);
  return !rest.empty() && rest.find('/') == std::string_view::npos;
}

PressureLimits read_limits(TableReader& reader) {
  PressureLimits limits;
  if (auto n = reader.integer("max_per_day", 1, 1000)) limits.max_per_day = static_cast<int>(*n);
  if (auto n = reader.integer("max_per_week", 1, 10000)) limits.max_per_week = static_cast<int>(*n);
  return limits;
}

void read_quiet_hours(TableReader& pressure, ClientConfig& client) {
  const toml::table* table = pressure.table("quiet_hours");
  if (table == nullptr) return;
  TableReader reader(*table, pressure.file(), "quiet_hours", pressure.diagnostics());
  auto start = reader.string("start", true);
  auto end = reader.string("end", true);
  reader.finish();
  QuietHours hours;
  bool ok = start && end;
  for (auto [key, text, slot] :
       {std::tuple{"start", &start, &hours.start_minute}, std::tuple{"end", &end, &hours.end_minute}}) {
    if (!*text) continue;
    if (auto minutes = parse_clock_time(**text)) {
      *slot = *minutes;
    } else {
      reader.diagnostics().error(
          reader.where(key), std::string("'") + key +
                                 "' in quiet_hours must be a time of day HH:MM, e.g. \"21:00\", not '" + **text + "'");
      ok = false;
    }
  }
  if (ok && hours.start_minute == hours.end_minute) {
    reader.diagnostics().error(reader.where(), "quiet_hours start and end are equal: the window would be empty");
    ok = false;
  }
  if (ok) client.quiet_hours = hours;
}

void read_pressure(TableReader& top, ClientConfig& client) {
  const toml::table* table = top.table("pressure");
  if (table == nullptr) return;
  TableReader reader(*table, top.file(), "[pressure]", top.diagnostics());
  client.pressure = read_limits(reader);
  read_quiet_hours(reader, client);
  if (const toml::table* channels = reader.table("channels")) {
    for (const auto& [name, node] : *channels) {
      const std::string context = "[pressure.channels." + std::string(name.str()) + "]";
      const auto* limits_table = node.as_table();
      if (limits_table == nullptr) {
        top.diagnostics().error(location_of(node.source(), top.file()), context + " must be a table");
        continue;
      }
      TableReader limits(*limits_table, top.file(), context, top.diagnostics());
      client.channel_pressure[std::string(name.str())] = read_limits(limits);
      limits.finish();
    }
  }
  reader.finish();
}

// [channels.X] / [triggers.X] / [sources.X]: `plugin` plus the plugin's own settings
// (and, for channels, the host's `rate` and `concurrency`).
void read_instances(TableReader& top, std::string_view section, PluginKind kind, const PluginCatalog& plugins,
                    std::vector<PluginInstanceConfig>& out) {
  const toml::table* table = top.table(section);
  if (table == nullptr) return;
  Diagnostics& diagnostics = top.diagnostics();
  for (const auto& [name, node] : *table) {
    const std::string context = "[" + std::string(section) + "." + std::string(name.str()) + "]";
    const auto* instance_table = node.as_table();
    if (instance_table == nullptr) {
      diagnostics.error(location_of(node.source(), top.file()), context + " must be a table with plugin = \"...\"");
      continue;
    }
    TableReader reader(*instance_table, top.file(), context, diagnostics);
    PluginInstanceConfig instance{std::string(name.str()), {}, kind, {}, reader.where(), {}};
    auto plugin_id = reader.string("plugin", true);
    if (!plugin_id) continue;
    instance.plugin = *plugin_id;
    const PluginDeclaration* declaration = plugins.find(*plugin_id);
    if (declaration == nullptr) {
      diagnostics.error(reader.where("plugin"), "no plugin '" + *plugin_id + "' is loaded" +
                                                    did_you_mean(*plugin_id, plugins.ids()) +
                                                    "; `parcours plugins list` shows what was found");
      continue;  // its settings cannot be checked without the declaration
    }
    if (declaration->kind != kind) {
      diagnostics.error(reader.where("plugin"),
                        "plugin '" + *plugin_id + "' is a " + std::string(to_string(declaration->kind)) + ", not a " +
                            std::string(to_string(kind)) + ": it cannot be used in [" + std::string(section) + "]");
      continue;
    }
    if (kind == PluginKind::channel) {
      // Host keys: how fast the host sends to this channel. They shadow a plugin
      // setting of the same name, which is why no plugin should declare one.
      if (auto rate = reader.string("rate")) {
        instance.limits.per_second = parse_rate(*rate);
        instance.limits.rate_text = *rate;
        if (!instance.limits.per_second)
          diagnostics.error(reader.where("rate"),
                            "'rate' must be a number of messages per second, minute or hour, "
                            "e.g. \"50/s\", \"600/m\" or \"1000/h\", not '" +
                                *rate + "'");
      }
      if (auto concurrency = reader.integer("concurrency", 1, 256))
        instance.limits.concurrency = static_cast<int>(*concurrency);
    }
    auto settings = read_plugin_settings(reader, declaration->settings);
    reader.finish();
    if (!settings) continue;
    instance.settings_json = std::move(*settings);
    if (kind == PluginKind::channel) {
      const auto parsed = nlohmann::json::parse(instance.settings_json, nullptr, false);
      const auto tracking = parsed.is_object() ? parsed.find("tracking") : parsed.end();
      instance.tracking =
          parsed.is_object() && tracking != parsed.end() && tracking->is_boolean() && tracking->get<bool>();
    }
    out.push_back(std::move(instance));
  }
}

ClientConfig load_client(const std::filesystem::path& directory, const std::string& id, const std::string& display,
                         const PluginCatalog& plugins, Diagnostics& diagnostics) {
  ClientConfig client;
  client.id = id;
  client.name = id;
  client.directory = directory;
  client.file = display;
  auto table = read_toml_file(directory / "client.toml", display, diagnostics);
  if (!table) return client;
  TableReader reader(*table, display, "client.toml", diagnostics);
  if (auto declared = reader.string("id"); declared && *declared != id)
    diagnostics.error(reader.where("id"), "client id '" + *declared + "' differs from its folder name '" + id +
                                              "': the folder name is the id; rename one of them");
  if (auto name = reader.string("name")) client.name = *name;
  if (auto zone = reader.string("timezone")) {
    check_timezone(reader, *zone);
    client.timezone = *zone;
  }
  if (auto country = reader.string("country")) {
    const bool ok = country->size() == 2 && std::isupper(static_cast<unsigned char>((*country)[0])) &&
                    std::isupper(static_cast<unsigned char>((*country)[1]));
    if (!ok)
      diagnostics.error(
          reader.where("country"),
          "'country' must be a two-letter ISO 3166 code in capitals, e.g. \"FR\", not '" + *country + "'");
    client.country = *country;
  }
  if (auto origins = reader.string_list("allowed_origins")) {
    for (const auto& origin : *origins)
      if (!valid_origin(origin))
        diagnostics.error(reader.where("allowed_origins"),
                          "'" + origin +
                              "' in allowed_origins is not an origin: write scheme://host[:port] "
                              "with no path, e.g. \"https://shop.example.com\"");
    client.allowed_origins = *origins;
  }
  if (auto keys = reader.string_list("api_keys")) {
    for (const auto& key : *keys)
      if (key.size() < 16)
        diagnostics.error(reader.where("api_keys"),
                          "an API key in api_keys is shorter than 16 characters: use a long random token "
                          "(e.g. `openssl rand -hex 24`)");
    client.api_keys = *keys;
  }
  if (auto consent = reader.boolean("require_consent")) client.require_consent = *consent;
  read_pressure(reader, client);
  read_instances(reader, "channels", PluginKind::channel, plugins, client.channels);
  read_instances(reader, "triggers", PluginKind::trigger, plugins, client.triggers);
  read_instances(reader, "sources", PluginKind::source, plugins, client.sources);
  if (const toml::table* sources = (*table)["sources"].as_table())
    for (const auto& [name, node] : *sources) client.source_names.emplace_back(name.str());
  // Pressure for a channel the client does not have is a typo, not a no-op.
  std::vector<std::string> channel_names;
  if (const toml::table* channels = (*table)["channels"].as_table())
    for (const auto& [name, node] : *channels) channel_names.emplace_back(name.str());
  if (const toml::table* limits = (*table)["pressure"]["channels"].as_table()) {
    for (const auto& [name, node] : *limits) {
      if (std::find(channel_names.begin(), channel_names.end(), name.str()) == channel_names.end())
        diagnostics.error(location_of(name.source(), display), "[pressure.channels." + std::string(name.str()) +
                                                                   "] names no channel of this client" +
                                                                   did_you_mean(name.str(), channel_names));
    }
  }
  reader.node("journeys");  // a common mistake: journeys are files, not a key
  reader.finish();
  if (reader.has("journeys"))
    diagnostics.error(reader.where("journeys"),
                      "journeys are not declared in client.toml: put one file per journey in journeys/<id>.toml");
  return client;
}

}  // namespace

std::optional<double> parse_rate(std::string_view text) {
  const auto slash = text.find('/');
  if (slash == std::string_view::npos || slash == 0 || slash + 2 != text.size()) return std::nullopt;
  double count = 0;
  for (const char c : text.substr(0, slash)) {
    if (c < '0' || c > '9') return std::nullopt;
    count = count * 10 + (c - '0');
    if (count > 1e9) return std::nullopt;
  }
  if (count <= 0) return std::nullopt;
  switch (text[slash + 1]) {
    case 's': return count;
    case 'm': return count / 60;
    case 'h': return count / 3600;
    default: return std::nullopt;
  }
}

const PluginInstanceConfig* ClientConfig::channel(std::string_view name) const {
  for (const auto& instance : channels)
    if (instance.name == name) return &instance;
  return nullptr;
}

std::vector<std::string> ClientConfig::channel_names() const {
  std::vector<std::string> names;
  for (const auto& instance : channels) names.push_back(instance.name);
  return names;
}

std::vector<ClientConfig> load_clients(const HostConfig& host, const PluginCatalog& plugins, Diagnostics& diagnostics) {
  std::vector<ClientConfig> clients;
  const std::filesystem::path root = host.directory / "clients";
  std::error_code error;
  if (!std::filesystem::is_directory(root, error)) return clients;

  std::vector<std::filesystem::path> folders;
  for (const auto& entry : std::filesystem::directory_iterator(root, error))
    if (entry.is_directory()) folders.push_back(entry.path());
  std::sort(folders.begin(), folders.end());

  std::map<std::string, std::string> seen;       // lowercased id → file that has it
  std::map<std::string, std::string> key_owner;  // api key → client id
  for (const auto& folder : folders) {
    const std::string id = folder.filename().string();
    const std::string display = (folder / "client.toml").lexically_normal().string();
    if (!std::filesystem::is_regular_file(folder / "client.toml")) {
      diagnostics.error({display, 0, 0}, "client folder '" + id + "' has no client.toml");
      continue;
    }
    if (!valid_client_id(id)) {
      diagnostics.error({display, 0, 0}, "client id '" + id +
                                             "' (the folder name) must be letters, digits, '-' or '_', starting with a "
                                             "letter or digit: it is used in URLs");
      continue;
    }
    // Ids are compared without letter case: they are URL path segments, and on a
    // case-insensitive file system "Acme" and "acme" are one folder.
    auto [it, fresh] = seen.emplace(lowercase(id), display);
    if (!fresh) {
      diagnostics.error({display, 1, 1}, "client id '" + id + "' is already used by " + it->second +
                                             " (ids are compared without letter case): rename one of the folders");
      continue;
    }
    ClientConfig client = load_client(folder, id, display, plugins, diagnostics);
    for (const auto& key : client.api_keys) {
      auto [owner, unique] = key_owner.emplace(key, id);
      if (!unique && owner->second != id)
        diagnostics.error({display, 0, 0}, "an API key of client '" + id + "' is also a key of client '" +
                                               owner->second + "': a key must open one client only");
    }
    clients.push_back(std::move(client));
  }
  return clients;
}

}  // namespace parcours::config
