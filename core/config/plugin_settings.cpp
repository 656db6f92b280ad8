#include "config/plugin_settings.hpp"

#include <nlohmann/json.hpp>

#include "config/duration.hpp"
#include "config/toml_reader.hpp"

namespace parcours::config {
namespace {

// Reads one declared setting that is present in the table; nothing on error.
std::optional<nlohmann::json> read_setting(TableReader& reader, const SettingSpec& spec) {
  const std::string& key = spec.name;
  switch (spec.type) {
    case SettingType::string:
    case SettingType::secret:
      if (auto text = reader.string(key)) return *text;
      return std::nullopt;
    case SettingType::integer:
      if (auto number =
              reader.integer(key, std::numeric_limits<std::int64_t>::min(), std::numeric_limits<std::int64_t>::max()))
        return *number;
      return std::nullopt;
    case SettingType::boolean:
      if (auto flag = reader.boolean(key)) return *flag;
      return std::nullopt;
    case SettingType::list:
      if (auto items = reader.string_list(key)) return *items;
      return std::nullopt;
    case SettingType::duration:
      if (auto value = reader.duration(key))
        return std::chrono::duration_cast<std::chrono::milliseconds>(*value).count();
      return std::nullopt;
  }
  return std::nullopt;
}

// A declared default, in the same JSON form as a value read from TOML.
std::optional<nlohmann::json> default_of(const SettingSpec& spec) {
  if (!spec.default_json) return std::nullopt;
  auto value = nlohmann::json::parse(*spec.default_json, nullptr, false);
  if (value.is_discarded() || value.is_null()) return std::nullopt;
  if (spec.type == SettingType::duration && value.is_string()) {
    if (auto parsed = parse_duration(value.get<std::string>()))
      return std::chrono::duration_cast<std::chrono::milliseconds>(*parsed).count();
    return std::nullopt;
  }
  return value;
}

}  // namespace

std::optional<std::string> read_plugin_settings(TableReader& reader, const std::vector<SettingSpec>& specs,
                                                std::string_view noun) {
  nlohmann::json settings = nlohmann::json::object();
  bool ok = true;
  for (const auto& spec : specs) {
    if (reader.has(spec.name)) {
      auto value = read_setting(reader, spec);
      if (value)
        settings[spec.name] = std::move(*value);
      else
        ok = false;
      continue;
    }
    reader.mark_known(spec.name);
    if (auto value = default_of(spec)) {
      settings[spec.name] = std::move(*value);
    } else if (spec.required) {
      reader.diagnostics().error(reader.where(), "missing required " + std::string(noun) + " '" + spec.name + "' in " +
                                                     reader.context() + " (" + std::string(to_string(spec.type)) +
                                                     (spec.help.empty() ? "" : ": " + spec.help) + ")");
      ok = false;
    }
  }
  if (!ok) return std::nullopt;
  return settings.dump();
}

}  // namespace parcours::config
