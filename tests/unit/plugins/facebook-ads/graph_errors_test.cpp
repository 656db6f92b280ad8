#include <catch2/catch.hpp>

#include <chrono>
#include <string>

#include "graph_errors.hpp"

using namespace std::chrono_literals;
using parcours::facebook_ads::classify;
using parcours::facebook_ads::FailedAnswer;
using parcours::facebook_ads::kDefaultRateLimitDelay;
using parcours::facebook_ads::parse_graph_error;
using parcours::facebook_ads::regain_access_delay;

namespace {

std::string graph_error(long code, long subcode = 0, const std::string& message = "Message describing the error",
                        const std::string& extra = "") {
  std::string body =
      R"({"error": {"message": ")" + message + R"(", "type": "OAuthException", "code": )" + std::to_string(code);
  if (subcode != 0) body += R"(, "error_subcode": )" + std::to_string(subcode);
  return body + extra + R"(, "fbtrace_id": "EJplcsCHuLu"}})";
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

}  // namespace

TEST_CASE("the Graph API error object is read as Meta documents it") {
  const auto error = parse_graph_error(R"({"error": {"message": "Message describing the error", "type":
      "OAuthException", "code": 190, "error_subcode": 460, "error_user_title": "A title", "error_user_msg":
      "A message", "fbtrace_id": "EJplcsCHuLu", "is_transient": false}})");
  REQUIRE(error);
  CHECK(error->code == 190);
  CHECK(error->subcode == 460);
  CHECK(error->type == "OAuthException");
  CHECK(error->message == "Message describing the error");
  CHECK(error->user_title == "A title");
  CHECK(error->user_message == "A message");
  CHECK(error->fbtrace_id == "EJplcsCHuLu");
  CHECK_FALSE(error->transient);
  CHECK_FALSE(parse_graph_error("<html>Bad gateway</html>"));
  CHECK_FALSE(parse_graph_error(R"({"audience_id": "1"})"));
}

TEST_CASE("an invalid or expired access token (190) fails for good, with Meta's code and message") {
  const auto verdict =
      classify({400, graph_error(190, 463, "Error validating access token: Session has expired"), "", std::nullopt});
  CHECK_FALSE(verdict.retry);
  CHECK(contains(verdict.error, "Graph API error 190/463 (OAuthException)"));
  CHECK(contains(verdict.error, "Session has expired"));
  CHECK(contains(verdict.error, "fbtrace_id EJplcsCHuLu"));
  CHECK(contains(verdict.error, "access_token"));
}

TEST_CASE("an unknown audience (100 with subcode 33, or 803) fails for good, naming the setting to check") {
  for (const auto& body : {graph_error(100, 33, "Unsupported post request. Object with ID '42' does not exist"),
                           graph_error(803, 0, "Some of the aliases you requested do not exist: 42")}) {
    const auto verdict = classify({400, body, "", std::nullopt});
    CHECK_FALSE(verdict.retry);
    CHECK(contains(verdict.error, "'audience'"));
  }
  const auto invalid = classify({400, graph_error(100, 0, "Invalid parameter"), "", std::nullopt});
  CHECK_FALSE(invalid.retry);
  CHECK(contains(invalid.error, "Invalid parameter"));
}

TEST_CASE("a missing permission (10, 200-299) fails for good") {
  for (long code : {10L, 200L, 294L}) {
    const auto verdict = classify({403, graph_error(code), "", std::nullopt});
    CHECK_FALSE(verdict.retry);
    CHECK(contains(verdict.error, "permission"));
  }
}

TEST_CASE("rate limits (4, 17, 32, 613, 80000-80014) are retried, not sooner than Meta can take them") {
  for (long code : {4L, 17L, 32L, 341L, 613L, 80003L, 80004L}) {
    INFO(code);
    const auto verdict = classify({400, graph_error(code, 0, "User request limit reached"), "", std::nullopt});
    CHECK(verdict.retry);
    CHECK(verdict.after == kDefaultRateLimitDelay);
    CHECK(contains(verdict.error, "User request limit reached"));
  }
  const std::string usage =
      R"({"1234": [{"type": "custom_audience", "call_count": 100, "total_cputime": 20, "total_time": 30,
          "estimated_time_to_regain_access": 12}]})";
  CHECK(classify({400, graph_error(80003), usage, std::nullopt}).after == 12min);
  CHECK(classify({400, graph_error(17), "", 90s}).after == 90s);
  CHECK(classify({400, graph_error(17), usage, 30min}).after == 30min);  // the longer of both
}

TEST_CASE("transient errors (1, 2, is_transient) and 5xx are retried with the host's back-off") {
  for (const auto& body :
       {graph_error(1, 0, "An unknown error occurred"), graph_error(2, 0, "Service temporarily unavailable"),
        graph_error(2650, 0, "Failed to update the custom audience", R"(, "is_transient": true)")}) {
    const auto verdict = classify({500, body, "", std::nullopt});
    CHECK(verdict.retry);
    CHECK(verdict.after == 0ms);
  }
  CHECK(classify({503, graph_error(2650), "", std::nullopt}).retry);  // an unknown code in a 5xx
  CHECK(classify({502, "<html>Bad gateway</html>", "", 20s}).after == 20s);
  // A permanent code wins over the status: a 500 that says the token is invalid stays invalid.
  CHECK_FALSE(classify({500, graph_error(190), "", std::nullopt}).retry);
}

TEST_CASE("an answer without a Graph API error is judged by its status") {
  const auto refused = classify({400, "not json", "", std::nullopt});
  CHECK_FALSE(refused.retry);
  CHECK(contains(refused.error, "HTTP 400"));
  CHECK(contains(refused.error, "not json"));
  CHECK(classify({429, "", "", std::nullopt}).retry);
  CHECK(classify({429, "", "", std::nullopt}).after == kDefaultRateLimitDelay);
}

TEST_CASE("X-Business-Use-Case-Usage gives the longest wait, in minutes, and nothing when it cannot be read") {
  CHECK(regain_access_delay(
            R"({"1": [{"type": "ads_management", "estimated_time_to_regain_access": 3},
                      {"type": "custom_audience", "estimated_time_to_regain_access": 7}],
                "2": [{"type": "custom_audience", "estimated_time_to_regain_access": 5}]})") == 7min);
  CHECK_FALSE(regain_access_delay(""));
  CHECK_FALSE(regain_access_delay("not json"));
  CHECK_FALSE(regain_access_delay(R"({"1": [{"type": "custom_audience", "estimated_time_to_regain_access": 0}]})"));
  CHECK(regain_access_delay(R"({"1": [{"estimated_time_to_regain_access": 100000}]})") == 24h);
}
