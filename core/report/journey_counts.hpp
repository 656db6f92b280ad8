// core/report/ reads what journeys did from the engine's counters in the store
// (store::Transaction::counter) and hands it out as plain data: per journey enrolled,
// completed, exited, converted; per step entered and — by kind — waiting now, or what
// became of its messages (queued, sent, delivered, failed, suppressed with the reason);
// per split arm how many took it and how many of those converted.
//
// Both faces of those numbers read them here — the dashboard's pages (core/dashboard/)
// and the HTTP API's JSON (core/api/) — so that the two always agree. It only reads:
// the counters are written by the engine and the dispatcher (core/engine/), under the
// names listed in journey_counts.cpp.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "journey/journey.hpp"
#include "store/store.hpp"

namespace parcours::report {

struct ArmCounts {
  std::string target;  // the step it goes to, or "end"
  int percent = 0;     // its share of the split's weight
  std::int64_t entered = 0;
  std::int64_t converted = 0;  // of those that took it, how many reached the goal
};

// Why the dispatcher skipped a message (CONFIG.md, "Pressure and consent").
struct SuppressedCounts {
  std::int64_t consent = 0;
  std::int64_t pressure = 0;
};

struct StepCounts {
  std::string label;  // the step's id, or "step N": the counters' key
  journey::StepKind kind = journey::StepKind::jump;
  std::int64_t entered = 0;
  std::int64_t waiting = 0;     // wait, wait_until, wait_for: waiting there now
  std::int64_t queued = 0;      // send: messages put in the outbox
  std::int64_t sent = 0;        // handed to the channel (once per message, whatever its retries)
  std::int64_t delivered = 0;   // the channel accepted them
  std::int64_t failed = 0;      // failed for good (the channel refused, or could not be rendered)
  std::int64_t suppressed = 0;  // skipped by consent or pressure rules
  std::int64_t opened = 0;      // messages opened (the open pixel loaded; each message once)
  std::int64_t clicked = 0;     // messages with a tracked link followed (each message once)
  SuppressedCounts suppressed_by;
  std::vector<ArmCounts> arms;  // split

  bool waits() const;
  bool sends() const { return kind == journey::StepKind::send; }
};

struct JourneyCounts {
  std::int64_t enrolled = 0;
  std::int64_t active = 0;  // enrolled and not finished: running or waiting
  std::int64_t completed = 0;
  std::int64_t exited = 0;
  std::int64_t converted = 0;
  std::vector<StepCounts> steps;  // in the journey's order
};

// The label the engine counts a step under (engine.cpp): its id, or "step N".
std::string counter_label(const journey::Step& step);

// Per journey only (no steps): what the overview and the journey list show.
JourneyCounts read_journey_totals(store::Transaction& tx, const std::string& client, const std::string& journey);
JourneyCounts read_journey_counts(store::Transaction& tx, const std::string& client, const journey::Journey& journey);

// part / whole, or nothing when whole is 0 (nobody to divide by).
std::optional<double> ratio(std::int64_t part, std::int64_t whole);
// The same as "12.5%", or "–" when nobody entered: for people.
std::string rate(std::int64_t part, std::int64_t whole);

}  // namespace parcours::report
