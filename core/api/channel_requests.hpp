// What the routes that hand a request to a client's channel share: the popup routes
// (popup_routes.hpp, called by browsers) and the providers' status callbacks
// (channel_status_route.hpp). The host keeps none of the channel's state: it hands
// the request to the instance (plugin.h, handle_request, ABI 1.3), then stores the
// events the instance answers for the client, each told the journey and step of the
// message it names.
#pragma once

#include <nlohmann/json_fwd.hpp>

#include <string>
#include <vector>

#include "host/service.hpp"
#include "server/http_message.hpp"

namespace parcours::config {
struct ClientConfig;
}
namespace parcours::plugin {
class Instance;
}

namespace parcours::api {

// The first ABI whose channels take requests: an older channel that happens to have
// handle_request (a C plugin may) would not understand them.
constexpr int kChannelRequestsAbiMinor = 3;

// The client of the running config with this id, or nullptr.
const config::ClientConfig* find_client(const host::Runtime& runtime, const std::string& id);

// Whether the instance is asked requests at all (it implements handle_request, ABI 1.3+).
bool takes_channel_requests(const plugin::Instance& instance);

// plugin.h, handle_request: the request, with the client, the route and the parts of
// its path.
std::string channel_request_wire(const server::HttpRequest& request, const std::string& client,
                                 const std::string& route, const nlohmann::json& params);

// The instance's answer as an object with an integer "status"; a plugin that answers
// anything else reads as a 500 saying so.
nlohmann::json ask_channel(plugin::Instance& instance, const std::string& wire);

// The answer's "error", or a stand-in when the plugin gave none.
std::string answer_error(const nlohmann::json& answer);

// A 2xx answer of `channel`: its events stored for the client, then its body (or
// `202 {"accepted", "duplicates"}`). Events the host cannot store are a 500, logged
// with what was wrong; nothing is stored then.
server::HttpResponse store_channel_answer(host::Service& service, const std::string& client, const std::string& channel,
                                          const server::HttpRequest& request, const nlohmann::json& answer);

}  // namespace parcours::api
