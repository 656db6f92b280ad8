// What a plugin declares about itself, as the config checker needs it: its id, kind
// and the settings (and, for channels, message parameters) it accepts. The plugin
// loader (core/plugin/) reads these from a plugin's descriptor; config/ and journey/
// only see this plain form, through a PluginCatalog, so they never load a library.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace parcours::config {

enum class PluginKind { channel, trigger, source };
enum class SettingType { string, integer, boolean, duration, secret, list };

// "channel" / "trigger" / "source"; "string" / "int" / "bool" / "duration" / "secret" / "list".
std::string_view to_string(PluginKind kind);
std::string_view to_string(SettingType type);
std::optional<PluginKind> parse_plugin_kind(std::string_view text);
std::optional<SettingType> parse_setting_type(std::string_view text);

struct SettingSpec {
  std::string name;
  SettingType type = SettingType::string;
  bool required = false;
  std::optional<std::string> default_json;  // JSON text of the default, when there is one
  std::string help;
};

struct PluginDeclaration {
  std::string id;
  std::string version;
  std::string description;
  PluginKind kind = PluginKind::channel;
  std::vector<SettingSpec> settings;
  std::vector<SettingSpec> params;  // channels: declared message parameters
  bool accepts_any_params = false;  // channels that take any parameter ("*")
};

// The plugins the host found, as config/ and journey/ see them.
class PluginCatalog {
 public:
  virtual ~PluginCatalog() = default;
  // The declaration of plugin `id`, or nullptr when no loaded plugin has that id.
  virtual const PluginDeclaration* find(std::string_view id) const = 0;
  // Every loaded plugin id, for "did you mean" suggestions.
  virtual std::vector<std::string> ids() const = 0;
  // Runs the channel's optional validate_params on a send step's parameters (a JSON
  // object). Returns the plugin's error message, or nothing when they are accepted.
  virtual std::optional<std::string> validate_params(std::string_view id, const std::string& params_json) const = 0;
};

}  // namespace parcours::config
