// The `webhook` trigger: turns a third-party platform's own webhook payload — an
// e-commerce platform's "order created", a booking tool's "reservation confirmed" —
// into Parcours events, with a field mapping written in the client's TOML as JSON
// Pointers (RFC 6901), and an optional HMAC-SHA256 signature check of the raw body
// with a shared secret, as Shopify, GitHub, Stripe-style senders do.
//
// The host routes POST /v1/clients/{client}/hooks/{trigger name} to handle_request()
// (ABI 1.1). A payload that is a JSON array gives one event per element. Nothing is
// stored unless every element maps: a refusal is all or nothing, like ingestion.
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <parcours/sdk.hpp>

#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#ifndef PARCOURS_WEBHOOK_PLUGIN_VERSION
#error "the build defines PARCOURS_WEBHOOK_PLUGIN_VERSION (the Parcours version)"
#endif

namespace {

using nlohmann::json;

// A JSON Pointer from the config, checked once: a bad one refuses the instance at
// `parcours validate`, naming the setting.
json::json_pointer pointer(const std::string& setting, const std::string& text) {
  if (text.empty() || text.front() != '/')
    throw std::runtime_error("'" + setting + "' must be a JSON Pointer such as \"/customer/id\", not '" + text + "'");
  try {
    return json::json_pointer(text);
  } catch (const json::exception& error) {
    throw std::runtime_error("'" + setting + "' is not a valid JSON Pointer: " + error.what());
  }
}

// "name=/pointer" items of a list setting.
std::vector<std::pair<std::string, json::json_pointer>> field_map(const parcours::Settings& settings,
                                                                  const std::string& setting) {
  std::vector<std::pair<std::string, json::json_pointer>> fields;
  for (const auto& item : settings.list(setting, {})) {
    const auto equals = item.find('=');
    if (equals == std::string::npos || equals == 0)
      throw std::runtime_error("'" + setting + "' items are \"name=/json/pointer\", not '" + item + "'");
    fields.emplace_back(item.substr(0, equals), pointer(setting, item.substr(equals + 1)));
  }
  return fields;
}

std::string hex(const unsigned char* bytes, std::size_t size) {
  static const char* const digits = "0123456789abcdef";
  std::string out;
  for (std::size_t i = 0; i < size; ++i) {
    out += digits[bytes[i] >> 4];
    out += digits[bytes[i] & 15];
  }
  return out;
}

std::string base64(const unsigned char* bytes, std::size_t size) {
  std::string out(4 * ((size + 2) / 3) + 1, '\0');
  const int length = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), bytes, static_cast<int>(size));
  out.resize(static_cast<std::size_t>(length));
  return out;
}

class WebhookTrigger final : public parcours::Trigger {
 public:
  explicit WebhookTrigger(const parcours::Settings& settings)
      : type_(settings.string("type")),
        contact_(pointer("contact", settings.string("contact"))),
        secret_(settings.string("secret", "")),
        signature_header_(settings.string("signature_header", "x-signature-sha256")),
        signature_encoding_(settings.string("signature_encoding", "hex")),
        properties_(field_map(settings, "properties")),
        attributes_(field_map(settings, "attributes")) {
    if (type_.empty()) throw std::runtime_error("'type' is empty: give an event type or a JSON Pointer to one");
    if (type_.front() == '/') type_pointer_ = pointer("type", type_);
    if (const auto id = settings.string("id", ""); !id.empty()) id_ = pointer("id", id);
    if (const auto time = settings.string("time", ""); !time.empty()) time_ = pointer("time", time);
    if (signature_encoding_ != "hex" && signature_encoding_ != "base64")
      throw std::runtime_error("'signature_encoding' is hex or base64, not '" + signature_encoding_ + "'");
    for (char& c : signature_header_) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }

  void start() override {}  // passive: the host hands requests over
  void stop() override {}

  parcours::WebhookResponse handle_request(const parcours::WebhookRequest& request) override {
    if (!secret_.empty() && !signed_correctly(request))
      return parcours::WebhookResponse::refuse(
          401, "the " + signature_header_ + " header is missing or is not the HMAC-SHA256 of the body with the secret");
    const auto payload = json::parse(request.body, nullptr, false);
    if (payload.is_discarded() || !(payload.is_object() || payload.is_array()))
      return parcours::WebhookResponse::refuse(400, "the body is not a JSON object or array");
    std::vector<json> events;
    try {
      if (payload.is_array()) {
        for (std::size_t i = 0; i < payload.size(); ++i)
          events.push_back(map(payload[i], "element " + std::to_string(i) + ": "));
      } else {
        events.push_back(map(payload, ""));
      }
    } catch (const std::runtime_error& error) {
      return parcours::WebhookResponse::refuse(422, error.what());
    }
    return parcours::WebhookResponse::accept(std::move(events));
  }

