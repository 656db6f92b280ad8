#include "api/webhook_route.hpp"

#include <nlohmann/json.hpp>

#include "host/runtime.hpp"

namespace parcours::api {

using nlohmann::json;
using server::HttpResponse;

HttpResponse webhook_route(host::Service& service, const std::string& client, const std::string& trigger,
                           const server::HttpRequest& request) {
  if (request.method != "POST") {
    auto response = HttpResponse::error(405, "method_not_allowed", "webhooks are POSTed");
    response.headers.emplace_back("Allow", "POST");
    return response;
  }
  const auto runtime = service.runtime();
  plugin::Instance* instance = runtime->triggers->find(client, trigger);
  if (instance == nullptr || !instance->takes_requests())
    return HttpResponse::error(404, "unknown_hook", "client '" + client + "' has no webhook trigger '" + trigger + "'");
  json wire{{"method", request.method},
            {"path", request.path},
            {"query", request.query},
            {"headers", request.headers},
            {"body", request.body}};
  const auto answer =
      json::parse(instance->handle_request(wire.dump(-1, ' ', false, json::error_handler_t::replace)), nullptr, false);
  const int status = answer.is_object() && answer.contains("status") && answer["status"].is_number_integer()
                         ? answer["status"].get<int>()
                         : 500;
  if (status < 200 || status >= 300) {
    const std::string error = answer.is_object() && answer.contains("error") && answer["error"].is_string()
                                  ? answer["error"].get<std::string>()
                                  : "the trigger gave no reason";
    service.metrics().add("parcours_events_refused_total", {{"client", client}});
    return HttpResponse::error(status >= 400 && status < 600 ? status : 500, "hook_refused", error);
  }
  std::vector<engine::IncomingEvent> events;
  try {
    if (!answer.contains("events") || !answer["events"].is_array())
      throw engine::EventError("the trigger answered without an events list");
    for (std::size_t i = 0; i < answer["events"].size(); ++i)
      events.push_back(engine::parse_event(answer["events"][i], "mapped event " + std::to_string(i)));
  } catch (const engine::EventError& error) {
    service.metrics().add("parcours_events_refused_total", {{"client", client}});
    return HttpResponse::error(422, "unmappable_payload", error.what());
  }
  const auto result = events.empty() ? engine::IngestResult{} : service.ingest(client, events);
  return HttpResponse::json(202, json{{"accepted", result.accepted}, {"duplicates", result.duplicates}}.dump());
}

}  // namespace parcours::api
