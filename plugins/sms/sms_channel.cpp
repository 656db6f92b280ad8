// The `sms` channel: text messages through an HTTP gateway in the shape of Twilio's
// Messages resource — POST {url} with the form fields To, From and Body, HTTP Basic
// authentication with the account SID and auth token, and 201 with the message's
// `sid` — so Twilio itself, or any gateway that copies its API, works unchanged.
//
// Before any request, each message is checked where a gateway would refuse it or bill
// it by surprise: the recipient's number is brought to E.164 with libphonenumber
// (phone_number.hpp), in the contact's country or else the client's; the text's SMS
// parts are counted (segments.hpp) and a text over `max_segments` is refused. Both are
// failed for good, as is a 4xx answer; 429, 5xx, a refused connection and a gateway
// that does not answer within `timeout` are retried (gateway_answer.hpp).
//
// send() runs on the host's channel threads, several at once: the HTTP client keeps a
// pool of connections, and the segment totals are behind a mutex. The token never
// reaches a log line or an error: errors name the url as http_client::shown_url() shows
// it, and whatever the gateway says is scrubbed of the credentials.
#include <parcours/sdk.hpp>

#include <cstdint>
#include <mutex>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "gateway_answer.hpp"
#include "http_client.hpp"
#include "phone_number.hpp"
#include "segments.hpp"
#include "status_callback.hpp"

#ifndef PARCOURS_SMS_PLUGIN_VERSION
#error "the build defines PARCOURS_SMS_PLUGIN_VERSION (the Parcours version)"
#endif

namespace {

using parcours::SendResult;
using parcours::SettingError;
namespace sms = parcours::sms_plugin;
namespace phone = parcours::phone;
namespace http = parcours::http_client;

constexpr std::int64_t kMaxSegmentsLimit = 255;  // a concatenated SMS numbers its parts in one byte

// Why `url` cannot be a gateway's address, or "" when it can. The value itself is not
// repeated: a url written without its scheme may start with "user:token@".
std::string url_problem(const std::string& url) {
  const auto scheme_end = url.find("://");
  const std::string scheme = scheme_end == std::string::npos ? "" : url.substr(0, scheme_end);
  if (scheme != "http" && scheme != "https")
    return "must start with https:// or http://" + (scheme.empty() ? std::string() : ", not " + scheme + "://");
  const auto host_start = scheme_end + 3;
  if (host_start >= url.size() || url[host_start] == '/') return "names no host: write " + scheme + "://host/path";
  return {};
}

// Where a message goes, as the user wrote it, and what to call that in an error; or,
// when `error` is not empty, why there is nowhere to send it.
struct Destination {
  std::string number;
  std::string named;  // "contact attribute 'phone'" or "parameter 'to'"
  std::string fix;    // what to correct
  std::string error;
};

Destination nowhere(std::string why) {
  return {{}, {}, {}, std::move(why)};
}

class SmsChannel final : public parcours::Channel {
 public:
  // Reads the message's fields, never its whole wire form (parcours::Message::wire).
  static constexpr bool kReadsMessageWire = false;

  SmsChannel(const parcours::Settings& settings, parcours::Host host)
      : url_(settings.string("url")),
        shown_url_(http::shown_url(url_)),
        account_(settings.string("account")),
        token_(settings.secret("token")),
        from_(settings.string("from")),
        timeout_(settings.duration("timeout")),
        max_segments_(settings.integer("max_segments")),
        status_callback_(settings.string("status_callback", "")),
        client_country_(client_country(host)),
        secrets_{token_, sms::base64(account_ + ":" + token_)} {
    // Every problem at once, as `parcours validate` reports the others.
    std::vector<std::string> problems;
    if (const auto problem = url_problem(url_); !problem.empty())
      problems.push_back("setting 'url' " + problem +
                         " (the Messages endpoint: https://api.twilio.com/2010-04-01/"
                         "Accounts/<account SID>/Messages.json, or your gateway's)");
    if (account_.empty()) problems.push_back("setting 'account' is empty: give the account SID (\"AC...\")");
    if (account_.find(':') != std::string::npos)
      problems.push_back("setting 'account' cannot hold ':': it is the account SID, the HTTP Basic user name");
    if (token_.empty()) problems.push_back("setting 'token' is empty: give the auth token, e.g. \"${SMS_TOKEN}\"");
    if (const auto problem = phone::sender_problem(from_))
      problems.push_back("setting 'from' (\"" + http::excerpt(from_, 24) + "\") cannot be a sender: " + *problem);
    if (max_segments_ < 1 || max_segments_ > kMaxSegmentsLimit)
      problems.push_back("setting 'max_segments' must be between 1 and " + std::to_string(kMaxSegmentsLimit) +
                         ", not " + std::to_string(max_segments_));
    if (settings.has("status_callback"))
      if (const auto problem = url_problem(status_callback_); !problem.empty())
        problems.push_back("setting 'status_callback' " + problem);
    if (!problems.empty()) {
      std::string all = problems.front();
      for (std::size_t i = 1; i < problems.size(); ++i) all += "; " + problems[i];
      throw SettingError(all);
    }
  }

