// Local-time arithmetic in IANA time zones (Howard Hinnant's date/tz on the OS tz
// database): where `at = "09:00"` lands, and whether an instant falls in quiet hours.
// A zone name that the database does not know falls back to UTC (config validation
// refuses unknown zones in client.toml; a contact's own `timezone` attribute may
// still be wrong, and a journey must not stop for that).
#pragma once

#include <optional>
#include <string_view>

#include "schedule/clock.hpp"

namespace parcours::schedule {

// The instant that is `minute_of_day` (minutes after local midnight) on the local date
// of `time` in `zone` — or, when `time` is exactly 00:00 UTC (a date, such as
// "2026-12-01" or that minus 7d), on that calendar date itself. In a DST gap (02:30 that does not exist) the time is
// moved forward by the gap; in an overlap the earlier instant is used.
TimeMs at_local_minute(TimeMs time, int minute_of_day, std::string_view zone);

// When `time` (local in `zone`) falls in the window [start_minute, end_minute) —
// which spans midnight when start > end — the instant the window ends; else nothing.
std::optional<TimeMs> quiet_window_end(TimeMs time, int start_minute, int end_minute, std::string_view zone);

// Whether `zone` is a zone the tz database knows.
bool known_zone(std::string_view zone);

}  // namespace parcours::schedule
