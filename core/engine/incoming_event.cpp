#include "engine/incoming_event.hpp"

#include "journey/value.hpp"
#include "render/json_text.hpp"

namespace parcours::engine {
namespace {

// Event types and contact ids appear in URLs, logs and metric labels.
bool printable(std::string_view text) {
  for (unsigned char c : text)
    if (c < 0x20 || c == 0x7f) return false;
  return true;
}

std::string required_string(const nlohmann::json& object, const char* key, const std::string& where) {
  const auto it = object.find(key);
  if (it == object.end() || it->is_null()) throw EventError(where + ": '" + key + "' is missing");
  if (!it->is_string()) throw EventError(where + ": '" + key + "' must be a string");
  const auto& text = it->get_ref<const std::string&>();
  if (text.empty()) throw EventError(where + ": '" + key + "' is empty");
  if (text.size() > 256 || !printable(text))
    throw EventError(where + ": '" + key + "' must be at most 256 printable characters");
  return text;
}

nlohmann::json optional_object(const nlohmann::json& object, const char* key, const std::string& where) {
  const auto it = object.find(key);
  if (it == object.end() || it->is_null()) return nlohmann::json::object();
  if (!it->is_object()) throw EventError(where + ": '" + key + "' must be an object");
  return *it;
}

}  // namespace

IncomingEvent parse_event(const nlohmann::json& object, const std::string& where) {
  if (!object.is_object()) throw EventError(where + ": an event must be a JSON object");
  static const char* const known[] = {"id", "type", "contact", "time", "properties", "attributes"};
  for (const auto& [key, value] : object.items()) {
    bool ok = false;
    for (const char* name : known) ok = ok || key == name;
    if (!ok)
      throw EventError(where + ": unknown field '" + key +
                       "' (an event has id, type, contact, time, properties, attributes)");
  }
  IncomingEvent event;
  if (object.contains("id") && !object["id"].is_null()) event.id = required_string(object, "id", where);
  event.type = required_string(object, "type", where);
  event.contact = required_string(object, "contact", where);
  if (const auto it = object.find("time"); it != object.end() && !it->is_null()) {
    const auto time = it->is_string() ? journey::parse_iso_time(it->get_ref<const std::string&>()) : std::nullopt;
    if (!time)
      throw EventError(where + ": 'time' must be an RFC 3339 time like \"2026-11-22T10:00:00Z\", not " + it->dump());
    event.time = time->time_since_epoch().count();
  }
  event.properties = optional_object(object, "properties", where);
  event.attributes = optional_object(object, "attributes", where);
  return event;
}

std::vector<IncomingEvent> parse_ndjson(std::string_view text, const std::string& name) {
  std::vector<IncomingEvent> events;
  std::size_t line_number = 0;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view line = text.substr(start, end - start);
    ++line_number;
    start = end + 1;
    if (line.find_first_not_of(" \t\r") == std::string_view::npos) continue;
    const std::string where = name + ":" + std::to_string(line_number);
    auto json = render::parse_json_or_discarded(line);
    if (json.is_discarded()) throw EventError(where + ": not a JSON object (NDJSON: one event object per line)");
    events.push_back(parse_event(json, where));
  }
  return events;
}

}  // namespace parcours::engine