  SendResult send(const parcours::Message& message) override {
    const Destination destination = destination_of(message);
    if (!destination.error.empty()) return SendResult::failed(destination.error);
    const phone::NormalisedNumber to = phone::to_e164(destination.number, region_for(message.contact));
    if (!to.valid())
      return SendResult::failed(destination.named + " (\"" + http::excerpt(destination.number, 40) +
                                "\") is not a valid phone number: " + to.problem + ". Correct " + destination.fix +
                                "; nothing was sent");

    const std::string& body = message.content.text;
    if (body.empty())
      return SendResult::failed(
          "the message has no text: give the send step a `text` (or a template that renders one)");
    const sms::Segments segments = sms::count_segments(body);
    if (segments.count > static_cast<std::size_t>(max_segments_))
      return SendResult::failed("the text takes " + std::to_string(segments.count) + " SMS parts in " +
                                sms::encoding_name(segments.encoding) + " (" + std::to_string(segments.units) +
                                (segments.encoding == sms::Encoding::gsm7 ? " septets" : " UTF-16 units") +
                                "), more than the channel's max_segments = " + std::to_string(max_segments_) +
                                ": shorten it, or raise max_segments");

    // What the host's message log keeps of the message besides the gateway's sid
    // (SendResult::with_answer), whatever the gateway answers.
    const nlohmann::json details{
        {"to", to.e164}, {"segments", segments.count}, {"encoding", sms::encoding_name(segments.encoding)}};

    http::Request request;
    request.url = url_;
    request.basic_user = account_;
    request.basic_password = token_;
    request.timeout = timeout_;
    request.headers = {"Content-Type: application/x-www-form-urlencoded", "Accept: application/json",
                       "User-Agent: parcours-sms/" PARCOURS_SMS_PLUGIN_VERSION};
    std::vector<std::pair<std::string, std::string>> form{{"To", to.e164}, {"From", from_}, {"Body", body}};
    if (!status_callback_.empty())
      form.emplace_back("StatusCallback",
                        sms::status_callback_url(status_callback_, message.contact.id, message.idempotency_key));
    request.body = http::form_encode(form);

    const http::Response response = client_.perform(request);
    SendResult result = sms::read_answer(response, {shown_url_, timeout_, secrets_, std::chrono::system_clock::now()});

    if (result.status() == SendResult::Status::delivered) {
      count_delivered(segments);
      const std::string which = "message " + message.idempotency_key + " to contact " + message.contact.id;
      if (result.provider_id().empty())
        host().warn("the gateway accepted " + which + " (HTTP " + std::to_string(response.status) +
                    ") without the `sid` of Twilio's answer: its id is not recorded");
      else
        host().debug("sent " + which + " as " + result.provider_id() + ": " + details.dump());
    }
    result.with_answer(details);
    return result;
  }

  // The gateway's status callbacks (status_callback.hpp), posted to the host's route
  // POST /v1/clients/{client}/channels/{channel}/status.
  parcours::Response handle_request(const parcours::Request& request) override {
    if (request.route != "status")
      return parcours::Response::refuse(404, "the sms channel serves status callbacks only");
    return sms::read_status_callback(request, status_callback_, token_, request.param("channel"));
  }

 private:
  // The client's `country` (client.toml), from the host's context (ABI 1.2); "" when
  // it has none or the host is older.
  static std::string client_country(const parcours::Host& host) {
    const nlohmann::json context = host.context();
    const auto it = context.find("country");
    return it != context.end() && it->is_string() ? it->get<std::string>() : std::string();
  }

