#include <catch2/catch.hpp>

#include "schedule/clock.hpp"
#include "schedule/local_time.hpp"

using parcours::schedule::at_local_minute;
using parcours::schedule::format_time;
using parcours::schedule::known_zone;
using parcours::schedule::ManualClock;
using parcours::schedule::quiet_window_end;
using parcours::schedule::TimeMs;

namespace {
// 2026-11-02T10:00:00Z
constexpr TimeMs kMonday = 1793613600000;
constexpr TimeMs kHour = 3'600'000;
}  // namespace

TEST_CASE("times print as RFC 3339 UTC, with milliseconds only when there are some") {
  CHECK(format_time(kMonday) == "2026-11-02T10:00:00Z");
  CHECK(format_time(kMonday + 250) == "2026-11-02T10:00:00.250Z");
  CHECK(format_time(0) == "1970-01-01T00:00:00Z");
}

TEST_CASE("a manual clock moves only forward") {
  ManualClock clock(kMonday);
  clock.advance(kHour);
  CHECK(clock.now() == kMonday + kHour);
  clock.set(kMonday);  // earlier: ignored
  CHECK(clock.now() == kMonday + kHour);
}

TEST_CASE("at 09:00 means 09:00 on the same local date in the zone") {
  CHECK(format_time(at_local_minute(kMonday, 9 * 60, "Europe/Paris")) == "2026-11-02T08:00:00Z");
  CHECK(format_time(at_local_minute(kMonday, 9 * 60, "America/New_York")) == "2026-11-02T14:00:00Z");
  // 10:00 UTC is already 19:00 on 2 November in Tokyo: 09:00 that day was 00:00 UTC.
  CHECK(format_time(at_local_minute(kMonday, 9 * 60, "Asia/Tokyo")) == "2026-11-02T00:00:00Z");
  CHECK(format_time(at_local_minute(kMonday, 9 * 60, "No/Such_Zone")) == "2026-11-02T09:00:00Z");  // UTC
}

TEST_CASE("a time at 00:00 UTC is a date: `at` lands on that calendar day in every zone") {
  const TimeMs november24 = 1795478400000;  // 2026-11-24T00:00:00Z, e.g. "2026-12-01" - 7d
  // In New York that instant is still the 23rd; the traveller's day is the 24th.
  CHECK(format_time(at_local_minute(november24, 9 * 60, "America/New_York")) == "2026-11-24T14:00:00Z");
  CHECK(format_time(at_local_minute(november24, 9 * 60, "Asia/Tokyo")) == "2026-11-24T00:00:00Z");
  // One minute later it is an instant again, read in the zone: 23 Nov, 19:01 in New York.
  CHECK(format_time(at_local_minute(november24 + 60'000, 9 * 60, "America/New_York")) == "2026-11-23T14:00:00Z");
}

TEST_CASE("a local time inside a DST gap moves forward by the gap; in an overlap the earlier one wins") {
  // Paris springs forward on 2026-03-29: 02:30 does not exist, 03:30 CEST (01:30 UTC) is used.
  const TimeMs march29 = 1774778400000;  // 2026-03-29T10:00:00Z
  CHECK(format_time(at_local_minute(march29, 2 * 60 + 30, "Europe/Paris")) == "2026-03-29T01:30:00Z");
  // Paris falls back on 2026-10-25: 02:30 happens twice; the first (CEST, 00:30 UTC) is used.
  const TimeMs october25 = 1792922400000;  // 2026-10-25T10:00:00Z
  CHECK(format_time(at_local_minute(october25, 2 * 60 + 30, "Europe/Paris")) == "2026-10-25T00:30:00Z");
}

TEST_CASE("quiet hours that span midnight defer to their end, in local time") {
  const int start = 21 * 60, end = 8 * 60;
  // 21:30 UTC = 22:30 Paris: quiet until 08:00 Paris the next day (07:00 UTC).
  const auto late = quiet_window_end(kMonday + 11 * kHour + 30 * 60'000, start, end, "Europe/Paris");
  REQUIRE(late);
  CHECK(format_time(*late) == "2026-11-03T07:00:00Z");
  // 05:00 UTC = 06:00 Paris: quiet until 08:00 Paris the same day.
  const auto early = quiet_window_end(kMonday - 5 * kHour, start, end, "Europe/Paris");
  REQUIRE(early);
  CHECK(format_time(*early) == "2026-11-02T07:00:00Z");
  // 10:00 UTC = 11:00 Paris: not quiet.
  CHECK_FALSE(quiet_window_end(kMonday, start, end, "Europe/Paris"));
}

TEST_CASE("quiet hours within one day") {
  const auto lunch = quiet_window_end(kMonday + 2 * kHour, 12 * 60, 14 * 60, "UTC");
  REQUIRE(lunch);
  CHECK(format_time(*lunch) == "2026-11-02T14:00:00Z");
  CHECK_FALSE(quiet_window_end(kMonday + 4 * kHour, 12 * 60, 14 * 60, "UTC"));
}

TEST_CASE("zones are known or not") {
  CHECK(known_zone("Europe/Paris"));
  CHECK_FALSE(known_zone("Europe/Pari"));
}
