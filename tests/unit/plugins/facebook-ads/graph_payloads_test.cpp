#include <catch2/catch.hpp>

#include "graph_payloads.hpp"

using nlohmann::json;
using parcours::facebook_ads::AudienceMember;
using parcours::facebook_ads::conversion_event;
using parcours::facebook_ads::custom_data;
using parcours::facebook_ads::invalid_sample_for;
using parcours::facebook_ads::parse_events_answer;
using parcours::facebook_ads::parse_users_answer;
using parcours::facebook_ads::users_payload;

namespace {
const std::string kEmail(64, 'e');
const std::string kPhone(64, 'f');
const std::string kOther(64, 'a');
}  // namespace

TEST_CASE("a users payload lists the identifiers of the batch in the schema's order, \"\" for one a person lacks") {
  const json payload = users_payload({{kEmail, kPhone}, {kOther, ""}, {"", kPhone}});
  CHECK(payload["schema"] == json::array({"EMAIL", "PHONE"}));
  CHECK(payload["data"] ==
        json::array({json::array({kEmail, kPhone}), json::array({kOther, ""}), json::array({"", kPhone})}));
}

TEST_CASE("a batch of emails only has an EMAIL column only") {
  const json payload = users_payload({{kEmail, ""}, {kOther, ""}});
  CHECK(payload["schema"] == json::array({"EMAIL"}));
  CHECK(payload["data"] == json::array({json::array({kEmail}), json::array({kOther})}));
}

TEST_CASE("the users edge's answer is read, and an invalid entry is traced to its member") {
  const auto answer = parse_users_answer(
      R"({"audience_id": "23851234567890123", "session_id": "9778993", "num_received": 3, "num_invalid_entries": 1,
          "invalid_entry_samples": {")" +
      kOther + R"(": "invalid hash"}})");
  REQUIRE(answer);
  CHECK(answer->audience_id == "23851234567890123");
  CHECK(answer->session_id == "9778993");
  CHECK(answer->num_received == 3);
  CHECK(answer->num_invalid_entries == 1);
  CHECK(invalid_sample_for(*answer, {kOther, ""}) == std::optional<std::string>("invalid hash"));
  CHECK_FALSE(invalid_sample_for(*answer, {kEmail, kPhone}));
  CHECK_FALSE(parse_users_answer(R"({"success": true})"));
  CHECK_FALSE(parse_users_answer("not json"));
}

TEST_CASE("a conversion event carries its name, time in seconds, id for deduplication and hashed user data") {
  const json event = conversion_event("Purchase", 1764669600, "m-81f2", "system_generated", {kEmail, ""}, kOther);
  CHECK(event == json{{"event_name", "Purchase"},
                      {"event_time", 1764669600},
                      {"event_id", "m-81f2"},
                      {"action_source", "system_generated"},
                      {"user_data", {{"em", json::array({kEmail})}, {"external_id", json::array({kOther})}}}});
  const auto answer = parse_events_answer(R"({"events_received": 2, "messages": [], "fbtrace_id": "ABc"})");
  REQUIRE(answer);
  CHECK(answer->events_received == 2);
  CHECK(answer->fbtrace_id == "ABc");
  CHECK_FALSE(parse_events_answer(R"({"error": {}})"));
}

TEST_CASE("a conversion's custom_data: the value a number, the currency upper-cased, the order id as given") {
  CHECK(custom_data("", "", "") == json::object());
  CHECK(custom_data("89.90", "eur", "o-17") == json{{"value", 89.9}, {"currency", "EUR"}, {"order_id", "o-17"}});
  CHECK(custom_data("42", "USD", "") == json{{"value", 42.0}, {"currency", "USD"}});
  CHECK(custom_data("-5.5", "EUR", "")["value"] == -5.5);  // a refund
  CHECK(custom_data("", "", "o-18") == json{{"order_id", "o-18"}});
  const json event =
      conversion_event("Purchase", 1764669600, "m-1", "website", {kEmail, ""}, "", custom_data("10", "GBP", ""));
  CHECK(event["custom_data"] == json{{"value", 10.0}, {"currency", "GBP"}});
  CHECK_FALSE(conversion_event("Lead", 1764669600, "m-2", "website", {kEmail, ""}, "").contains("custom_data"));
}

TEST_CASE("custom_data refuses a value that is not a number, a value without a currency, and a bad currency") {
  const auto refusal = [](const std::string& value, const std::string& currency) {
    try {
      custom_data(value, currency, "");
    } catch (const std::invalid_argument& error) {
      return std::string(error.what());
    }
    return std::string("accepted");
  };
  for (const char* value : {"12 EUR", "1,5", "abc", "€12", "inf", "nan", " 12", "0x1p3"}) {
    INFO(value);
    CHECK(refusal(value, "EUR").find("parameter 'value' must be a number") != std::string::npos);
  }
  CHECK(refusal("12", "").find("'value' needs a 'currency'") != std::string::npos);
  for (const char* currency : {"EURO", "E1R", "€", "eu"}) {
    INFO(currency);
    CHECK(refusal("12", currency).find("parameter 'currency' must be a three-letter ISO 4217 code") !=
          std::string::npos);
  }
}
