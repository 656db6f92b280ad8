#include "host/plugin_channels.hpp"

#include <nlohmann/json.hpp>
#include <parcours/json_parse.hpp>

#include <algorithm>
#include <charconv>
#include <optional>
#include <stdexcept>
#include <utility>
#include <vector>

#include "render/json_string.hpp"
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

namespace {

SendOutcome not_a_result(const std::string& result_json) {
  return {
      SendOutcome::Status::failed, "the plugin answered something that is not a send result: " + result_json, 0, {}};
}

// The status word of a send result, or false for an unknown one.
bool read_status(std::string_view status, SendOutcome& outcome) {
  if (status == "delivered")
    outcome.status = SendOutcome::Status::delivered;
  else if (status == "retry")
    outcome.status = SendOutcome::Status::retry;
  else if (status == "failed")
    outcome.status = SendOutcome::Status::failed;
  else
    return false;
  return true;
}

SendOutcome unknown_status(std::string_view status) {
  return {SendOutcome::Status::failed, "the plugin answered an unknown status '" + std::string(status) + "'", 0, {}};
}

std::string answer_text(const nlohmann::json& answer) {
  return answer.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// Appends `element` as answer_text() would write it once built into nlohmann's tree —
// members sorted by name, the last of a name given twice, compact — without building
// the tree: every message's answer comes this way. False for what it leaves to the
// tree (a floating-point number, written as nlohmann's own algorithm writes it); `out`
// is then to be discarded.
bool append_answer_json(std::string& out, simdjson::dom::element element) {
  using Type = simdjson::dom::element_type;
  switch (element.type()) {
    case Type::OBJECT: {
      std::vector<std::pair<std::string_view, simdjson::dom::element>> members;
      for (const auto field : simdjson::dom::object(element)) members.emplace_back(field.key, field.value);
      std::stable_sort(members.begin(), members.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
      out += '{';
      bool first = true;
      for (std::size_t i = 0; i < members.size(); ++i) {
        if (i + 1 < members.size() && members[i + 1].first == members[i].first) continue;  // a later one wins
        if (!first) out += ',';
        first = false;
        render::append_json_string(out, members[i].first, render::InvalidUtf8::replace);
        out += ':';
        if (!append_answer_json(out, members[i].second)) return false;
      }
      out += '}';
      return true;
    }
    case Type::ARRAY: {
      out += '[';
      bool first = true;
      for (const auto item : simdjson::dom::array(element)) {
        if (!first) out += ',';
        first = false;
        if (!append_answer_json(out, item)) return false;
      }
      out += ']';
      return true;
    }
    case Type::STRING:
      render::append_json_string(out, std::string_view(element), render::InvalidUtf8::replace);
      return true;
    case Type::INT64:
    case Type::UINT64: {
      char digits[24];
      const auto written = element.type() == Type::INT64
                               ? std::to_chars(digits, digits + sizeof digits, std::int64_t(element))
                               : std::to_chars(digits, digits + sizeof digits, std::uint64_t(element));
      out.append(digits, written.ptr);
      return true;
    }
    case Type::BOOL: out += bool(element) ? "true" : "false"; return true;
    case Type::NULL_VALUE: out += "null"; return true;
    case Type::DOUBLE: return false;
  }
  return false;
}

// Through nlohmann's tree: for what simdjson leaves to nlohmann (json_parse.hpp).
SendOutcome parse_send_result_tree(const std::string& result_json) {
  const auto result = render::parse_json_or_discarded(result_json);
  if (!result.is_object() || !result.contains("status") || !result["status"].is_string())
    return not_a_result(result_json);
  SendOutcome outcome;
  const auto& status = result["status"].get_ref<const std::string&>();
  if (!read_status(status, outcome)) return unknown_status(status);
  if (const auto it = result.find("error"); it != result.end() && it->is_string()) outcome.error = *it;
  if (const auto it = result.find("retry_after_ms"); it != result.end() && it->is_number_integer())
    outcome.retry_after = std::max<std::int64_t>(0, it->get<std::int64_t>());
  if (const auto it = result.find("provider_id"); it != result.end() && it->is_string()) outcome.provider_id = *it;
  if (const auto it = result.find("answer"); it != result.end() && it->is_object()) outcome.answer = answer_text(*it);
  return outcome;
}

}  // namespace

// Every message's answer comes through here: its members are read straight from
// simdjson's document, and the provider's `answer` is written as nlohmann writes it
// (built as a tree only when it holds a floating-point number). The same outcome as
// parse_send_result_tree, where a member given twice counts as its last.
SendOutcome parse_send_result(const std::string& result_json) {
  SendOutcome outcome;
  std::optional<std::string_view> status;
  bool object = false;
  const bool read = json_text::detail::with_document(result_json, [&](simdjson::dom::element root) {
    simdjson::dom::object members;
    if (root.get(members) != simdjson::SUCCESS) return true;
    object = true;
    for (const auto member : members) {
      const std::string_view key = member.key;
      std::string_view text;
      const bool is_string = member.value.get(text) == simdjson::SUCCESS;
      if (key == "status") {
        status = is_string ? std::optional(text) : std::nullopt;
      } else if (key == "error") {
        outcome.error = is_string ? std::string(text) : std::string();
      } else if (key == "provider_id") {
        outcome.provider_id = is_string ? std::string(text) : std::string();
      } else if (key == "retry_after_ms") {
        std::int64_t signed_value = 0;
        std::uint64_t unsigned_value = 0;
        outcome.retry_after = 0;
        if (member.value.get(signed_value) == simdjson::SUCCESS)
          outcome.retry_after = std::max<std::int64_t>(0, signed_value);
        else if (member.value.get(unsigned_value) == simdjson::SUCCESS)  // beyond int64: nlohmann's get wraps
          outcome.retry_after = std::max<std::int64_t>(0, static_cast<std::int64_t>(unsigned_value));
      } else if (key == "answer") {
        outcome.answer = "{}";
        if (member.value.type() != simdjson::dom::element_type::OBJECT) continue;
        std::string text;
        if (append_answer_json(text, member.value)) {
          outcome.answer = std::move(text);
          continue;
        }
        nlohmann::json answer;
        if (!json_text::detail::build(member.value, answer)) return false;
        outcome.answer = answer_text(answer);
      }
    }
    return true;
  });
  if (!read) return parse_send_result_tree(result_json);
  if (!object || !status) return not_a_result(result_json);
  if (!read_status(*status, outcome)) return unknown_status(*status);
  return outcome;
}

}  // namespace parcours::host
