#include "schedule/local_time.hpp"

#include <date/tz.h>

namespace parcours::schedule {
namespace {

using std::chrono::milliseconds;
using std::chrono::minutes;

const date::time_zone* zone_or_utc(std::string_view zone) {
  try {
    return date::locate_zone(zone);
  } catch (const std::exception&) {
    return date::locate_zone("UTC");
  }
}

TimeMs to_ms(date::sys_time<milliseconds> time) {
  return time.time_since_epoch().count();
}

// The UTC instant of a local time. `first` is the offset in force before the local
// time: for a unique time, its offset; in an overlap, the earlier instant's; in a DST
// gap, the offset before the gap, which moves the time forward by the gap.
TimeMs resolve(const date::time_zone* tz, date::local_time<milliseconds> local) {
  const auto info = tz->get_info(local);
  return to_ms(date::sys_time<milliseconds>(local.time_since_epoch() - info.first.offset));
}

}  // namespace

bool known_zone(std::string_view zone) {
  try {
    (void)date::locate_zone(zone);
    return true;
  } catch (const std::exception&) {
    return false;
  }
}

TimeMs at_local_minute(TimeMs time, int minute_of_day, std::string_view zone) {
  const date::time_zone* tz = zone_or_utc(zone);
  const date::sys_time<milliseconds> instant{milliseconds(time)};
  // A time at exactly 00:00 UTC is a date (`"2026-12-01"`, or one minus whole days):
  // the traveller's departure day is that day wherever they live, not the day it
  // happens to be in their zone at UTC midnight.
  if (instant == date::floor<date::days>(instant)) {
    const date::local_days day{date::floor<date::days>(instant).time_since_epoch()};
    return resolve(tz, date::local_time<milliseconds>(day) + minutes(minute_of_day));
  }
  const auto local = tz->to_local(instant);
  const auto midnight = date::floor<date::days>(local);
  return resolve(tz, date::local_time<milliseconds>(midnight) + minutes(minute_of_day));
}

std::optional<TimeMs> quiet_window_end(TimeMs time, int start_minute, int end_minute, std::string_view zone) {
  const date::time_zone* tz = zone_or_utc(zone);
  const auto local = tz->to_local(date::sys_time<milliseconds>(milliseconds(time)));
  const auto midnight = date::floor<date::days>(local);
  const int minute = static_cast<int>(date::floor<minutes>(local - midnight).count());
  const auto end_on = [&](date::local_days day) {
    return resolve(tz, date::local_time<milliseconds>(day) + minutes(end_minute));
  };
  if (start_minute < end_minute) {  // e.g. 12:00–14:00, within one day
    if (minute >= start_minute && minute < end_minute) return end_on(midnight);
    return std::nullopt;
  }
  // Spans midnight, e.g. 21:00–08:00.
  if (minute >= start_minute) return end_on(midnight + date::days(1));
  if (minute < end_minute) return end_on(midnight);
  return std::nullopt;
}

}  // namespace parcours::schedule
