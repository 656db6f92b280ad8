#include "api/popup_routes.hpp"

#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>

#include "api/channel_requests.hpp"
#include "host/runtime.hpp"

namespace parcours::api {

using nlohmann::json;
using server::HttpRequest;
using server::HttpResponse;

namespace {

// How long a browser may reuse a preflight's answer, in seconds.
constexpr const char* kPreflightMaxAge = "600";

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

// Scheme and host compare case-insensitively (browsers send them in lower case; a
// config may not), and `validate` has checked that allowed_origins hold no path.
bool origin_allowed(const config::ClientConfig& client, const std::string& origin) {
  const std::string wanted = lower(origin);
  return std::any_of(client.allowed_origins.begin(), client.allowed_origins.end(),
                     [&](const std::string& allowed) { return lower(allowed) == wanted; });
}

// The answer is for this origin only, and caches must keep one copy per origin.
HttpResponse with_cors(HttpResponse response, const std::string& origin) {
  if (!origin.empty()) {
    response.headers.emplace_back("Access-Control-Allow-Origin", origin);
    response.headers.emplace_back("Vary", "Origin");
  }
  return response;
}

HttpResponse method_not_allowed(const std::string& allowed) {
  auto response = HttpResponse::error(405, "method_not_allowed", "use " + allowed + " on this path");
  response.headers.emplace_back("Allow", allowed);
  return response;
}

HttpResponse no_store(HttpResponse response) {
  response.headers.emplace_back("Cache-Control", "no-store");
  return response;
}

// The client's channel instances that serve the popup routes, in client.toml order,
// each with its [channels.<name>].
std::vector<std::pair<std::string, plugin::Instance*>> popup_channels(const host::Runtime& runtime,
                                                                      const config::ClientConfig& client) {
  std::vector<std::pair<std::string, plugin::Instance*>> out;
  for (const auto& channel : client.channels) {
    plugin::Instance* instance = runtime.channels->find(client.id, channel.name);
    if (instance != nullptr && takes_channel_requests(*instance)) out.emplace_back(channel.name, instance);
  }
  return out;
}

// GET: every instance's popups, one list. An instance that fails is logged and
// skipped: the others' popups are still shown.
HttpResponse list_popups(const host::Runtime& runtime, const config::ClientConfig& client, const std::string& contact,
                         const HttpRequest& request) {
  json popups = json::array();
  const std::string wire = channel_request_wire(request, client.id, "popups", json{{"contact", contact}});
  for (const auto& [name, instance] : popup_channels(runtime, client)) {
    const json answer = ask_channel(*instance, wire);
    const int status = answer["status"].get<int>();
    if (status < 200 || status >= 300) {
      if (status != 404)
        spdlog::warn("client '{}' channel '{}': listing popups failed ({}): {}", client.id, name, status,
                     answer_error(answer));
      continue;
    }
    const auto body = answer.find("body");
    if (body == answer.end() || !body->is_object() || !body->contains("popups") || !(*body)["popups"].is_array())
      continue;
    for (const auto& popup : (*body)["popups"]) popups.push_back(popup);
  }
  return no_store(
      HttpResponse::json(200, json{{"popups", popups}}.dump(-1, ' ', false, json::error_handler_t::replace)));
}

// POST .../{popup}/seen|clicked: the instance that knows the popup records it and
// answers the events, stored here for the client (a popup seen or clicked counts on
// the send step that queued it: channel_requests.cpp).
HttpResponse record_action(host::Service& service, const host::Runtime& runtime, const config::ClientConfig& client,
                           const json& params, const HttpRequest& request) {
  const std::string wire = channel_request_wire(request, client.id, "popups", params);
  for (const auto& [name, instance] : popup_channels(runtime, client)) {
    const json answer = ask_channel(*instance, wire);
    const int status = answer["status"].get<int>();
    if (status == 404) continue;
    if (status < 200 || status >= 300)
      return HttpResponse::error(status >= 400 && status < 600 ? status : 500, "popup_refused", answer_error(answer));
    return store_channel_answer(service, client.id, name, request, answer);
  }
  return HttpResponse::error(404, "unknown_popup",
                             "no popup '" + params.value("popup", "") + "' waits for contact '" +
                                 params.value("contact", "") + "' of client '" + client.id + "'");
}

}  // namespace

bool is_popup_route(const std::vector<std::string>& path) {
  return (path.size() == 5 || path.size() == 7) && path[0] == "v1" && path[1] == "clients" && path[3] == "popups";
}

HttpResponse popup_route(host::Service& service, const std::vector<std::string>& path, const HttpRequest& request) {
  const auto runtime = service.runtime();
  const config::ClientConfig* client = find_client(*runtime, path[2]);
  if (client == nullptr) return HttpResponse::error(404, "unknown_client", "no client '" + path[2] + "' in this host");
  const bool collection = path.size() == 5;
  const std::string allowed_methods = collection ? "GET, OPTIONS" : "POST, OPTIONS";

  const std::string& origin = request.header("origin");
  if (!origin.empty() && !origin_allowed(*client, origin)) {
    auto refused = HttpResponse::error(403, "origin_not_allowed",
                                       "the origin " + origin + " is not in the allowed_origins of client '" +
                                           client->id + "' (clients/" + client->id + "/client.toml)");
    refused.headers.emplace_back("Vary", "Origin");
    return refused;
  }
  if (request.method == "OPTIONS") {
    if (origin.empty())
      return HttpResponse::error(403, "origin_not_allowed", "a CORS preflight names its page's origin in Origin");
    HttpResponse preflight;
    preflight.status = 204;
    preflight.headers = {{"Access-Control-Allow-Methods", allowed_methods},
                         {"Access-Control-Allow-Headers", "Content-Type"},
                         {"Access-Control-Max-Age", kPreflightMaxAge}};
    return with_cors(std::move(preflight), origin);
  }

  if (collection) {
    if (request.method != "GET") return with_cors(method_not_allowed("GET"), origin);
    return with_cors(list_popups(*runtime, *client, path[4], request), origin);
  }
  if (request.method != "POST") return with_cors(method_not_allowed("POST"), origin);
  if (path[6] != "seen" && path[6] != "clicked")
    return with_cors(HttpResponse::error(404, "not_found",
                                         "no such route: " + request.path + " (a popup is marked seen or clicked)"),
                     origin);
  const json params{{"contact", path[4]}, {"popup", path[5]}, {"action", path[6]}};
  return with_cors(no_store(record_action(service, *runtime, *client, params, request)), origin);
}

HttpResponse popup_script_route(const HttpRequest& request) {
  if (request.method != "GET") return method_not_allowed("GET");
  HttpResponse response;
  response.content_type = "text/javascript; charset=utf-8";
  // Cached for an hour: a changed script reaches every site within that.
  response.headers.emplace_back("Cache-Control", "public, max-age=3600");
  response.body = std::string(kPopupScript);
  return response;
}

}  // namespace parcours::api
