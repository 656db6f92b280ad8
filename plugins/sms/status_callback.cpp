#include "status_callback.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>

#include "http_client.hpp"

namespace parcours::sms_plugin {
namespace {

namespace http = parcours::http_client;

std::string field(const std::vector<std::pair<std::string, std::string>>& fields, const std::string& name) {
  for (const auto& [key, value] : fields)
    if (key == name) return value;
  return {};
}

const char* event_type(const std::string& status) {
  if (status == "delivered") return "sms.delivered";
  if (status == "undelivered") return "sms.undelivered";
  if (status == "failed") return "sms.failed";
  return nullptr;
}

}  // namespace

std::string base64(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3), '\0');
  const int written =
      EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                      reinterpret_cast<const unsigned char*>(bytes.data()), static_cast<int>(bytes.size()));
  out.resize(static_cast<std::size_t>(written));
  return out;
}

std::string status_callback_url(const std::string& base, const std::string& contact, const std::string& message) {
  return base + (base.find('?') == std::string::npos ? "?" : "&") +
         http::form_encode({{"contact", contact}, {"message", message}});
}

std::string twilio_signature(const std::string& auth_token, const std::string& url,
                             std::vector<std::pair<std::string, std::string>> fields) {
  std::stable_sort(fields.begin(), fields.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  std::string data = url;
  for (const auto& [name, value] : fields) data += name + value;
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  if (HMAC(EVP_sha1(), auth_token.data(), static_cast<int>(auth_token.size()),
           reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest, &size) == nullptr)
    return {};
  return base64(std::string_view(reinterpret_cast<const char*>(digest), size));
}

parcours::Response read_status_callback(const parcours::Request& request, const std::string& base,
                                        const std::string& auth_token, const std::string& channel) {
  if (base.empty())
    return parcours::Response::refuse(404, "channel '" + channel +
                                               "' has no status_callback: it asks for no "
                                               "delivery status");
  if (request.method != "POST") return parcours::Response::refuse(405, "a status callback is a POST");
  // The URL Twilio called: the configured one, with the query this request came with
  // (the contact and message added to it, and whatever the setting itself held).
  const std::string url = base.substr(0, base.find('?')) + (request.query.empty() ? "" : "?" + request.query);
  const auto fields = http::form_decode(request.body);
  const std::string expected = twilio_signature(auth_token, url, fields);
  const std::string& given = request.header("x-twilio-signature");
  if (expected.empty() || given.size() != expected.size() ||
      CRYPTO_memcmp(given.data(), expected.data(), expected.size()) != 0)
    return parcours::Response::refuse(403,
                                      "the X-Twilio-Signature is missing or wrong for this URL and body: "
                                      "check the channel's 'status_callback' (the URL the gateway calls) "
                                      "and 'token'");
  const auto query = http::form_decode(request.query);
  const std::string contact = field(query, "contact");
  const std::string sid = field(fields, "MessageSid");
  const std::string status = field(fields, "MessageStatus");
  if (contact.empty() || sid.empty())
    return parcours::Response::refuse(400,
                                      "the callback names no contact or no MessageSid: it is not the status "
                                      "of a message this channel sent");
  const char* type = event_type(status);
  if (type == nullptr) return parcours::Response::accept({});  // not final yet: acknowledged
  nlohmann::json properties{
      {"channel", channel}, {"message", field(query, "message")}, {"sid", sid}, {"status", status}};
  if (const std::string code = field(fields, "ErrorCode"); !code.empty()) properties["error_code"] = code;
  // One event per message and status, however often Twilio posts it again.
  return parcours::Response::accept({nlohmann::json{{"id", std::string(type) + ":" + sid},
                                                    {"type", type},
                                                    {"contact", contact},
                                                    {"properties", std::move(properties)}}});
}

}  // namespace parcours::sms_plugin
