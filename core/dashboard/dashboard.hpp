// core/dashboard/ is the dashboard at `/`: every client with its journeys and their
// headline counts, and per journey (`/dashboard/{client}/{journey}`) the journey drawn
// as an inline SVG (laid out by Graphviz) with each step's live counts, and the same
// counts as tables. Server-rendered HTML with inline styles: no script, and nothing
// fetched from anywhere (a Content-Security-Policy says so to the browser too).
//
// It reads the running host through host::Service only — the loaded config and the
// engine's counters in the store — and never changes anything. It must not depend on
// core/api/: the API's router calls dashboard_route() for the paths its own routes do
// not take.
//
// Access: the dashboard shows every client, so when `[server] admin_token` is set it
// asks for HTTP Basic authentication with that token as the password (any user name).
// Without an admin token it is open to whoever reaches the listen address.
#pragma once

#include <optional>

#include "host/service.hpp"
#include "server/http_message.hpp"

namespace parcours::dashboard {

// The dashboard's answer to `request`, or nothing when its path is not the dashboard's
// (`/`, `/dashboard`, `/dashboard/...`). Throws store::StoreError when the store fails.
std::optional<server::HttpResponse> dashboard_route(host::Service& service, const server::HttpRequest& request);

}  // namespace parcours::dashboard
