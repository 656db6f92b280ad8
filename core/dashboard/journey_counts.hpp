// A journey's live counts, read from the engine's counters (store::Transaction::counter):
// per journey enrolled/completed/exited/converted, per step entered and — by kind —
// waiting now, or the sends' queued/delivered/failed/suppressed, and per split arm how
// many took it and how many of those converted. Read-only: the dashboard never writes.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "journey/journey.hpp"
#include "store/store.hpp"

namespace parcours::dashboard {

struct ArmCounts {
  std::string target;  // the step it goes to, or "end"
  int percent = 0;     // its share of the split's weight
  std::int64_t entered = 0;
  std::int64_t converted = 0;  // of those that took it, how many reached the goal
};

struct StepCounts {
  std::string label;  // the step's id, or "step N": the counters' key
  journey::StepKind kind = journey::StepKind::jump;
  std::int64_t entered = 0;
  std::int64_t waiting = 0;  // wait, wait_until, wait_for: waiting there now
  std::int64_t queued = 0;   // send: messages queued for the channel
  std::int64_t delivered = 0;
  std::int64_t failed = 0;
  std::int64_t suppressed = 0;
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

// Per journey only (no steps): what the overview shows.
JourneyCounts read_journey_totals(store::Transaction& tx, const std::string& client, const std::string& journey);
JourneyCounts read_journey_counts(store::Transaction& tx, const std::string& client, const journey::Journey& journey);

// converted / entered as "12.5%", or "–" when nobody entered.
std::string rate(std::int64_t part, std::int64_t whole);

}  // namespace parcours::dashboard
