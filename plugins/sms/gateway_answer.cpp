#include "gateway_answer.hpp"

#include <nlohmann/json.hpp>

namespace parcours::sms_plugin {
namespace {

// Every occurrence of a secret replaced, should a gateway echo one back.
std::string without_secrets(std::string text, const std::vector<std::string>& secrets) {
  for (const auto& secret : secrets) {
    if (secret.empty()) continue;
    for (auto at = text.find(secret); at != std::string::npos; at = text.find(secret, at + 8))
      text.replace(at, secret.size(), "[secret]");
  }
  return text;
}

// What the answer's body says went wrong: Twilio's error object
// {"code": 21211, "message": "...", "more_info": "https://...", "status": 400} as
// "error 21211: <message> (<more_info>)", else the start of the body.
std::string gateway_error(const std::string& body) {
  const auto json = nlohmann::json::parse(body, nullptr, false);
  if (json.is_object() && json.contains("message") && json["message"].is_string()) {
    std::string out;
    if (const auto code = json.find("code"); code != json.end() && code->is_number_integer())
      out = "error " + std::to_string(code->get<long long>()) + ": ";
    out += json["message"].get<std::string>();
    if (const auto more = json.find("more_info"); more != json.end() && more->is_string() && !more->empty())
      out += " (" + more->get<std::string>() + ")";
    return http_client::excerpt(out, 500);
  }
  if (body.empty()) return "no details in the answer";
  return "\"" + http_client::excerpt(body, 200) + "\"";
}

}  // namespace

SendResult read_answer(const http_client::Response& response, const Exchange& exchange) {
  const auto retry = [&](std::string error, std::chrono::milliseconds after = std::chrono::milliseconds(0)) {
    return SendResult::retry(without_secrets(std::move(error), exchange.secrets), after);
  };
  const auto failed = [&](std::string error) {
    return SendResult::failed(without_secrets(std::move(error), exchange.secrets));
  };

  if (!response.answered()) {
    if (response.timed_out)
      return retry("no answer from " + exchange.shown_url + " within " + std::to_string(exchange.timeout.count()) +
                   " ms (the channel's `timeout`)");
    return retry("cannot reach " + exchange.shown_url + ": " + response.error);
  }

  const long status = response.status;
  if (status >= 200 && status < 300) {
    const auto json = nlohmann::json::parse(response.body, nullptr, false);
    std::string sid;
    if (json.is_object())
      if (const auto it = json.find("sid"); it != json.end() && it->is_string()) sid = it->get<std::string>();
    // Accepted, even without a sid to keep: sending it again would send it twice.
    return SendResult::delivered(sid);
  }

  const std::string said =
      exchange.shown_url + " answered " + std::to_string(status) + ": " + gateway_error(response.body);
  if (status == 408 || status == 429 || status >= 500) {
    const auto after = http_client::retry_after(response, exchange.now);
    std::string error = said;
    if (after) error += "; trying again after its Retry-After (" + std::to_string(after->count() / 1000) + " s)";
    return retry(std::move(error), after.value_or(std::chrono::milliseconds(0)));
  }
  if (status == 401 || status == 403)
    return failed(said + " — check the channel's `account` (the Account SID) and `token` (its auth token)");
  if (status == 404)
    return failed(said + " — check the channel's `url`: the Messages endpoint, with the account SID in its path");
  if (status >= 300 && status < 400)
    return failed(said + " — a redirect: set the channel's `url` to the address it points to (" +
                  http_client::shown_url(response.header("location")) + ")");
  return failed(said);
}

}  // namespace parcours::sms_plugin
