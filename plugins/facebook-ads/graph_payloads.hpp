// The bodies the channel sends to the Graph API and the answers it reads back, for
// the two edges it uses:
//
//  - Custom Audience users (POST to add, DELETE to remove, {audience_id}/users):
//    `payload` = {"schema": ["EMAIL", "PHONE"], "data": [["<sha256>", "<sha256>"], ...]},
//    the multi-key schema of Meta's "Customer File Custom Audiences" guide, where each
//    row holds one person's hashed identifiers in the schema's order ("" for one the
//    person lacks). The answer: {"audience_id", "session_id", "num_received",
//    "num_invalid_entries", "invalid_entry_samples": {string: string}}.
//  - Conversions API events (POST {pixel_id}/events): `data` = [{"event_name",
//    "event_time" (Unix seconds), "event_id", "action_source", "user_data": {"em":
//    [sha256], "ph": [sha256], "external_id": [sha256]}, "custom_data": {"value",
//    "currency", "order_id"}}] (custom_data only when the step gives it). The answer:
//    {"events_received", "messages", "fbtrace_id"}.
//
// Pure functions: tests/unit/plugins/facebook-ads/ checks them.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace parcours::facebook_ads {

// One person of a batch: the hashes of its identifiers ("" for one it lacks; never both).
struct AudienceMember {
  std::string email_sha256;
  std::string phone_sha256;
};

// The `payload` of a users request: the schema names only the identifiers some member
// of the batch has, so no column is empty throughout.
nlohmann::json users_payload(const std::vector<AudienceMember>& members);

struct UsersAnswer {
  std::string audience_id;
  std::string session_id;
  std::int64_t num_received = 0;
  std::int64_t num_invalid_entries = 0;
  nlohmann::json invalid_entry_samples = nlohmann::json::object();
};

// The answer of a successful users request; nothing when the body is not that object.
std::optional<UsersAnswer> parse_users_answer(std::string_view body);

// What Meta says of `member` when its invalid_entry_samples name one of its hashes
// (as a key or a value: Meta documents the map's type, not its sides); nothing otherwise.
std::optional<std::string> invalid_sample_for(const UsersAnswer& answer, const AudienceMember& member);

// The action_source values Meta documents for server events ("Server Event
// Parameters", action_source).
const std::vector<std::string>& action_sources();

// One Conversions API server event. `event_id` lets Meta deduplicate a retried event;
// `custom_data` (from custom_data() below) is left out when empty.
nlohmann::json conversion_event(const std::string& event_name, std::int64_t event_time_seconds,
                                const std::string& event_id, const std::string& action_source,
                                const AudienceMember& person, const std::string& external_id_sha256,
                                nlohmann::json custom_data = nlohmann::json::object());

// A conversion's custom_data (Meta's "Custom Data Parameters"), from a step's rendered
// parameters: `value` a decimal number as text ("89.90"; what "{{event.total}}" gives),
// `currency` an ISO 4217 code (upper-cased), `order_id` as given. Meta counts a value
// only with its currency, so a value without one is refused. Empty strings are absent.
// Throws std::invalid_argument naming the parameter and what it expects.
nlohmann::json custom_data(const std::string& value, const std::string& currency, const std::string& order_id);

struct EventsAnswer {
  std::int64_t events_received = 0;
  std::string fbtrace_id;
  std::vector<std::string> messages;
};

// The answer of a successful events request; nothing when the body is not that object.
std::optional<EventsAnswer> parse_events_answer(std::string_view body);

}  // namespace parcours::facebook_ads
