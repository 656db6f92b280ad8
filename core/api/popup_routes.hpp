// The website popup routes (HTTP-API.md, "Tracking and popups"), called by browsers
// on the client's websites, so without a bearer token:
//   GET  /popup.js                                         the script a site embeds
//   GET  /v1/clients/{client}/popups/{contact}             the contact's waiting popups
//   POST /v1/clients/{client}/popups/{contact}/{popup}/seen     → popup.seen
//   POST /v1/clients/{client}/popups/{contact}/{popup}/clicked  → popup.clicked
//   OPTIONS on both client paths: the CORS preflight.
//
// The host keeps no popups itself: it hands each request to the client's channel
// instances that take requests (plugin.h, handle_request, ABI 1.3 — the `popup`
// plugin), merges their lists and stores the events they answer for that client.
// CORS is limited to the client's `allowed_origins`: a request whose Origin is
// another site is refused (403) before any plugin sees it, so a page elsewhere can
// neither read a contact's popups nor record events for it. A request without an
// Origin (not from a browser page) is answered without CORS headers.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "host/service.hpp"
#include "server/http_message.hpp"

namespace parcours::api {

// Whether `path` (percent-decoded segments) is one of the client popup routes.
bool is_popup_route(const std::vector<std::string>& path);

// Answers a request on a client popup route (is_popup_route is true).
server::HttpResponse popup_route(host::Service& service, const std::vector<std::string>& path,
                                 const server::HttpRequest& request);

// GET /popup.js: core/api/assets/popup.js, embedded in the binary at build time.
server::HttpResponse popup_script_route(const server::HttpRequest& request);

// The script's text (generated from core/api/assets/popup.js by CMake).
extern const std::string_view kPopupScript;

}  // namespace parcours::api
