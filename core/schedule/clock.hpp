// core/schedule/ is time for the whole host: one Clock that all logic reads, and the
// local-time arithmetic of time zones (quiet hours, `at = "09:00"`).
//
// In production the clock is the wall clock. `parcours simulate`, `run --clock
// manual` and tests use a ManualClock that moves only when told, so a 30-day journey
// runs in milliseconds. Nothing waits on this clock: durations become absolute due
// times in the store (core/store/), and whoever drives the engine asks the store what
// is due. Nothing here touches the store or the engine.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>

namespace parcours::schedule {

using TimeMs = std::int64_t;  // milliseconds since the Unix epoch, UTC

class Clock {
 public:
  virtual ~Clock() = default;
  virtual TimeMs now() const = 0;
};

class SystemClock final : public Clock {
 public:
  TimeMs now() const override;
};

// A clock that only moves when told. Never goes backwards: set() to an earlier time
// is ignored, so work already done cannot be "undone" by a late event.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(TimeMs start) : now_(start) {}
  TimeMs now() const override { return now_.load(std::memory_order_acquire); }
  void set(TimeMs time);
  void advance(TimeMs by) { set(now() + by); }

 private:
  std::atomic<TimeMs> now_;
};

// RFC 3339 in UTC for people and JSON: "2026-11-22T10:00:00Z" (".250" only when the
// milliseconds are not zero).
std::string format_time(TimeMs time);

}  // namespace parcours::schedule
