#include "graph_errors.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>

#include "http_client.hpp"

namespace parcours::facebook_ads {
namespace {

using nlohmann::json;

// Graph returns codes as numbers; a string of digits is read too rather than lost.
long number_of(const json& object, const char* key) {
  const auto it = object.find(key);
  if (it == object.end()) return 0;
  if (it->is_number_integer()) return it->get<long>();
  if (it->is_string()) {
    const auto& text = it->get_ref<const std::string&>();
    if (!text.empty() && text.size() < 12 &&
        std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; }))
      return std::stol(text);
  }
  return 0;
}

std::string string_of(const json& object, const char* key) {
  const auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// Rate limits (Marketing API "Rate Limiting", Graph API "Rate Limits" and "Handling
// Errors"): 4 application, 17 user, 32 page, 613 custom rate limit, 80000-80014 the
// Business Use Case limits (80003: custom audiences), 341 application limit reached,
// 368 temporarily blocked ("wait and retry the operation").
bool is_rate_limit(long code) {
  return code == 4 || code == 17 || code == 32 || code == 341 || code == 368 || code == 613 ||
         (code >= 80000 && code <= 80014);
}

// "API Unknown" and "API Service": temporary issues due to downtime.
bool is_transient_code(long code) {
  return code == 1 || code == 2;
}

bool is_token_error(long code) {
  return code == 190 || code == 102;
}

// 10 "API Permission Denied", 200-299 "API Permission (multiple values depending on
// permission)"; 294 is the ads_management one the users edge lists.
bool is_permission_error(long code) {
  return code == 10 || (code >= 200 && code <= 299);
}

// 803 "Some of the aliases you requested do not exist"; 100 with subcode 33 "Object with
// ID ... does not exist, cannot be loaded due to missing permissions, or does not
// support this operation".
bool is_unknown_object(long code, long subcode) {
  return code == 803 || (code == 100 && subcode == 33);
}

std::string describe(const GraphError& error) {
  std::string out = "Graph API error " + std::to_string(error.code);
  if (error.subcode != 0) out += "/" + std::to_string(error.subcode);
  if (!error.type.empty()) out += " (" + error.type + ")";
  out += ": " + (error.message.empty() ? std::string("no message") : error.message);
  if (!error.user_message.empty())
    out += " — " + (error.user_title.empty() ? std::string() : error.user_title + ": ") + error.user_message;
  if (!error.fbtrace_id.empty()) out += " [fbtrace_id " + error.fbtrace_id + "]";
  return out;
}

std::string minutes_text(std::chrono::milliseconds delay) {
  const auto minutes = std::chrono::duration_cast<std::chrono::minutes>(delay + std::chrono::seconds(59)).count();
  return std::to_string(std::max<long>(1, static_cast<long>(minutes))) + " min";
}

Verdict rate_limited(const FailedAnswer& answer, std::string what) {
  std::chrono::milliseconds after = answer.retry_after.value_or(std::chrono::milliseconds(0));
  if (const auto regain = regain_access_delay(answer.business_use_case_usage)) after = std::max(after, *regain);
  if (after.count() == 0) after = kDefaultRateLimitDelay;
  return {true, after,
          std::move(what) + ". Meta is limiting the calls of this app or ad account: retried in " +
              minutes_text(after) + " (a larger max_batch sends fewer requests)"};
}

}  // namespace

std::optional<GraphError> parse_graph_error(std::string_view body) {
  const json answer = json::parse(body, nullptr, false);
  if (!answer.is_object()) return std::nullopt;
  const auto it = answer.find("error");
  if (it == answer.end() || !it->is_object()) return std::nullopt;
  GraphError error;
  error.code = number_of(*it, "code");
  error.subcode = number_of(*it, "error_subcode");
  error.type = string_of(*it, "type");
  error.message = string_of(*it, "message");
  error.user_title = string_of(*it, "error_user_title");
  error.user_message = string_of(*it, "error_user_msg");
  error.fbtrace_id = string_of(*it, "fbtrace_id");
  const auto transient = it->find("is_transient");
  error.transient = transient != it->end() && transient->is_boolean() && transient->get<bool>();
  return error;
}

std::optional<std::chrono::milliseconds> regain_access_delay(std::string_view business_use_case_usage) {
  if (business_use_case_usage.empty()) return std::nullopt;
  const json usage = json::parse(business_use_case_usage, nullptr, false);
  if (!usage.is_object()) return std::nullopt;
  long minutes = 0;
  for (const auto& [business, entries] : usage.items()) {
    if (!entries.is_array()) continue;
    for (const auto& entry : entries)
      if (entry.is_object()) minutes = std::max(minutes, number_of(entry, "estimated_time_to_regain_access"));
  }
  if (minutes <= 0) return std::nullopt;
  return std::chrono::minutes(std::min(minutes, 24L * 60));  // a day at most: a bad header must not park messages
}

Verdict classify(const FailedAnswer& answer) {
  const std::string http = "HTTP " + std::to_string(answer.status);
  const auto error = parse_graph_error(answer.body);
  if (!error) {
    const std::string what = "Meta answered " + http + " without a Graph API error: " +
                             http_client::excerpt(answer.body.empty() ? "(empty body)" : answer.body);
    if (answer.status == 429) return rate_limited(answer, what);
    if (answer.status >= 500)
      return {true, answer.retry_after.value_or(std::chrono::milliseconds(0)), what + "; retried later"};
    return {false, {}, what};
  }

  const std::string what = describe(*error);
  if (is_rate_limit(error->code) || answer.status == 429) return rate_limited(answer, what);
  if (is_token_error(error->code))
    return {false,
            {},
            what +
                ". The access token is invalid or has expired: generate a new one (a system user token for a "
                "server) and set it as the channel's access_token"};
  if (is_permission_error(error->code))
    return {false,
            {},
            what +
                ". The token lacks a permission: it needs ads_management, and access to this ad account's "
                "audience (or pixel)"};
  if (is_unknown_object(error->code, error->subcode))
    return {false,
            {},
            what +
                ". Meta has no such Custom Audience or pixel, or the token cannot see it: check the step's "
                "'audience' (or the channel's 'audience' / 'pixel_id' setting)"};
  if (is_transient_code(error->code) || error->transient)
    return {true, answer.retry_after.value_or(std::chrono::milliseconds(0)),
            what + ". A temporary problem at Meta: retried later"};
  if (answer.status >= 500)
    return {true, answer.retry_after.value_or(std::chrono::milliseconds(0)), what + " (" + http + "): retried later"};
  return {false, {}, what + " (" + http + ")"};
}

}  // namespace parcours::facebook_ads
