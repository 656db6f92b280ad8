#include <catch2/catch.hpp>

#include <chrono>
#include <string>

#include "gateway_answer.hpp"

using parcours::SendResult;
using parcours::http_client::Response;
using parcours::sms_plugin::Exchange;
using parcours::sms_plugin::read_answer;
using namespace std::chrono_literals;

namespace {

const std::string kToken = "tok-0123456789abcdef";
const std::string kBasic = "QUMxMjM6dG9rLTAxMjM0NTY3ODlhYmNkZWY=";  // base64("AC123:tok-0123456789abcdef")

Exchange exchange() {
  return {"http://127.0.0.1:9001/2010-04-01/Accounts/AC123/Messages.json",
          10'000ms,
          {kToken, kBasic},
          std::chrono::system_clock::from_time_t(1'796'112'000)};  // 2026-12-01T08:00:00Z
}

Response answer(long status, std::string body, std::map<std::string, std::string> headers = {}) {
  Response response;
  response.status = status;
  response.body = std::move(body);
  response.headers = std::move(headers);
  return response;
}

std::string twilio_error(int code, const std::string& message, int status) {
  return R"({"code": )" + std::to_string(code) + R"(, "message": ")" + message +
         R"(", "more_info": "https://www.twilio.com/docs/errors/)" + std::to_string(code) + R"(", "status": )" +
         std::to_string(status) + "}";
}

}  // namespace

TEST_CASE("201 with the message resource is delivered, the sid being the provider id") {
  const auto result = read_answer(
      answer(201, R"({"sid": "SM1f0e8ae6ade43cb3c0ce4525424e404f", "status": "queued", "num_segments": "1"})"),
      exchange());
  CHECK(result.status() == SendResult::Status::delivered);
  CHECK(result.provider_id() == "SM1f0e8ae6ade43cb3c0ce4525424e404f");
  CHECK(result.error().empty());
}

TEST_CASE("a 2xx without a sid is still delivered: sending again would send twice") {
  for (const auto& body : {std::string(), std::string("accepted"), std::string(R"({"id": 3})")}) {
    const auto result = read_answer(answer(200, body), exchange());
    CHECK(result.status() == SendResult::Status::delivered);
    CHECK(result.provider_id().empty());
  }
}

TEST_CASE("400 with Twilio's error 21211 fails for good, with its code, message and link") {
  const auto result = read_answer(
      answer(400, twilio_error(21211, "The 'To' number +3361 is not a valid phone number.", 400)), exchange());
  CHECK(result.status() == SendResult::Status::failed);
  CHECK(result.error() ==
        "http://127.0.0.1:9001/2010-04-01/Accounts/AC123/Messages.json answered 400: error 21211: The 'To' number "
        "+3361 is not a valid phone number. (https://www.twilio.com/docs/errors/21211)");
}

TEST_CASE("401 and 403 fail for good and point at the credentials, never showing them") {
  for (const long status : {401L, 403L}) {
    const auto result = read_answer(answer(status, twilio_error(20003, "Authenticate", 401)), exchange());
    CHECK(result.status() == SendResult::Status::failed);
    CHECK_THAT(result.error(), Catch::Contains("error 20003: Authenticate") && Catch::Contains("`account`") &&
                                   Catch::Contains("`token`"));
  }
}

TEST_CASE("404 fails for good and points at the url") {
  const auto result =
      read_answer(answer(404, twilio_error(20404, "The requested resource was not found", 404)), exchange());
  CHECK(result.status() == SendResult::Status::failed);
  CHECK_THAT(result.error(), Catch::Contains("answered 404") && Catch::Contains("`url`"));
}

TEST_CASE("429 is retried after its Retry-After, in seconds or as a date") {
  auto result =
      read_answer(answer(429, twilio_error(20429, "Too Many Requests", 429), {{"retry-after", "120"}}), exchange());
  CHECK(result.status() == SendResult::Status::retry);
  CHECK(result.retry_after() == 120s);
  CHECK_THAT(result.error(),
             Catch::Contains("answered 429: error 20429: Too Many Requests") && Catch::Contains("Retry-After (120 s)"));

  result = read_answer(answer(429, "", {{"retry-after", "Tue, 01 Dec 2026 08:05:00 GMT"}}), exchange());
  CHECK(result.status() == SendResult::Status::retry);
  CHECK(result.retry_after() == 300s);

  result = read_answer(answer(429, ""), exchange());
  CHECK(result.status() == SendResult::Status::retry);
  CHECK(result.retry_after() == 0ms);  // none given: the host's back-off
}

TEST_CASE("5xx and 408 are retried, with whatever the body says") {
  for (const long status : {500L, 502L, 503L, 504L, 408L}) {
    const auto result = read_answer(answer(status, "<html>Bad gateway</html>"), exchange());
    CHECK(result.status() == SendResult::Status::retry);
    CHECK_THAT(result.error(), Catch::Contains("answered " + std::to_string(status)) &&
                                   Catch::Contains("\"<html>Bad gateway</html>\""));
  }
  const auto result = read_answer(answer(503, "", {{"retry-after", "30"}}), exchange());
  CHECK(result.retry_after() == 30s);
  CHECK_THAT(result.error(), Catch::Contains("no details in the answer"));
}

TEST_CASE("no answer is retried: a timeout names the setting, a refused connection the reason") {
  Response timed_out;
  timed_out.timed_out = true;
  timed_out.error = "no answer within 10000 ms";
  auto result = read_answer(timed_out, exchange());
  CHECK(result.status() == SendResult::Status::retry);
  CHECK(result.error() ==
        "no answer from http://127.0.0.1:9001/2010-04-01/Accounts/AC123/Messages.json within 10000 ms (the channel's "
        "`timeout`)");

  Response refused;
  refused.error = "Couldn't connect to server";
  result = read_answer(refused, exchange());
  CHECK(result.status() == SendResult::Status::retry);
  CHECK_THAT(result.error(),
             Catch::StartsWith("cannot reach http://127.0.0.1:9001/") && Catch::EndsWith("Couldn't connect to server"));
}

TEST_CASE("a redirect fails for good and names where it points, without its query") {
  const auto result = read_answer(
      answer(301, "", {{"location", "https://api.example.test/2010-04-01/Accounts/AC123/Messages.json?token=x"}}),
      exchange());
  CHECK(result.status() == SendResult::Status::failed);
  CHECK_THAT(result.error(), Catch::Contains("(https://api.example.test/2010-04-01/Accounts/AC123/Messages.json)"));
}

TEST_CASE("a gateway echoing the credentials back never puts them in an error") {
  const std::string body =
      "{\"code\": 21602, \"message\": \"Bad request from Basic " + kBasic + " (token " + kToken + ")\"}";
  const auto result = read_answer(answer(400, body), exchange());
  CHECK(result.status() == SendResult::Status::failed);
  CHECK(result.error().find(kToken) == std::string::npos);
  CHECK(result.error().find(kBasic) == std::string::npos);
  CHECK_THAT(result.error(), Catch::Contains("Basic [secret] (token [secret])"));
  const auto echoed = read_answer(answer(500, "Authorization: Basic " + kBasic), exchange());
  CHECK(echoed.error().find(kBasic) == std::string::npos);
}
