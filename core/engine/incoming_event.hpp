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

// A counter of a send step that an event adds one to when it is stored — not when it is
// a duplicate: tracking (core/links) counts each message's opens and clicks this way,
// in the transaction that stores the event.
struct StepCount {
  std::string journey;
  std::string step;
  std::string counter;  // "opened", "clicked"
  // When not empty, counted only if no other event of the client has an id starting
  // with it: a message's clicks on several links count it once.
  std::string unique_prefix;
};

struct IncomingEvent {
  std::string id;  // empty: the engine assigns one
  std::string type;
  std::string contact;
  std::optional<schedule::TimeMs> time;  // none: now
  nlohmann::json properties = nlohmann::json::object();
  nlohmann::json attributes = nlohmann::json::object();
  std::optional<StepCount> counts;  // set by the host for tracking events, never parsed
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
