// A PluginCatalog with plugins declared as the loader would declare them, without
// loading any library: for config and journey tests.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "config/plugin_declaration.hpp"

namespace parcours::config {

// Plugins as the loader would declare them, without loading any library.
class FakeCatalog final : public PluginCatalog {
 public:
  FakeCatalog() {
    PluginDeclaration file{"file", "1.0.0", "JSON lines", PluginKind::channel, {}, {}, true};
    file.settings.push_back({"path", SettingType::string, true, std::nullopt, "where to append"});
    PluginDeclaration sms{"sms", "1.0.0", "SMS", PluginKind::channel, {}, {}, false};
    sms.settings.push_back({"url", SettingType::string, true, std::nullopt, "API endpoint"});
    sms.settings.push_back({"token", SettingType::secret, true, std::nullopt, "API token"});
    sms.settings.push_back({"timeout", SettingType::duration, false, "\"10s\"", "per request"});
    sms.settings.push_back({"retries", SettingType::integer, false, "3", ""});
    sms.settings.push_back({"sandbox", SettingType::boolean, false, "false", ""});
    sms.settings.push_back({"tags", SettingType::list, false, std::nullopt, ""});
    sms.params.push_back({"sender", SettingType::string, false, std::nullopt, "sender id"});
    PluginDeclaration ads{"ads", "1.0.0", "audiences", PluginKind::channel, {}, {}, false};
    ads.params.push_back({"audience", SettingType::string, true, std::nullopt, "audience id"});
    PluginDeclaration cron{"schedule", "1.0.0", "cron", PluginKind::trigger, {}, {}, false};
    PluginDeclaration rows{"rows", "1.0.0", "a data source", PluginKind::source, {}, {}, false};
    declarations_ = {file, sms, ads, cron, rows};
  }
  const PluginDeclaration* find(std::string_view id) const override {
    for (const auto& declaration : declarations_)
      if (declaration.id == id) return &declaration;
    return nullptr;
  }
  std::vector<std::string> ids() const override { return {"file", "sms", "ads", "schedule", "rows"}; }
  // The ads plugin refuses an audience that is not a number, as a real one would.
  std::optional<std::string> validate_params(std::string_view id, const std::string& params_json) const override {
    if (id == "ads" && params_json.find("\"audience\":\"") != std::string::npos &&
        params_json.find("\"audience\":\"1") == std::string::npos)
      return "audience must be a numeric audience id";
    return std::nullopt;
  }

 private:
  std::vector<PluginDeclaration> declarations_;
};

}  // namespace parcours::config
