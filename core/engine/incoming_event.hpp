// Events as they come in (HTTP ingestion, NDJSON files for `simulate`, trigger
// plugins): `{"id", "type", "contact", "time", "properties", "attributes"}`. Parsing
// checks everything before anything is stored, so a bad batch changes nothing.
#pragma once

#include <nlohmann/json.hpp>

#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "schedule/clock.hpp"

namespace parcours::engine {

struct IncomingEvent {
  std::string id;  // empty: the engine assigns one
  std::string type;
  std::string contact;
  std::optional<schedule::TimeMs> time;  // none: now
  nlohmann::json properties = nlohmann::json::object();
  nlohmann::json attributes = nlohmann::json::object();
};

// A refused event or batch: the message names the event (its index in a batch, its
// line in a file) and the field, and says what was expected.
class EventError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// One event object. `where` prefixes messages, e.g. "event 3" or "events.ndjson:7".
IncomingEvent parse_event(const nlohmann::json& object, const std::string& where);

// NDJSON text (one object a line; blank lines skipped). Every line is checked; the
// first bad one throws with its line number (as `name:line`).
std::vector<IncomingEvent> parse_ndjson(std::string_view text, const std::string& name);

}  // namespace parcours::engine
