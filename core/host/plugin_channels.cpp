#include "host/plugin_channels.hpp"

#include <nlohmann/json.hpp>

#include <stdexcept>

#include "render/json_text.hpp"

namespace parcours::host {

using engine::SendOutcome;

PluginChannels::PluginChannels(const LoadedConfig& loaded, const PluginEnvironment& environment) {
  for (const auto& client : loaded.clients) {
    for (const auto& channel : client.channels) {
      Channel entry;
      entry.services = std::make_unique<plugin::HostServices>(client.id, channel.name, channel.plugin,
                                                              plugin_wiring(environment, client, channel));
      try {
        entry.instance = loaded.plugins.create(channel.plugin, channel.settings_json, entry.services->table());
      } catch (const std::exception& error) {
        throw std::runtime_error("client '" + client.id + "' channel '" + channel.name + "': " + error.what());
      }
      channels_.emplace(std::make_pair(client.id, channel.name), std::move(entry));
    }
  }
}

PluginChannels::~PluginChannels() {
  // Instances first, then the host tables they were given.
  for (auto& [key, channel] : channels_) channel.instance.reset();
}

SendOutcome PluginChannels::send(const config::ClientConfig& client, const config::PluginInstanceConfig& channel,
                                 const std::string& message_json) {
  const auto it = channels_.find({client.id, channel.name});
  if (it == channels_.end() || !it->second.instance)
    return {SendOutcome::Status::failed, "the channel '" + channel.name + "' has no instance in this host", 0, {}};
  try {
    return parse_send_result(it->second.instance->send(message_json));
  } catch (const std::exception& error) {
    // Instance::send already turns a plugin's exception into a result; this is a
    // failure of the host side (out of memory), worth another attempt.
    return {SendOutcome::Status::retry, error.what(), 0, {}};
  }
}

bool PluginChannels::sends_async(const config::ClientConfig& client,
                                 const config::PluginInstanceConfig& channel) const {
  const plugin::Instance* instance = find(client.id, channel.name);
  return instance != nullptr && instance->sends_async();
}

void PluginChannels::send_async(const config::ClientConfig& client, const config::PluginInstanceConfig& channel,
                                const std::string& message_json, Done done) {
  plugin::Instance* instance = find(client.id, channel.name);
  if (instance == nullptr) {
    done(send(client, channel, message_json));  // says there is no instance
    return;
  }
  try {
    instance->send_async(message_json, [done](std::string result_json) { done(parse_send_result(result_json)); });
  } catch (const std::exception& error) {
    // Out of memory before the plugin had the message: worth another attempt.
    done({SendOutcome::Status::retry, error.what(), 0, {}});
  }
}

plugin::Instance* PluginChannels::find(const std::string& client, const std::string& name) const {
  const auto it = channels_.find({client, name});
  return it == channels_.end() ? nullptr : it->second.instance.get();
}

SendOutcome parse_send_result(const std::string& result_json) {
  const auto result = render::parse_json_or_discarded(result_json);
  if (!result.is_object() || !result.contains("status") || !result["status"].is_string())
    return {
        SendOutcome::Status::failed, "the plugin answered something that is not a send result: " + result_json, 0, {}};
  SendOutcome outcome;
  const auto& status = result["status"].get_ref<const std::string&>();
  if (status == "delivered") {
    outcome.status = SendOutcome::Status::delivered;
  } else if (status == "retry") {
    outcome.status = SendOutcome::Status::retry;
  } else if (status == "failed") {
    outcome.status = SendOutcome::Status::failed;
  } else {
    return {SendOutcome::Status::failed, "the plugin answered an unknown status '" + status + "'", 0, {}};
  }
  if (const auto it = result.find("error"); it != result.end() && it->is_string()) outcome.error = *it;
  if (const auto it = result.find("retry_after_ms"); it != result.end() && it->is_number_integer())
    outcome.retry_after = std::max<std::int64_t>(0, it->get<std::int64_t>());
  if (const auto it = result.find("provider_id"); it != result.end() && it->is_string()) outcome.provider_id = *it;
  if (const auto it = result.find("answer"); it != result.end() && it->is_object())
    outcome.answer = it->dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return outcome;
}

}  // namespace parcours::host
