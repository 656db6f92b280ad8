// The `facebook-ads` channel: adds contacts to (or removes them from) a Meta Custom
// Audience, and forwards conversion events to the Conversions API. A journey step
// `send = "ads"` with `audience = "<id>"` puts the contact in that audience; with
// `action = "remove"` it takes the contact out; with `event_name = "Purchase"` it
// reports a conversion for the contact to the channel's pixel (dataset) instead, with
// its `value`, `currency` and `order_id` when the step gives them.
//
// What matters here:
//  - contacts are matched by their hashed email and phone (contact_identifiers.hpp);
//    nothing readable about them leaves the host;
//  - many sends become one request: each send() joins the open batch of its audience
//    and action (or of the pixel) and waits for it to be sent (send_batcher.hpp). The
//    host's `concurrency` on the channel is how many sends can wait together, so it
//    bounds the batch size: set it high (100 or more) for large batches;
//  - Graph API errors become retry or failed for good (graph_errors.hpp);
//  - the access token travels in the request body only, and every error and log line
//    is scrubbed of it: it never reaches the host's log or message log;
//  - the constructor only checks settings (parcours validate creates instances); the
//    connection pool fills at the first request.
#include <parcours/sdk.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "contact_identifiers.hpp"
#include "graph_errors.hpp"
#include "graph_payloads.hpp"
#include "http_client.hpp"
#include "phone_number.hpp"
#include "send_batcher.hpp"

#ifndef PARCOURS_FACEBOOK_ADS_PLUGIN_VERSION
#error "the build defines PARCOURS_FACEBOOK_ADS_PLUGIN_VERSION (the Parcours version)"
#endif

