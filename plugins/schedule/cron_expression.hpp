// The cron expressions of the `schedule` trigger: parsing the five Vixie-cron fields
// (and the @daily-style macros) into sets of allowed values, and the next occurrence
// after an instant, evaluated in the local time of an IANA zone.
//
// Pure computation: no clock, no thread, no plugin SDK. The trigger (schedule_trigger.cpp)
// decides when to look; the unit tests (tests/unit/plugins/schedule/) link this directly.
//
// Local time and daylight saving time:
//   - a local time that does not exist (the spring-forward gap, 02:30 in Paris on the
//     last Sunday of March) fires at the first instant after the gap (03:00 local), as
//     Vixie cron runs the jobs of the skipped interval right after the change;
//   - a local time that happens twice (the fall-back overlap) fires once, at its first
//     occurrence (02:30 summer time, not 02:30 winter time);
//   - several local times landing on one instant (02:00 and 03:00 on the gap day for
//     "0 * * * *") are one occurrence: occurrences are distinct instants.
#pragma once

#include <bitset>
#include <chrono>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include <date/date.h>
#include <date/tz.h>

namespace parcours::schedule_plugin {

// Levenshtein distance, for "did you mean" in the messages of cron names and time
// zones.
std::size_t edit_distance(std::string_view a, std::string_view b);

// A refused expression. The message names the field, the value and what is allowed,
// e.g. "field 2 (hour) value 24 is out of range 0-23"; the trigger prefixes "cron: ".
class CronError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

using Instant = date::sys_seconds;

class CronExpression {
 public:
  // Parses "minute hour day-of-month month day-of-week" or a macro (@hourly, @daily,
  // @midnight, @weekly, @monthly, @yearly, @annually). Throws CronError.
  static CronExpression parse(std::string_view text);

  // The first occurrence strictly after `after`, in `zone`'s local time. Nothing when
  // none falls in the next ten years (parse() refuses expressions that never fire, so
  // this happens only for the far end of the tz database).
  std::optional<Instant> next_after(Instant after, const date::time_zone& zone) const;

  // Whether the expression fires on that local date at all (month, and day-of-month /
  // day-of-week with Vixie cron's rule: when both are restricted, either may match).
  bool fires_on(date::year_month_day day) const;
  // Whether it fires at that local minute of a day on which it fires.
  bool fires_at(std::chrono::hours hour, std::chrono::minutes minute) const;

  // The expression as written (macros as written too).
  const std::string& text() const noexcept { return text_; }

 private:
  CronExpression() = default;

  std::string text_;
  std::bitset<60> minutes_;
  std::bitset<24> hours_;
  std::bitset<32> days_of_month_;  // bits 1-31
  std::bitset<13> months_;         // bits 1-12
  std::bitset<7> days_of_week_;    // 0 = Sunday (7 is read as 0)
  // Vixie cron: a field that starts with '*' (including "*/2") counts as unrestricted
  // for the day-of-month / day-of-week rule.
  bool day_of_month_star_ = false;
  bool day_of_week_star_ = false;
};

// The instant a local time stands for in `zone`, by the rules above: a unique time is
// itself, an ambiguous one its first occurrence, a missing one the end of the gap.
Instant resolve_local(date::local_seconds local, const date::time_zone& zone);

}  // namespace parcours::schedule_plugin
