// /v1/clients/{client}/contacts/{id} (HTTP-API.md): read a contact with where it is in
// each journey and its latest messages; merge attributes; erase it for good.
#pragma once

#include <string>

#include "host/service.hpp"
#include "server/http_message.hpp"

namespace parcours::api {

server::HttpResponse contact_route(host::Service& service, const std::string& client, const std::string& contact,
                                   const server::HttpRequest& request);

}  // namespace parcours::api