namespace {

using parcours::SendResult;
using parcours::facebook_ads::AudienceMember;
namespace fb = parcours::facebook_ads;
namespace http = parcours::http_client;

// Meta takes at most 10,000 users per users request and 1,000 events per events request.
constexpr std::int64_t kMaxUsersPerRequest = 10'000;
constexpr std::size_t kMaxEventsPerRequest = 1'000;
// A send waits for its batch on one of the host's send threads: a longer window would
// hold the host's dispatch round for nothing.
constexpr std::chrono::seconds kMaxBatchWindow{60};

bool all_digits(const std::string& text) {
  return !text.empty() && text.size() <= 32 &&
         std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// A step parameter as a string: rendered by the host as Mustache, so a string, but a
// number written in TOML is read too.
std::string param_text(const nlohmann::json& params, const char* name) {
  const auto it = params.find(name);
  if (it == params.end() || it->is_null()) return {};
  if (it->is_string()) return it->get<std::string>();
  if (it->is_number_integer()) return std::to_string(it->get<std::int64_t>());
  return it->dump();
}

// A contact attribute as text: a phone stored as a JSON number is still a phone.
std::string attribute_text(const parcours::Contact& contact, const char* name) {
  const auto it = contact.attributes.find(name);
  if (it == contact.attributes.end()) return {};
  if (it->is_string()) return it->get<std::string>();
  if (it->is_number_integer()) return std::to_string(it->get<std::int64_t>());
  return {};
}

// The client's `country` (client.toml), from the host's context (ABI 1.2); "" when the
// host does not say.
std::string client_country(const parcours::Host& host) {
  const nlohmann::json context = host.context();
  const auto it = context.find("country");
  return it != context.end() && it->is_string() ? it->get<std::string>() : std::string();
}

bool templated(const std::string& value) {
  return value.find("{{") != std::string::npos;
}

class FacebookAdsChannel final : public parcours::Channel {
 public:
  // Reads the message's fields, never its whole wire form (parcours::Message::wire).
  static constexpr bool kReadsMessageWire = false;

  FacebookAdsChannel(const parcours::Settings& settings, parcours::Host host)
      : host_(host),
        client_country_(client_country(host)),
        graph_url_(settings.string("graph_url")),
        access_token_(settings.secret("access_token")),
        audience_(settings.string("audience", "")),
        pixel_id_(settings.string("pixel_id", "")),
        action_source_(settings.string("action_source")),
        test_event_code_(settings.string("test_event_code", "")),
        timeout_(settings.duration("timeout")),
        users_(
            settings.duration("batch_window"), checked_max_batch(settings.integer("max_batch")),
            [this](const std::string& key, const std::vector<AudienceMember>& members) {
              return send_users(key, members);
            },
            [](const std::string& problem) { return SendResult::retry(problem); }),
        events_(
            settings.duration("batch_window"),
            std::min(checked_max_batch(settings.integer("max_batch")), kMaxEventsPerRequest),
            [this](const std::string& pixel, const std::vector<nlohmann::json>& events) {
              return send_events(pixel, events);
            },
            [](const std::string& problem) { return SendResult::retry(problem); }) {
    while (graph_url_.ends_with('/')) graph_url_.pop_back();
    if (!graph_url_.starts_with("https://") && !graph_url_.starts_with("http://"))
      throw std::runtime_error("setting 'graph_url' must be an http(s) URL such as https://graph.facebook.com/v19.0");
    if (graph_url_.find_first_of("?#") != std::string::npos)
      throw std::runtime_error("setting 'graph_url' must not have a query or fragment: the access token is sent apart");
    if (access_token_.empty())
      throw std::runtime_error("setting 'access_token' is empty: give the Marketing API token (e.g. \"${FB_TOKEN}\")");
    if (!audience_.empty() && !all_digits(audience_))
      throw std::runtime_error(
          "setting 'audience' must be a Custom Audience id (digits only), as Ads Manager shows it");
    if (!pixel_id_.empty() && !all_digits(pixel_id_))
      throw std::runtime_error(
          "setting 'pixel_id' must be a pixel (dataset) id (digits only), as Events Manager shows it");
    const auto& sources = fb::action_sources();
    if (std::find(sources.begin(), sources.end(), action_source_) == sources.end()) {
      std::string known;
      for (const auto& source : sources) known += (known.empty() ? "" : ", ") + source;
      throw std::runtime_error("setting 'action_source' must be one of Meta's values: " + known);
    }
    if (settings.duration("batch_window") > kMaxBatchWindow)
      throw std::runtime_error("setting 'batch_window' must be at most 1m: a send waits that long on a host thread");
  }

  ~FacebookAdsChannel() override {
    // Open batches are sent now rather than after their window; sends that come later
    // are answered retry. Both batchers close before the client they use goes away.
    users_.close();
    events_.close();
  }

  // A step's parameters, checked by `parcours validate` (values still holding Mustache
  // are checked once rendered, at send time).
  static std::optional<std::string> validate_params(const nlohmann::json& params) {
    const std::string action = param_text(params, "action");
    const std::string audience = param_text(params, "audience");
    const std::string event_name = param_text(params, "event_name");
    if (!action.empty() && !templated(action) && action != "add" && action != "remove")
      return "parameter 'action' must be \"add\" or \"remove\", not \"" + action + "\"";
    if (!audience.empty() && !templated(audience) && !all_digits(audience))
      return "parameter 'audience' must be a Custom Audience id (digits only), not \"" + audience + "\"";
    if (params.contains("event_name") && event_name.empty())
      return "parameter 'event_name' is empty: name the conversion, e.g. \"Purchase\" or \"Lead\"";
    if (!event_name.empty() && (!audience.empty() || action == "remove"))
      return "a step either changes an audience ('audience', 'action') or reports a conversion ('event_name'), "
             "not both: split it into two steps";
    const std::string value = param_text(params, "value");
    const std::string currency = param_text(params, "currency");
    const std::string order_id = param_text(params, "order_id");
    if (event_name.empty() && (!value.empty() || !currency.empty() || !order_id.empty()))
      return "parameters 'value', 'currency' and 'order_id' describe a conversion: give the step an 'event_name' "
             "too, e.g. \"Purchase\"";
    try {
      // A templated value or currency is checked once rendered; until then it stands
      // for a good one, so that what it lacks (a value without a currency) still shows.
      fb::custom_data(templated(value) ? "0" : value, templated(currency) ? "EUR" : currency, order_id);
    } catch (const std::invalid_argument& refusal) {
      return refusal.what();
    }
    return std::nullopt;
  }

  SendResult send(const parcours::Message& message) override {
    const fb::ContactKeys keys = fb::contact_keys(attribute_text(message.contact, "email"), phone_of(message.contact));
    if (keys.empty()) return SendResult::failed(keys.why_unusable());
    if (!keys.problems.empty())
      host_.debug("contact " + message.contact.id + ": matched on what is usable; " + keys.problems.front());
    const AudienceMember member{keys.email_sha256, keys.phone_sha256};

    const std::string event_name = param_text(message.params, "event_name");
    if (!event_name.empty()) {
      if (pixel_id_.empty())
        return SendResult::failed("the step reports a conversion ('event_name') but channel '" + message.channel +
                                  "' has no 'pixel_id': set it to the pixel (dataset) id from Events Manager");
      nlohmann::json custom_data;
      try {
        custom_data = fb::custom_data(param_text(message.params, "value"), param_text(message.params, "currency"),
                                      param_text(message.params, "order_id"));
      } catch (const std::invalid_argument& refusal) {
        return SendResult::failed(refusal.what());  // as rendered for this contact: no retry mends it
      }
      const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(host_.now().time_since_epoch()).count();
      return events_.submit(pixel_id_,
                            fb::conversion_event(event_name, seconds, message.idempotency_key, action_source_, member,
                                                 fb::sha256_hex(message.contact.id), std::move(custom_data)));
    }

    std::string audience = param_text(message.params, "audience");
    if (audience.empty()) audience = audience_;
    if (audience.empty())
      return SendResult::failed("no audience: give the step an 'audience' parameter or channel '" + message.channel +
                                "' an 'audience' setting (a Custom Audience id)");
    if (!all_digits(audience))
      return SendResult::failed("audience \"" + audience + "\" is not a Custom Audience id (digits only)");
    std::string action = param_text(message.params, "action");
    if (action.empty()) action = "add";
    if (action != "add" && action != "remove")
      return SendResult::failed("parameter 'action' must be \"add\" or \"remove\", not \"" + action + "\"");
    // One batch per audience and direction: a request either adds or removes.
    return users_.submit((action == "add" ? "POST " : "DELETE ") + audience, member);
  }

 private:
  // The contact's phone with its country code: a number written in national form
  // ("06 12 34 56 78") is read in the contact's own `country`, else the client's, as the
  // sms channel reads it; one that cannot be read is passed on as written, and
  // normalise_phone() says why it is not usable.
  std::string phone_of(const parcours::Contact& contact) const {
    const std::string written = attribute_text(contact, "phone");
    if (written.empty()) return written;
    std::string region = client_country_;
    if (const auto own = parcours::phone::known_region(attribute_text(contact, "country"))) region = *own;
    const auto number = parcours::phone::to_e164(written, region);
    return number.valid() ? number.e164 : written;
  }

  static std::size_t checked_max_batch(std::int64_t value) {
    if (value < 1 || value > kMaxUsersPerRequest)
      throw std::runtime_error("setting 'max_batch' must be between 1 and 10000 (Meta's limit per request), not " +
                               std::to_string(value));
    return static_cast<std::size_t>(value);
  }

  // `text` without the access token, wherever an answer might echo it.
  std::string scrubbed(std::string text) const {
    static const std::string shown = "<access_token>";
    if (access_token_.empty()) return text;
    for (auto at = text.find(access_token_); at != std::string::npos; at = text.find(access_token_, at + shown.size()))
      text.replace(at, access_token_.size(), shown);
    return text;
  }

  http::Response post(const std::string& method, const std::string& url,
                      std::vector<std::pair<std::string, std::string>> fields) {
    // In the body, never in the URL: URLs end up in logs and proxies (Meta accepts the
    // parameters of a DELETE in its body as well, and 10,000 hashes do not fit a URL).
    fields.emplace_back("access_token", access_token_);
    http::Request request;
    request.method = method;
    request.url = url;
    request.headers = {"Content-Type: application/x-www-form-urlencoded", "Accept: application/json"};
    request.body = http::form_encode(fields);
    request.timeout = timeout_;
    return client_.perform(request);
  }

  // The result of a request that got no success, the same for each of its messages.
  SendResult failure(const std::string& url, const http::Response& response) const {
    if (!response.answered())
      return SendResult::retry(scrubbed("no answer from " + http::shown_url(url) + ": " + response.error +
                                        (response.timed_out ? " (the channel's 'timeout')" : "")));
    const fb::Verdict verdict =
        fb::classify({response.status, response.body, response.header("x-business-use-case-usage"),
                      http::retry_after(response, std::chrono::system_clock::now())});
    const std::string error = scrubbed(verdict.error);
    return verdict.retry ? SendResult::retry(error, verdict.after) : SendResult::failed(error);
  }

  std::vector<SendResult> send_users(const std::string& key, const std::vector<AudienceMember>& members) {
    const auto space = key.find(' ');
    const std::string method = key.substr(0, space);
    const std::string audience = key.substr(space + 1);
    const std::string url = graph_url_ + "/" + audience + "/users";
    host_.metric("facebook_ads_batch_size", static_cast<double>(members.size()), {{"edge", "users"}});
    const http::Response response = post(method, url, {{"payload", fb::users_payload(members).dump()}});
    if (!response.answered() || response.status < 200 || response.status >= 300) {
      const SendResult result = failure(url, response);
      host_.warn(std::to_string(members.size()) + " contact(s) for audience " + audience + " (" + method +
                 "): " + result.error());
      return std::vector<SendResult>(members.size(), result);
    }
    const auto answer = fb::parse_users_answer(response.body);
    const std::string session = answer ? answer->session_id : std::string();
    host_.debug(std::to_string(members.size()) + " contact(s) " + (method == "POST" ? "added to" : "removed from") +
                " audience " + audience + " in one request" +
                (answer ? ": " + std::to_string(answer->num_received) + " received, " +
                              std::to_string(answer->num_invalid_entries) + " invalid"
                        : std::string()));
    if (answer && answer->num_invalid_entries > 0)
      host_.warn("Meta counted " + std::to_string(answer->num_invalid_entries) + " of " +
                 std::to_string(members.size()) + " contact(s) for audience " + audience + " as invalid");
    std::vector<SendResult> results;
    results.reserve(members.size());
    for (const auto& member : members) {
      const auto invalid = answer ? fb::invalid_sample_for(*answer, member) : std::nullopt;
      results.push_back(invalid
                            ? SendResult::failed(scrubbed("Meta counted this contact as an invalid entry: " + *invalid))
                            : SendResult::delivered(session));
    }
    return results;
  }

  std::vector<SendResult> send_events(const std::string& pixel, const std::vector<nlohmann::json>& events) {
    const std::string url = graph_url_ + "/" + pixel + "/events";
    host_.metric("facebook_ads_batch_size", static_cast<double>(events.size()), {{"edge", "events"}});
    std::vector<std::pair<std::string, std::string>> fields{{"data", nlohmann::json(events).dump()}};
    if (!test_event_code_.empty()) fields.emplace_back("test_event_code", test_event_code_);
    const http::Response response = post("POST", url, std::move(fields));
    if (!response.answered() || response.status < 200 || response.status >= 300) {
      const SendResult result = failure(url, response);
      host_.warn(std::to_string(events.size()) + " conversion event(s) for pixel " + pixel + ": " + result.error());
      return std::vector<SendResult>(events.size(), result);
    }
    const auto answer = fb::parse_events_answer(response.body);
    host_.debug(std::to_string(events.size()) + " conversion event(s) sent to pixel " + pixel +
                (answer ? ": " + std::to_string(answer->events_received) + " received" : std::string()));
    return std::vector<SendResult>(events.size(), SendResult::delivered(answer ? answer->fbtrace_id : std::string()));
  }

  const parcours::Host host_;
  const std::string client_country_;  // for phone numbers in national form
  std::string graph_url_;
  const std::string access_token_;
  const std::string audience_;
  const std::string pixel_id_;
  const std::string action_source_;
  const std::string test_event_code_;
  const std::chrono::milliseconds timeout_;
  http::Client client_;
  // Last: destroyed first, so no batch is being sent once the client goes.
  fb::SendBatcher<AudienceMember, SendResult> users_;
  fb::SendBatcher<nlohmann::json, SendResult> events_;
};

}  // namespace

// The declaration: one table that drives config validation, `parcours plugins inspect
// facebook-ads` and the README's tables.
// clang-format off
PARCOURS_PLUGIN(FacebookAdsChannel,
  .id = "facebook-ads",
  .version = PARCOURS_FACEBOOK_ADS_PLUGIN_VERSION,
  .kind = parcours::Kind::channel,
  .description = "Adds contacts to or removes them from a Meta Custom Audience, in batches; forwards conversions to the Conversions API",
  .settings = {
    {"graph_url", parcours::Type::string, parcours::defaults_to("https://graph.facebook.com/v19.0"),
     "Graph API base URL, with its version"},
    {"access_token", parcours::Type::secret, parcours::required,
     "Marketing API access token with ads_management (a system user token); never logged"},
    {"audience", parcours::Type::string, parcours::optional,
     "Default Custom Audience id; a step's 'audience' parameter overrides it"},
    {"batch_window", parcours::Type::duration, parcours::defaults_to("1s"),
     "How long a batch waits for more contacts after its first (at most 1m)"},
    {"max_batch", parcours::Type::integer, parcours::defaults_to(10000),
     "Contacts per request, 1 to 10000 (conversion events: at most 1000)"},
    {"timeout", parcours::Type::duration, parcours::defaults_to("10s"),
     "Per request; a Graph API that does not answer in time is retried"},
    {"pixel_id", parcours::Type::string, parcours::optional,
     "Pixel (dataset) id that steps with 'event_name' report conversions to"},
    {"action_source", parcours::Type::string, parcours::defaults_to("system_generated"),
     "Where conversions happened, as Meta names it (email, website, app, physical_store, system_generated...)"},
    {"test_event_code", parcours::Type::string, parcours::optional,
     "Sends conversions to Events Manager's Test Events tool instead (while setting up)"},
  },
  .params = {
    {"audience", parcours::Type::string, parcours::optional, "Custom Audience id (overrides the channel's 'audience')"},
    {"action", parcours::Type::string, parcours::defaults_to("add"), "\"add\" the contact to the audience or \"remove\" it"},
    {"event_name", parcours::Type::string, parcours::optional,
     "Reports this conversion (e.g. \"Purchase\") to the pixel instead of changing an audience"},
    {"value", parcours::Type::string, parcours::optional,
     "The conversion's value as a number, e.g. \"89.90\" or \"{{event.total}}\" (needs 'currency')"},
    {"currency", parcours::Type::string, parcours::optional, "ISO 4217 code of the value, e.g. \"EUR\""},
    {"order_id", parcours::Type::string, parcours::optional, "The order's id, e.g. \"{{event.order_id}}\""},
  })
// clang-format on
