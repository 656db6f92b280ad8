#include "api/event_body.hpp"

#include <nlohmann/json.hpp>

#include "render/json_text.hpp"

namespace parcours::api {

std::vector<engine::IncomingEvent> parse_event_body(const std::string& body, const std::string& content_type) {
  if (content_type.rfind("application/x-ndjson", 0) == 0) {
    auto events = engine::parse_ndjson(body, "line");
    if (events.empty()) throw engine::EventError("the body holds no event");
    return events;
  }
  const auto parsed = render::parse_json_or_discarded(body);
  if (parsed.is_discarded())
    throw engine::EventError(
        "the body is not JSON: send one event object, a JSON array of events, or NDJSON with Content-Type: "
        "application/x-ndjson");
  std::vector<engine::IncomingEvent> events;
  if (parsed.is_array()) {
    if (parsed.empty()) throw engine::EventError("the batch is empty");
    events.reserve(parsed.size());
    for (std::size_t i = 0; i < parsed.size(); ++i)
      events.push_back(engine::parse_event(parsed[i], "event " + std::to_string(i)));
    return events;
  }
  events.push_back(engine::parse_event(parsed, "the event"));
  return events;
}

}  // namespace parcours::api
