// The dispatcher's channels in a real host: one plugin instance per channel of each
// client, created from the client's settings, and their send() answers read as
// outcomes. (`simulate` uses recorders instead; nothing is sent there.)
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>

#include "engine/dispatcher.hpp"
#include "host/loaded_config.hpp"
#include "host/plugin_wiring.hpp"
#include "plugin/host_services.hpp"
#include "plugin/registry.hpp"

namespace parcours::host {

class PluginChannels final : public engine::ChannelSender {
 public:
  // Creates every channel instance of every client now, so that a plugin that
  // refuses its settings stops the start-up rather than the first message. Throws
  // std::runtime_error naming the client and channel.
  explicit PluginChannels(const LoadedConfig& loaded, const PluginEnvironment& environment = {});
  ~PluginChannels() override;

  engine::SendOutcome send(const config::ClientConfig& client, const config::PluginInstanceConfig& channel,
                           const std::string& message_json) override;
  bool concurrent() const override { return true; }  // plugin.h: send() is thread-safe
  // Plugins with ABI 1.4's send_async (the email plugin on SMTP).
  bool sends_async(const config::ClientConfig& client, const config::PluginInstanceConfig& channel) const override;
  void send_async(const config::ClientConfig& client, const config::PluginInstanceConfig& channel,
                  const std::string& message_json, Done done) override;

  // The instance behind [channels.<name>] of `client`, if there is one (the popup
  // routes hand browsers' requests to it).
  plugin::Instance* find(const std::string& client, const std::string& name) const;

 private:
  struct Channel {
    std::unique_ptr<plugin::HostServices> services;  // outlives the instance that holds its table
    std::unique_ptr<plugin::Instance> instance;
  };
  std::map<std::pair<std::string, std::string>, Channel> channels_;  // (client, channel name)
};

// The ABI's result JSON ({"status": "delivered"|"retry"|"failed", "error",
// "retry_after_ms", "provider_id"}) as an outcome; anything else is a failure that
// says what was wrong, so a broken plugin cannot make the host retry for ever.
engine::SendOutcome parse_send_result(const std::string& result_json);

}  // namespace parcours::host
