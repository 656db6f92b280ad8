#include "config/plugin_declaration.hpp"

#include <array>
#include <utility>

namespace parcours::config {
namespace {

constexpr std::array<std::pair<PluginKind, std::string_view>, 3> kKinds{
    {{PluginKind::channel, "channel"}, {PluginKind::trigger, "trigger"}, {PluginKind::source, "source"}}};
constexpr std::array<std::pair<SettingType, std::string_view>, 6> kTypes{{{SettingType::string, "string"},
                                                                          {SettingType::integer, "int"},
                                                                          {SettingType::boolean, "bool"},
                                                                          {SettingType::duration, "duration"},
                                                                          {SettingType::secret, "secret"},
                                                                          {SettingType::list, "list"}}};

template <typename Table, typename Value>
std::string_view name_of(const Table& table, Value value) {
  for (const auto& [v, name] : table)
    if (v == value) return name;
  return "?";
}

template <typename Value, typename Table>
std::optional<Value> value_of(const Table& table, std::string_view text) {
  for (const auto& [v, name] : table)
    if (name == text) return v;
  return std::nullopt;
}

}  // namespace

std::string_view to_string(PluginKind kind) {
  return name_of(kKinds, kind);
}
std::string_view to_string(SettingType type) {
  return name_of(kTypes, type);
}
std::optional<PluginKind> parse_plugin_kind(std::string_view text) {
  return value_of<PluginKind>(kKinds, text);
}
std::optional<SettingType> parse_setting_type(std::string_view text) {
  return value_of<SettingType>(kTypes, text);
}

}  // namespace parcours::config
