// The HTTP API of HTTP-API.md over a running host::Service: routing, bearer tokens,
// body parsing and the JSON error format. Every route answers JSON; a bad request
// changes nothing.
#pragma once

#include "host/service.hpp"
#include "server/http_message.hpp"

namespace parcours::api {

// Answers one request. Thread-safe: the server calls it from several threads.
server::HttpResponse handle(host::Service& service, const server::HttpRequest& request);

}  // namespace parcours::api
