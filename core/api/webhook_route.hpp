// POST /v1/clients/{client}/hooks/{trigger}: a third-party platform's webhook, handed
// to the client's trigger of that name (a plugin that takes requests, such as
// `webhook`). No bearer token: platforms sign their payloads instead, and the plugin
// checks the signature. The events it maps are stored all or nothing, then 202.
#pragma once

#include <string>

#include "host/service.hpp"
#include "server/http_message.hpp"

namespace parcours::api {

server::HttpResponse webhook_route(host::Service& service, const std::string& client, const std::string& trigger,
                                   const server::HttpRequest& request);

}  // namespace parcours::api
