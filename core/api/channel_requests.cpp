#include "api/channel_requests.hpp"

#include <spdlog/spdlog.h>

#include <nlohmann/json.hpp>

#include <optional>

#include "engine/incoming_event.hpp"
#include "host/runtime.hpp"
#include "store/store.hpp"

namespace parcours::api {

using nlohmann::json;
using server::HttpRequest;
using server::HttpResponse;

namespace {

// The send step an event is about: a channel's events name their message by its
// idempotency key (property `message`), as tracking's do (tracking_routes.cpp). The
// host adds the message's journey and step, so that journeys and exports read them as
// they read an email's, and a popup seen or clicked counts on its step: "opened" for
// seen, as in-app messages count it, and "clicked". An event naming a message of
// another contact or channel is stored as it is, uncounted.
void attribute_to_send_steps(host::Service& service, const std::string& client, const std::string& channel,
                             std::vector<engine::IncomingEvent>& events) {
  for (auto& event : events) {
    const auto key = event.properties.find("message");
    if (key == event.properties.end() || !key->is_string() || key->get_ref<const std::string&>().empty()) continue;
    std::optional<store::MessageRecord> message;
    service.store().transact(
        [&](store::Transaction& tx) { message = tx.find_message(client, key->get_ref<const std::string&>()); });
    if (!message || message->journey.empty() || message->contact != event.contact || message->channel != channel)
      continue;
    event.properties["journey"] = message->journey;
    event.properties["step"] = message->step;
    const char* counter = event.type == "popup.seen" ? "opened" : event.type == "popup.clicked" ? "clicked" : nullptr;
    if (counter != nullptr) event.counts = engine::StepCount{message->journey, message->step, counter, {}};
  }
}

}  // namespace

const config::ClientConfig* find_client(const host::Runtime& runtime, const std::string& id) {
  for (const auto& client : runtime.loaded.clients)
    if (client.id == id) return &client;
  return nullptr;
}

bool takes_channel_requests(const plugin::Instance& instance) {
  return instance.takes_requests() && instance.descriptor().abi_minor >= kChannelRequestsAbiMinor;
}

std::string channel_request_wire(const HttpRequest& request, const std::string& client, const std::string& route,
                                 const json& params) {
  const json wire{
      {"method", request.method}, {"path", request.path}, {"query", request.query}, {"headers", request.headers},
      {"body", request.body},     {"client", client},     {"route", route},         {"params", params}};
  return wire.dump(-1, ' ', false, json::error_handler_t::replace);
}

json ask_channel(plugin::Instance& instance, const std::string& wire) {
  auto answer = json::parse(instance.handle_request(wire), nullptr, false);
  if (!answer.is_object() || !answer.contains("status") || !answer["status"].is_number_integer())
    return json{{"status", 500}, {"error", "the plugin answered something that is not a request answer"}};
  return answer;
}

std::string answer_error(const json& answer) {
  const auto it = answer.find("error");
  return it != answer.end() && it->is_string() && !it->get_ref<const std::string&>().empty()
             ? it->get<std::string>()
             : "the plugin gave no reason";
}

HttpResponse store_channel_answer(host::Service& service, const std::string& client, const std::string& channel,
                                  const HttpRequest& request, const json& answer) {
  std::vector<engine::IncomingEvent> events;
  try {
    if (const auto it = answer.find("events"); it != answer.end() && !it->is_null()) {
      if (!it->is_array()) throw engine::EventError("'events' is not a list");
      for (std::size_t i = 0; i < it->size(); ++i)
        events.push_back(engine::parse_event((*it)[i], "channel event " + std::to_string(i)));
    }
  } catch (const engine::EventError& error) {
    spdlog::error("client '{}' channel '{}': its answer to {} {} holds events the host cannot store: {}", client,
                  channel, request.method, request.path, error.what());
    return HttpResponse::error(500, "internal",
                               "the channel answered events the host cannot store; the log has the details");
  }
  attribute_to_send_steps(service, client, channel, events);
  const auto result = events.empty() ? engine::IngestResult{} : service.ingest(client, events);
  if (const auto body = answer.find("body"); body != answer.end() && !body->is_null())
    return HttpResponse::json(answer["status"].get<int>(), body->dump(-1, ' ', false, json::error_handler_t::replace));
  return HttpResponse::json(202, json{{"accepted", result.accepted}, {"duplicates", result.duplicates}}.dump());
}

}  // namespace parcours::api
