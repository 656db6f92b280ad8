// What a failed Graph API answer means for the message: try again later (rate limit,
// transient outage, 5xx) or failed for good (invalid token, unknown audience, missing
// permission, invalid parameter), with Meta's own message and code in the error.
//
// Sources: Graph API "Handling Errors" (the error object {"error": {"message", "type",
// "code", "error_subcode", "error_user_title", "error_user_msg", "fbtrace_id",
// "is_transient"}} and its code table), Marketing API "Rate Limiting" and Graph API
// "Rate Limits" (codes 4, 17, 32, 613 and the Business Use Case codes 80000-80014; the
// X-Business-Use-Case-Usage header whose estimated_time_to_regain_access is in
// minutes).
//
// Pure functions: tests/unit/plugins/facebook-ads/ checks the classification.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace parcours::facebook_ads {

// The "error" object of a Graph API answer.
struct GraphError {
  long code = 0;
  long subcode = 0;  // error_subcode; 0 when absent
  std::string type;  // e.g. "OAuthException"
  std::string message;
  std::string user_title;    // error_user_title
  std::string user_message;  // error_user_msg
  std::string fbtrace_id;
  bool transient = false;  // is_transient
};

// The error object of `body`, or nothing when the body holds none.
std::optional<GraphError> parse_graph_error(std::string_view body);

// The longest estimated_time_to_regain_access (minutes) of an X-Business-Use-Case-Usage
// header ({"<business id>": [{"type": ..., "estimated_time_to_regain_access": N}, ...]}),
// as a delay; nothing when the header is absent, malformed or says 0.
std::optional<std::chrono::milliseconds> regain_access_delay(std::string_view business_use_case_usage);

// A Graph API answer that is not a success (status ≥ 300), as the channel reads it.
struct FailedAnswer {
  long status = 0;
  std::string body;
  std::string business_use_case_usage;                   // the header, "" when absent
  std::optional<std::chrono::milliseconds> retry_after;  // Retry-After, when given
};

// The decision for every message the request carried.
struct Verdict {
  bool retry = false;                  // false: failed for good
  std::chrono::milliseconds after{0};  // retry only: the delay to wait at least (0: the host's back-off)
  std::string error;                   // for the message log: Meta's code and message, and what to do
};

// How long to wait after a rate limit when Meta gives no estimate: its Business Use
// Case quotas are counted over a rolling hour, so retrying within seconds only fails again.
inline constexpr std::chrono::minutes kDefaultRateLimitDelay{5};

Verdict classify(const FailedAnswer& answer);

}  // namespace parcours::facebook_ads