 private:
  bool signed_correctly(const parcours::WebhookRequest& request) const {
    std::string given = request.header(signature_header_);
    if (given.rfind("sha256=", 0) == 0) given = given.substr(7);  // GitHub's form
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    if (HMAC(EVP_sha256(), secret_.data(), static_cast<int>(secret_.size()),
             reinterpret_cast<const unsigned char*>(request.body.data()), request.body.size(), digest,
             &length) == nullptr)
      return false;
    std::string expected = signature_encoding_ == "hex" ? hex(digest, length) : base64(digest, length);
    if (signature_encoding_ == "hex")
      for (char& c : given) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return given.size() == expected.size() && CRYPTO_memcmp(given.data(), expected.data(), given.size()) == 0;
  }

  static const json* at(const json& payload, const json::json_pointer& where) {
    return payload.contains(where) ? &payload.at(where) : nullptr;
  }

  // A scalar as the text of an id: strings as they are, numbers as JSON writes them.
  static std::string text_of(const json& value, const std::string& what, const std::string& prefix) {
    if (value.is_string()) return value.get<std::string>();
    if (value.is_number_integer() || value.is_number_unsigned()) return value.dump();
    throw std::runtime_error(prefix + what + " must be a string or a whole number, not " + value.dump());
  }

  json map(const json& payload, const std::string& prefix) const {
    json event = json::object();
    if (type_pointer_) {
      const json* type = at(payload, *type_pointer_);
      if (type == nullptr || !type->is_string())
        throw std::runtime_error(prefix + "the payload has no event type (a string) at " + type_pointer_->to_string());
      event["type"] = *type;
    } else {
      event["type"] = type_;
    }
    const json* contact = at(payload, contact_);
    if (contact == nullptr)
      throw std::runtime_error(prefix + "the payload has no contact id at " + contact_.to_string());
    event["contact"] = text_of(*contact, "the contact id at " + contact_.to_string(), prefix);
    if (id_) {
      const json* id = at(payload, *id_);
      if (id == nullptr) throw std::runtime_error(prefix + "the payload has no id at " + id_->to_string());
      event["id"] = text_of(*id, "the id at " + id_->to_string(), prefix);
    }
    if (time_)
      if (const json* time = at(payload, *time_); time != nullptr && !time->is_null()) event["time"] = *time;
    json properties = json::object();
    for (const auto& [name, where] : properties_)
      if (const json* value = at(payload, where)) properties[name] = *value;
    json attributes = json::object();
    for (const auto& [name, where] : attributes_)
      if (const json* value = at(payload, where); value != nullptr && !value->is_null()) attributes[name] = *value;
    event["properties"] = std::move(properties);
    event["attributes"] = std::move(attributes);
    return event;
  }

  std::string type_;
  std::optional<json::json_pointer> type_pointer_;
  json::json_pointer contact_;
  std::optional<json::json_pointer> id_;
  std::optional<json::json_pointer> time_;
  std::string secret_;
  std::string signature_header_;
  std::string signature_encoding_;
  std::vector<std::pair<std::string, json::json_pointer>> properties_;
  std::vector<std::pair<std::string, json::json_pointer>> attributes_;
};

}  // namespace

// clang-format off
PARCOURS_PLUGIN(WebhookTrigger,
  .id = "webhook",
  .version = PARCOURS_WEBHOOK_PLUGIN_VERSION,
  .kind = parcours::Kind::trigger,
  .description = "Turns a platform's webhook payloads into events, mapped with JSON Pointers, signature checked",
  .settings = {
    {"type", parcours::Type::string, parcours::required,
     "Event type to emit, or a JSON Pointer (starting with /) to read it from the payload"},
    {"contact", parcours::Type::string, parcours::required, "JSON Pointer to the contact id, e.g. /customer/id"},
    {"id", parcours::Type::string, parcours::optional,
     "JSON Pointer to the payload's unique id, so that the platform's retries are stored once"},
    {"time", parcours::Type::string, parcours::optional, "JSON Pointer to the event's RFC 3339 time (default: now)"},
    {"properties", parcours::Type::list, parcours::optional,
     "event properties, as \"name=/json/pointer\" items"},
    {"attributes", parcours::Type::list, parcours::optional,
     "contact attributes to merge, as \"name=/json/pointer\" items"},
    {"secret", parcours::Type::secret, parcours::optional,
     "shared secret: requests must carry the HMAC-SHA256 of their body"},
    {"signature_header", parcours::Type::string, parcours::defaults_to("x-signature-sha256"),
     "the header holding the signature (a sha256= prefix is accepted)"},
    {"signature_encoding", parcours::Type::string, parcours::defaults_to("hex"), "hex or base64"},
  })
// clang-format on
