#include "graph_payloads.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <stdexcept>

namespace parcours::facebook_ads {
namespace {

using nlohmann::json;

// Graph answers ids as numeric strings and counts as numbers; either form is read.
std::string text_of(const json& object, const char* key) {
  const auto it = object.find(key);
  if (it == object.end()) return {};
  if (it->is_string()) return it->get<std::string>();
  if (it->is_number_integer()) return std::to_string(it->get<std::int64_t>());
  return {};
}

std::int64_t count_of(const json& object, const char* key) {
  const auto it = object.find(key);
  if (it == object.end()) return 0;
  if (it->is_number_integer()) return it->get<std::int64_t>();
  if (it->is_string()) {
    const auto parsed = json::parse(it->get<std::string>(), nullptr, false);
    if (parsed.is_number_integer()) return parsed.get<std::int64_t>();
  }
  return 0;
}

}  // namespace

nlohmann::json users_payload(const std::vector<AudienceMember>& members) {
  bool emails = false;
  bool phones = false;
  for (const auto& member : members) {
    emails = emails || !member.email_sha256.empty();
    phones = phones || !member.phone_sha256.empty();
  }
  json schema = json::array();
  if (emails) schema.push_back("EMAIL");
  if (phones) schema.push_back("PHONE");
  json data = json::array();
  for (const auto& member : members) {
    json row = json::array();
    if (emails) row.push_back(member.email_sha256);
    if (phones) row.push_back(member.phone_sha256);
    data.push_back(std::move(row));
  }
  return {{"schema", std::move(schema)}, {"data", std::move(data)}};
}

std::optional<UsersAnswer> parse_users_answer(std::string_view body) {
  const json answer = json::parse(body, nullptr, false);
  if (!answer.is_object() || !answer.contains("num_received")) return std::nullopt;
  UsersAnswer out;
  out.audience_id = text_of(answer, "audience_id");
  out.session_id = text_of(answer, "session_id");
  out.num_received = count_of(answer, "num_received");
  out.num_invalid_entries = count_of(answer, "num_invalid_entries");
  if (const auto it = answer.find("invalid_entry_samples"); it != answer.end() && it->is_object())
    out.invalid_entry_samples = *it;
  return out;
}

std::optional<std::string> invalid_sample_for(const UsersAnswer& answer, const AudienceMember& member) {
  if (answer.num_invalid_entries <= 0) return std::nullopt;
  for (const auto& [key, value] : answer.invalid_entry_samples.items()) {
    const std::string said = value.is_string() ? value.get<std::string>() : value.dump();
    for (const std::string* hash : {&member.email_sha256, &member.phone_sha256}) {
      if (hash->empty()) continue;
      if (key == *hash) return said;
      if (said == *hash) return key;
    }
  }
  return std::nullopt;
}

const std::vector<std::string>& action_sources() {
  static const std::vector<std::string> sources{
      "email", "website", "app", "phone_call", "chat", "physical_store", "system_generated", "business_messaging",
      "other"};
  return sources;
}

nlohmann::json conversion_event(const std::string& event_name, std::int64_t event_time_seconds,
                                const std::string& event_id, const std::string& action_source,
                                const AudienceMember& person, const std::string& external_id_sha256,
                                nlohmann::json custom_data) {
  json user_data = json::object();
  if (!person.email_sha256.empty()) user_data["em"] = json::array({person.email_sha256});
  if (!person.phone_sha256.empty()) user_data["ph"] = json::array({person.phone_sha256});
  if (!external_id_sha256.empty()) user_data["external_id"] = json::array({external_id_sha256});
  json event{{"event_name", event_name},
             {"event_time", event_time_seconds},
             {"action_source", action_source},
             {"user_data", std::move(user_data)}};
  if (!event_id.empty()) event["event_id"] = event_id;
  if (custom_data.is_object() && !custom_data.empty()) event["custom_data"] = std::move(custom_data);
  return event;
}

nlohmann::json custom_data(const std::string& value, const std::string& currency, const std::string& order_id) {
  json data = json::object();
  if (!value.empty()) {
    // from_chars: a dot is the decimal point whatever the locale, and the whole text
    // must be the number ("12 EUR" or "1,5" are refused rather than cut short).
    double amount = 0;
    const char* end = value.data() + value.size();
    const auto [stop, error] = std::from_chars(value.data(), end, amount);
    if (error != std::errc() || stop != end || !std::isfinite(amount))
      throw std::invalid_argument(
          "parameter 'value' must be a number such as \"89.90\" (a dot before the "
          "decimals, no currency sign), not \"" +
          value + "\"");
    if (currency.empty())
      throw std::invalid_argument(
          "parameter 'value' needs a 'currency': Meta counts a value only with its "
          "ISO 4217 code, e.g. currency = \"EUR\"");
    data["value"] = amount;
  }
  if (!currency.empty()) {
    if (currency.size() != 3 || !std::all_of(currency.begin(), currency.end(),
                                             [](char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); }))
      throw std::invalid_argument("parameter 'currency' must be a three-letter ISO 4217 code such as \"EUR\", not \"" +
                                  currency + "\"");
    std::string code = currency;
    for (char& c : code) c = static_cast<char>(c >= 'a' ? c - 'a' + 'A' : c);
    data["currency"] = code;
  }
  if (!order_id.empty()) data["order_id"] = order_id;
  return data;
}

std::optional<EventsAnswer> parse_events_answer(std::string_view body) {
  const json answer = json::parse(body, nullptr, false);
  if (!answer.is_object() || !answer.contains("events_received")) return std::nullopt;
  EventsAnswer out;
  out.events_received = count_of(answer, "events_received");
  out.fbtrace_id = text_of(answer, "fbtrace_id");
  if (const auto it = answer.find("messages"); it != answer.end() && it->is_array())
    for (const auto& message : *it)
      out.messages.push_back(message.is_string() ? message.get<std::string>() : message.dump());
  return out;
}

}  // namespace parcours::facebook_ads
