// Delivery receipts: Twilio's status callbacks, read back into events.
//
// With `status_callback` set, every message asks the gateway to post its status to that
// URL, with the contact and the host's message key added to its query:
//   {status_callback}?contact=c-1&message=m-81f2...
// Pointed at the host's route `POST /v1/clients/{client}/channels/{channel}/status`,
// the posts reach this channel's handle_request. Twilio signs each with the account's
// auth token (X-Twilio-Signature: base64 of HMAC-SHA1 over the full URL it called and
// the posted fields sorted by name, each name then value; Twilio's "Webhooks security"),
// and a post that does not carry the right signature is refused with nothing stored:
// the contact and message in the query are signed along with the rest.
//
// The final statuses become events for the contact: `delivered` → `sms.delivered`,
// `undelivered` → `sms.undelivered`, `failed` → `sms.failed`, with the properties
// `channel`, `message`, `sid`, `status` and, when Twilio gives one, `error_code`.
// The others (queued, sending, sent...) are acknowledged and stored as nothing.
#pragma once

#include <parcours/sdk.hpp>

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace parcours::sms_plugin {

// Base64 (RFC 4648, padded), by OpenSSL: how Twilio writes its signature, and how
// "account:token" travels in the Authorization header (so how a gateway echoing the
// request back could show the token).
std::string base64(std::string_view bytes);

// The URL a message's status is posted to: `base` with `contact` and `message` added
// to its query.
std::string status_callback_url(const std::string& base, const std::string& contact, const std::string& message);

// X-Twilio-Signature of a post of `fields` to `url` under `auth_token`.
std::string twilio_signature(const std::string& auth_token, const std::string& url,
                             std::vector<std::pair<std::string, std::string>> fields);

// The answer to a post on the status route: refused (403) unless its signature is
// right for `base` (the channel's status_callback) and `auth_token`; else accepted with
// the event its final status makes, if any.
parcours::Response read_status_callback(const parcours::Request& request, const std::string& base,
                                        const std::string& auth_token, const std::string& channel);

}  // namespace parcours::sms_plugin
