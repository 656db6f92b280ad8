// An ingestion request's body as events (HTTP-API.md): one event object, a JSON array
// of them, or NDJSON (Content-Type: application/x-ndjson). Every event is checked
// before any is stored; the first bad one throws engine::EventError naming its index
// (or line) and field.
#pragma once

#include <string>
#include <vector>

#include "engine/incoming_event.hpp"

namespace parcours::api {

std::vector<engine::IncomingEvent> parse_event_body(const std::string& body, const std::string& content_type);

}  // namespace parcours::api
