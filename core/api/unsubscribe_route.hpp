// /u/{token} (HTTP-API.md): the unsubscribe link of every marketing message. GET shows
// a page with one button (so that mail scanners that follow links unsubscribe nobody);
// POST — the button, or a mail client's RFC 8058 one-click — withdraws the contact's
// consent for that channel and records a `consent.withdrawn` event, which journeys
// can react to. A token that does not verify gets 404 and records nothing.
#pragma once

#include <string>

#include "host/service.hpp"
#include "server/http_message.hpp"

namespace parcours::api {

server::HttpResponse unsubscribe_route(host::Service& service, const std::string& token,
                                       const server::HttpRequest& request);

}  // namespace parcours::api
