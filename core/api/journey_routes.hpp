// /v1/clients/{client}/journeys and /v1/clients/{client}/journeys/{id} (HTTP-API.md):
// the client's journeys with their totals, and one journey step by step with the counts
// the dashboard draws (both read through core/report/, so they agree).
#pragma once

#include <string>

#include "host/service.hpp"
#include "server/http_message.hpp"

namespace parcours::api {

// GET only (the router checks the method).
server::HttpResponse journeys_route(host::Service& service, const std::string& client);
// 404 `unknown_journey` when the client has no such journey in the running config.
server::HttpResponse journey_route(host::Service& service, const std::string& client, const std::string& journey);

}  // namespace parcours::api
