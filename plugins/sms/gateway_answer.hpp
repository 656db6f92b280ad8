// What a gateway's answer to "create a message" means for the message, read as
// Twilio's Messages resource answers (POST .../Messages.json):
//   - 2xx (Twilio: 201) with the message resource as JSON → delivered, its `sid` being
//     the provider id;
//   - 4xx → failed for good, with Twilio's error (`code`, `message`, `more_info`) —
//     the request itself is wrong (21211: the 'To' number; 20003: the credentials),
//     and sending it again cannot help. Except 408 and 429 (Twilio: 20429, too many
//     requests), which are retried;
//   - 5xx, no answer, a timeout → retried, after the answer's Retry-After if it has one
//     (else the host's back-off);
//   - 3xx → failed for good: the `url` is not the endpoint itself.
//
// Pure: no I/O, so the unit tests (tests/unit/plugins/sms/) give it answers directly.
#pragma once

#include <parcours/sdk.hpp>

#include <chrono>
#include <string>
#include <vector>

#include "http_client.hpp"

namespace parcours::sms_plugin {

struct Exchange {
  std::string shown_url;                      // the endpoint as errors may show it (http_client::shown_url)
  std::chrono::milliseconds timeout;          // what the request was given
  std::vector<std::string> secrets;           // never to appear in an error, whatever the gateway echoes
  std::chrono::system_clock::time_point now;  // wall clock, for a Retry-After given as a date
};

SendResult read_answer(const http_client::Response& response, const Exchange& exchange);

}  // namespace parcours::sms_plugin