  // The contact's own `country` when it names a region (a French client's Belgian
  // customer writes "0470 12 34 56"), else the client's.
  std::string region_for(const parcours::Contact& contact) const {
    if (const auto own = phone::known_region(contact.attribute("country"))) return *own;
    return client_country_;
  }

  // The step's `to` (rendered by the host), else the contact's `phone`.
  static Destination destination_of(const parcours::Message& message) {
    if (const auto to = message.params.find("to"); to != message.params.end() && !to->is_null()) {
      if (!to->is_string() || to->get<std::string>().find_first_not_of(" \t") == std::string::npos)
        return nowhere(
            "the send step's `to` is empty (a template such as \"{{contact.mobile}}\" renders empty when the "
            "contact lacks that attribute); nothing was sent");
      return {to->get<std::string>(), "parameter 'to'", "the send step's `to`", {}};
    }
    const auto phone = message.contact.attributes.find("phone");
    if (phone == message.contact.attributes.end() || phone->is_null())
      return nowhere(
          "the contact has no `phone` attribute, so there is no number to send to: set it (\"+33612345678\", "
          "or a national number with the client's `country`), or give the send step a `to`");
    if (!phone->is_string())
      return nowhere(
          "contact attribute 'phone' must be a string such as \"+33612345678\" (a number loses its leading + or 0); "
          "nothing was sent");
    return {phone->get<std::string>(), "contact attribute 'phone'", "the contact's `phone`", {}};
  }

  // The parts providers bill, per encoding, as running totals (Prometheus counters:
  // parcours_plugin_sms_segments_total{encoding="GSM-7"}). Counted and reported under
  // one lock, so that a total the host receives never goes back.
  void count_delivered(const sms::Segments& segments) {
    const std::lock_guard<std::mutex> lock(segments_mutex_);
    auto& total = segments.encoding == sms::Encoding::gsm7 ? gsm7_segments_ : ucs2_segments_;
    total += segments.count;
    host().metric("sms_segments_total", static_cast<double>(total),
                  {{"encoding", sms::encoding_name(segments.encoding)}});
  }

  const std::string url_;
  const std::string shown_url_;
  const std::string account_;
  const std::string token_;
  const std::string from_;
  const std::chrono::milliseconds timeout_;
  const std::int64_t max_segments_;
  const std::string status_callback_;
  const std::string client_country_;
  const std::vector<std::string> secrets_;  // scrubbed from whatever the gateway answers
  http::Client client_;
  std::mutex segments_mutex_;
  std::uint64_t gsm7_segments_ = 0;
  std::uint64_t ucs2_segments_ = 0;
};

}  // namespace

// clang-format off
PARCOURS_PLUGIN(SmsChannel,
  .id = "sms",
  .version = PARCOURS_SMS_PLUGIN_VERSION,
  .kind = parcours::Kind::channel,
  .description = "SMS through an HTTP gateway with Twilio's Messages API (Twilio or a compatible one)",
  .settings = {
    {"url", parcours::Type::string, parcours::required,
     "The gateway's Messages endpoint, e.g. https://api.twilio.com/2010-04-01/Accounts/AC.../Messages.json"},
    {"account", parcours::Type::string, parcours::required, "The account SID: the HTTP Basic user name"},
    {"token", parcours::Type::secret, parcours::required, "The auth token: the HTTP Basic password (\"${SMS_TOKEN}\")"},
    {"from", parcours::Type::string, parcours::required,
     "The sender: an E.164 number (\"+33600000000\"), a short code or an alphanumeric sender id (\"Acme\")"},
    {"timeout", parcours::Type::duration, parcours::defaults_to("10s"),
     "Give up on an answer after this long; the message is tried again later"},
    {"max_segments", parcours::Type::integer, parcours::defaults_to(10),
     "The most SMS parts one message may take (1-255); a longer text fails"},
    {"status_callback", parcours::Type::string, parcours::optional,
     "Where the gateway posts each message's delivery status (Twilio's StatusCallback): the host's "
     "{public_url}/v1/clients/{client}/channels/{channel}/status turns them into sms.delivered/undelivered/failed"},
  },
  .params = {
    {"to", parcours::Type::string, parcours::optional,
     "The recipient's number instead of the contact's `phone`, e.g. \"{{contact.mobile}}\""},
  })
// clang-format on
