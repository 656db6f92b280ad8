// /t/o/{token} and /t/c/{token} (HTTP-API.md): the open pixel and the click redirect
// that core/links/html_tracking puts in HTML messages. Each records an event the
// client's journeys can wait for — `email.opened` (once per message), `email.clicked`
// (once per message and link) — and adds to the send step's `opened` / `clicked`
// counters (each message once). A token that does not verify, or names a client this
// host no longer has, gets 404 and records nothing.
#pragma once

#include <string>

#include "host/service.hpp"
#include "server/http_message.hpp"

namespace parcours::api {

server::HttpResponse open_pixel_route(host::Service& service, const std::string& token,
                                      const server::HttpRequest& request);
server::HttpResponse click_route(host::Service& service, const std::string& token, const server::HttpRequest& request);

}  // namespace parcours::api
