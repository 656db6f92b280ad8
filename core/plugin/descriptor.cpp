#include "plugin/descriptor.hpp"

#include <nlohmann/json.hpp>

#include <set>
#include <string>
#include <string_view>

#include "config/duration.hpp"
#include "plugin/library.hpp"

namespace parcours::plugin {
namespace {

using config::SettingSpec;
using config::SettingType;
using nlohmann::json;

[[noreturn]] void malformed(const std::string& why) {
  throw Refusal("malformed descriptor: " + why);
}

bool is_valid_id(std::string_view id) {
  if (id.empty() || id.front() == '-' || id.back() == '-') return false;
  for (char c : id)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
  return true;
}

// A TOML bare key: what a user can write without quotes.
bool is_valid_setting_name(std::string_view name) {
  if (name.empty()) return false;
  for (char c : name)
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-'))
      return false;
  return true;
}

// nlohmann's messages start with "[json.exception.parse_error.101] "; keep the rest.
std::string parse_error_text(const std::string& what) {
  const auto end = what.find("] ");
  return what.front() == '[' && end != std::string::npos ? what.substr(end + 2) : what;
}

bool default_matches(SettingType type, const json& value) {
  switch (type) {
    case SettingType::string:
    case SettingType::secret: return value.is_string();
    case SettingType::integer: return value.is_number_integer();
    case SettingType::boolean: return value.is_boolean();
    case SettingType::duration:
      return value.is_string() && config::parse_duration(value.get_ref<const std::string&>()).has_value();
    case SettingType::list:
      if (!value.is_array()) return false;
      for (const auto& item : value)
        if (!item.is_string()) return false;
      return true;
  }
  return false;
}

std::string expected_phrase(SettingType type) {
  switch (type) {
    case SettingType::string:
    case SettingType::secret: return "a string";
    case SettingType::integer: return "an integer";
    case SettingType::boolean: return "true or false";
    case SettingType::duration: return "a duration like \"30s\" or \"1h30m\"";
    case SettingType::list: return "a list of strings";
  }
  return "valid";
}

// The settings_json / params_json form: [{"name", "type", "required", "default", "help"}].
std::vector<SettingSpec> read_specs(const char* text, const std::string& field, const std::string& noun) {
  json specs;
  try {
    specs = json::parse(text);
  } catch (const json::exception& e) {
    malformed(field + " is not valid JSON: " + parse_error_text(e.what()));
  }
  if (!specs.is_array()) malformed(field + " must be a JSON array of " + noun + "s");
  std::vector<SettingSpec> out;
  std::set<std::string> names;
  std::size_t index = 0;
  for (const auto& spec : specs) {
    const std::string where = field + "[" + std::to_string(index++) + "]";
    if (!spec.is_object())
      malformed(where + " must be an object {\"name\", \"type\", \"required\", \"default\", \"help\"}");
    SettingSpec setting;
    auto name = spec.find("name");
    if (name == spec.end() || !name->is_string() || !is_valid_setting_name(name->get_ref<const std::string&>()))
      malformed(where + " has no valid \"name\" (letters, digits, '_' and '-')");
    setting.name = name->get<std::string>();
    const std::string label = noun + " '" + setting.name + "'";
    if (!names.insert(setting.name).second) malformed(label + " is declared twice");
    if (noun == "setting" && setting.name == "plugin")
      malformed("setting 'plugin' is reserved: it is the key that names the plugin in TOML");

    auto type = spec.find("type");
    std::optional<SettingType> parsed_type;
    if (type != spec.end() && type->is_string()) parsed_type = config::parse_setting_type(type->get<std::string>());
    if (!parsed_type)
      malformed(label + " has " + (type == spec.end() ? std::string("no type") : "type " + type->dump()) +
                " (expected string, int, bool, duration, secret or list)");
    setting.type = *parsed_type;

    if (auto required = spec.find("required"); required != spec.end()) {
      if (!required->is_boolean()) malformed(label + ": \"required\" must be true or false");
      setting.required = required->get<bool>();
    }
    if (auto value = spec.find("default"); value != spec.end() && !value->is_null()) {
      if (setting.required) malformed(label + " is required and has a default: it can only be one of them");
      if (!default_matches(setting.type, *value))
        malformed(label + " is of type " + std::string(config::to_string(setting.type)) + ", but its default " +
                  (setting.type == SettingType::secret ? std::string() : value->dump() + " ") + "is not " +
                  expected_phrase(setting.type));
      setting.default_json = value->dump();
    }
    if (auto help = spec.find("help"); help != spec.end() && !help->is_null()) {
      if (!help->is_string()) malformed(label + ": \"help\" must be a string");
      setting.help = help->get<std::string>();
    }
    out.push_back(std::move(setting));
  }
  return out;
}

}  // namespace

config::PluginDeclaration read_declaration(const parcours_plugin& d) {
  config::PluginDeclaration declaration;
  if (!d.id) malformed("it has no id");
  if (!is_valid_id(d.id))
    malformed("id '" + std::string(d.id) + "' is not valid (lower-case letters, digits and '-', e.g. \"gateway-sms\")");
  declaration.id = d.id;
  const std::string plugin = "plugin '" + declaration.id + "': ";
  if (!d.version || !*d.version) malformed(plugin + "it has no version");
  declaration.version = d.version;
  declaration.description = d.description ? d.description : "";

  switch (d.kind) {
    case PARCOURS_KIND_CHANNEL: declaration.kind = config::PluginKind::channel; break;
    case PARCOURS_KIND_TRIGGER: declaration.kind = config::PluginKind::trigger; break;
    case PARCOURS_KIND_SOURCE: declaration.kind = config::PluginKind::source; break;
    default:
      malformed(plugin + "unknown kind " + std::to_string(d.kind) + " (expected 1 channel, 2 trigger or 3 source)");
  }

  if (d.settings_json) declaration.settings = read_specs(d.settings_json, plugin + "settings_json", "setting");
  if (d.params_json) {
    if (declaration.kind != config::PluginKind::channel)
      malformed(plugin + "params_json is for channels only, and this is a " +
                std::string(config::to_string(declaration.kind)));
    if (std::string_view(d.params_json) == "*")
      declaration.accepts_any_params = true;
    else
      declaration.params = read_specs(d.params_json, plugin + "params_json", "parameter");
  }

  if (!d.create) malformed(plugin + "it has no create()");
  if (!d.destroy) malformed(plugin + "it has no destroy()");
  if (!d.free_string) malformed(plugin + "it has no free_string()");
  switch (declaration.kind) {
    case config::PluginKind::channel:
      if (!d.send) malformed(plugin + "it is a channel without send()");
      break;
    case config::PluginKind::trigger:
      if (!d.start || !d.stop) malformed(plugin + "it is a trigger without start() and stop()");
      break;
    case config::PluginKind::source:
      if (!d.lookup && !d.scan) malformed(plugin + "it is a source with neither lookup() nor scan()");
      break;
  }
  return declaration;
}

}  // namespace parcours::plugin
