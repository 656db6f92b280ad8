// The providers' status callbacks (HTTP-API.md's channel routes):
//   POST /v1/clients/{client}/channels/{channel}/status
// called by a provider (Twilio's StatusCallback for the sms channel), so without a
// bearer token: the channel checks the provider's signature, and a request it cannot
// verify is refused before anything is stored. The host hands the request to the
// client's instance of that name (plugin.h, handle_request, ABI 1.3, route "status")
// and stores the events it answers (channel_requests.hpp).
#pragma once

#include <string>
#include <vector>

#include "host/service.hpp"
#include "server/http_message.hpp"

namespace parcours::api {

// Whether `path` (percent-decoded segments) is a channel's status callback route.
bool is_channel_status_route(const std::vector<std::string>& path);

server::HttpResponse channel_status_route(host::Service& service, const std::vector<std::string>& path,
                                          const server::HttpRequest& request);

}  // namespace parcours::api
