#include "api/channel_status_route.hpp"

#include <nlohmann/json.hpp>

#include "api/channel_requests.hpp"
#include "host/runtime.hpp"

namespace parcours::api {

using nlohmann::json;
using server::HttpRequest;
using server::HttpResponse;

bool is_channel_status_route(const std::vector<std::string>& path) {
  return path.size() == 6 && path[0] == "v1" && path[1] == "clients" && path[3] == "channels" && path[5] == "status";
}

HttpResponse channel_status_route(host::Service& service, const std::vector<std::string>& path,
                                  const HttpRequest& request) {
  const auto runtime = service.runtime();
  const config::ClientConfig* client = find_client(*runtime, path[2]);
  if (client == nullptr) return HttpResponse::error(404, "unknown_client", "no client '" + path[2] + "' in this host");
  const std::string& name = path[4];
  const config::PluginInstanceConfig* channel = client->channel(name);
  plugin::Instance* instance = channel ? runtime->channels->find(client->id, name) : nullptr;
  if (instance == nullptr)
    return HttpResponse::error(
        404, "unknown_channel",
        "client '" + client->id + "' has no channel '" + name + "' (clients/" + client->id + "/client.toml)");
  if (!takes_channel_requests(*instance))
    return HttpResponse::error(404, "no_status_callbacks",
                               "channel '" + name + "' (plugin " + channel->plugin + ") takes no status callbacks");
  const json answer =
      ask_channel(*instance, channel_request_wire(request, client->id, "status", json{{"channel", name}}));
  const int status = answer["status"].get<int>();
  if (status < 200 || status >= 300)
    return HttpResponse::error(status >= 400 && status < 600 ? status : 500, "callback_refused", answer_error(answer));
  return store_channel_answer(service, client->id, name, request, answer);
}

}  // namespace parcours::api
