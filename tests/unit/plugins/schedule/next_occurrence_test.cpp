#include <catch2/catch.hpp>

#include <cstdio>
#include <string>
#include <vector>

#include "cron_expression.hpp"

using parcours::schedule_plugin::CronExpression;
using parcours::schedule_plugin::Instant;
using parcours::schedule_plugin::resolve_local;

namespace {

// "2026-12-01T09:00:00" as local seconds (date::parse is avoided: g++ 12 warns inside it).
date::local_seconds local(const std::string& text) {
  int year = 0;
  unsigned month = 0, day = 0;
  int hour = 0, minute = 0, second = 0;
  REQUIRE(std::sscanf(text.c_str(), "%d-%u-%uT%d:%d:%d", &year, &month, &day, &hour, &minute, &second) == 6);
  return date::local_days{date::year{year} / month / day} + std::chrono::hours(hour) + std::chrono::minutes(minute) +
         std::chrono::seconds(second);
}

// "2026-12-01T09:00:00Z" as an instant.
Instant utc(const std::string& text) {
  return Instant{local(text).time_since_epoch()};
}

// The next `count` occurrences strictly after `after`, as UTC and (after " = ") as
// local time with its offset, so a failure shows both.
std::vector<std::string> occurrences(const std::string& cron_text, const std::string& after, const char* zone_name,
                                     int count) {
  const auto cron = CronExpression::parse(cron_text);
  const date::time_zone* zone = date::locate_zone(zone_name);
  std::vector<std::string> out;
  Instant cursor = utc(after);
  for (int i = 0; i < count; ++i) {
    const auto next = cron.next_after(cursor, *zone);
    if (!next) {
      out.emplace_back("none");
      break;
    }
    out.push_back(date::format("%FT%TZ", *next) + " = " + date::format("%FT%T%Ez", date::make_zoned(zone, *next)));
    cursor = *next;
  }
  return out;
}

using Strings = std::vector<std::string>;

}  // namespace

TEST_CASE("the next occurrence is strictly after the instant given") {
  CHECK(occurrences("0 9 * * *", "2026-12-01T08:59:59Z", "UTC", 1) ==
        Strings{"2026-12-01T09:00:00Z = 2026-12-01T09:00:00+00:00"});
  CHECK(occurrences("0 9 * * *", "2026-12-01T09:00:00Z", "UTC", 1) ==
        Strings{"2026-12-02T09:00:00Z = 2026-12-02T09:00:00+00:00"});
  CHECK(occurrences("*/15 * * * *", "2026-12-01T09:07:30Z", "UTC", 3) ==
        Strings{"2026-12-01T09:15:00Z = 2026-12-01T09:15:00+00:00", "2026-12-01T09:30:00Z = 2026-12-01T09:30:00+00:00",
                "2026-12-01T09:45:00Z = 2026-12-01T09:45:00+00:00"});
}

TEST_CASE("the expression is read in the zone's local time, winter and summer") {
  CHECK(occurrences("0 9 * * *", "2026-12-01T00:00:00Z", "Europe/Paris", 1) ==
        Strings{"2026-12-01T08:00:00Z = 2026-12-01T09:00:00+01:00"});
  CHECK(occurrences("0 9 * * *", "2026-07-01T00:00:00Z", "Europe/Paris", 1) ==
        Strings{"2026-07-01T07:00:00Z = 2026-07-01T09:00:00+02:00"});
  CHECK(occurrences("0 9 * * *", "2026-12-01T00:00:00Z", "America/New_York", 1) ==
        Strings{"2026-12-01T14:00:00Z = 2026-12-01T09:00:00-05:00"});
  // 23:00 UTC on 30 November is already 1 December, 08:00, in Tokyo: its 09:00 is an hour away.
  CHECK(occurrences("0 9 * * *", "2026-11-30T23:00:00Z", "Asia/Tokyo", 1) ==
        Strings{"2026-12-01T00:00:00Z = 2026-12-01T09:00:00+09:00"});
}

TEST_CASE("month ends: the 31st skips the months without one, the 30th skips February") {
  CHECK(occurrences("0 0 31 * *", "2026-01-31T00:00:00Z", "UTC", 3) ==
        Strings{"2026-03-31T00:00:00Z = 2026-03-31T00:00:00+00:00", "2026-05-31T00:00:00Z = 2026-05-31T00:00:00+00:00",
                "2026-07-31T00:00:00Z = 2026-07-31T00:00:00+00:00"});
  CHECK(occurrences("30 23 30 * *", "2026-01-31T00:00:00Z", "UTC", 1) ==
        Strings{"2026-03-30T23:30:00Z = 2026-03-30T23:30:00+00:00"});
  // The last minute of the year rolls into the next one.
  CHECK(
      occurrences("59 23 31 12 *", "2026-12-31T23:58:00Z", "UTC", 2) ==
      Strings{"2026-12-31T23:59:00Z = 2026-12-31T23:59:00+00:00", "2027-12-31T23:59:00Z = 2027-12-31T23:59:00+00:00"});
}

TEST_CASE("29 February fires in leap years only, and 2100 is not one") {
  CHECK(
      occurrences("0 12 29 2 *", "2026-03-01T00:00:00Z", "UTC", 2) ==
      Strings{"2028-02-29T12:00:00Z = 2028-02-29T12:00:00+00:00", "2032-02-29T12:00:00Z = 2032-02-29T12:00:00+00:00"});
  CHECK(occurrences("0 12 29 2 *", "2096-03-01T00:00:00Z", "UTC", 1) ==
        Strings{"2104-02-29T12:00:00Z = 2104-02-29T12:00:00+00:00"});
}

TEST_CASE("both day fields restricted: the 13th or a Friday, whichever comes first") {
  // November 2026: Fridays 6, 13, 20, 27; December: Fridays 4, 11, 18; Sunday the 13th.
  CHECK(occurrences("0 8 13 * FRI", "2026-11-01T00:00:00Z", "UTC", 8) ==
        Strings{"2026-11-06T08:00:00Z = 2026-11-06T08:00:00+00:00", "2026-11-13T08:00:00Z = 2026-11-13T08:00:00+00:00",
                "2026-11-20T08:00:00Z = 2026-11-20T08:00:00+00:00", "2026-11-27T08:00:00Z = 2026-11-27T08:00:00+00:00",
                "2026-12-04T08:00:00Z = 2026-12-04T08:00:00+00:00", "2026-12-11T08:00:00Z = 2026-12-11T08:00:00+00:00",
                "2026-12-13T08:00:00Z = 2026-12-13T08:00:00+00:00",
                "2026-12-18T08:00:00Z = 2026-12-18T08:00:00+00:00"});
}

TEST_CASE("Paris, spring forward (29 March 2026, 02:00 -> 03:00): a missing time fires at the end of the gap") {
  // 02:30 does not exist that night: it fires at 03:00 CEST (01:00 UTC), then at 02:30 again the next day.
  CHECK(
      occurrences("30 2 * * *", "2026-03-28T12:00:00Z", "Europe/Paris", 2) ==
      Strings{"2026-03-29T01:00:00Z = 2026-03-29T03:00:00+02:00", "2026-03-30T00:30:00Z = 2026-03-30T02:30:00+02:00"});
  // Hourly: 02:00 does not exist and 03:00 is the same instant as the end of the gap: one occurrence, no hole.
  CHECK(occurrences("0 * * * *", "2026-03-28T23:30:00Z", "Europe/Paris", 3) ==
        Strings{"2026-03-29T00:00:00Z = 2026-03-29T01:00:00+01:00", "2026-03-29T01:00:00Z = 2026-03-29T03:00:00+02:00",
                "2026-03-29T02:00:00Z = 2026-03-29T04:00:00+02:00"});
  // Four missing times (02:00, 02:15, 02:30, 02:45) are one occurrence, not four.
  CHECK(
      occurrences("*/15 2 * * *", "2026-03-28T12:00:00Z", "Europe/Paris", 2) ==
      Strings{"2026-03-29T01:00:00Z = 2026-03-29T03:00:00+02:00", "2026-03-30T00:00:00Z = 2026-03-30T02:00:00+02:00"});
  // The day before and after are unaffected.
  CHECK(occurrences("30 2 * * *", "2026-03-27T12:00:00Z", "Europe/Paris", 1) ==
        Strings{"2026-03-28T01:30:00Z = 2026-03-28T02:30:00+01:00"});
}

TEST_CASE("Paris, fall back (25 October 2026, 03:00 -> 02:00): a repeated time fires once, the first time") {
  // 02:30 happens at 00:30 UTC (CEST) and 01:30 UTC (CET): only the first fires.
  CHECK(
      occurrences("30 2 * * *", "2026-10-24T12:00:00Z", "Europe/Paris", 2) ==
      Strings{"2026-10-25T00:30:00Z = 2026-10-25T02:30:00+02:00", "2026-10-26T01:30:00Z = 2026-10-26T02:30:00+01:00"});
  // Looking from inside the second 02:xx hour, 02:30 has already fired today.
  CHECK(occurrences("30 2 * * *", "2026-10-25T01:15:00Z", "Europe/Paris", 1) ==
        Strings{"2026-10-26T01:30:00Z = 2026-10-26T02:30:00+01:00"});
  // Hourly: 02:00 fires once (CEST); the repeated hour has no occurrence of its own.
  CHECK(occurrences("0 * * * *", "2026-10-24T23:30:00Z", "Europe/Paris", 3) ==
        Strings{"2026-10-25T00:00:00Z = 2026-10-25T02:00:00+02:00", "2026-10-25T02:00:00Z = 2026-10-25T03:00:00+01:00",
                "2026-10-25T03:00:00Z = 2026-10-25T04:00:00+01:00"});
}

TEST_CASE("New York: the gap (8 March 2026) and the overlap (1 November 2026)") {
  CHECK(
      occurrences("30 2 * * *", "2026-03-07T12:00:00Z", "America/New_York", 2) ==
      Strings{"2026-03-08T07:00:00Z = 2026-03-08T03:00:00-04:00", "2026-03-09T06:30:00Z = 2026-03-09T02:30:00-04:00"});
  CHECK(
      occurrences("30 1 * * *", "2026-10-31T12:00:00Z", "America/New_York", 2) ==
      Strings{"2026-11-01T05:30:00Z = 2026-11-01T01:30:00-04:00", "2026-11-02T06:30:00Z = 2026-11-02T01:30:00-05:00"});
  // A daily 09:00 stays at 09:00 local across both changes.
  CHECK(
      occurrences("0 9 * * *", "2026-03-07T12:00:00Z", "America/New_York", 2) ==
      Strings{"2026-03-07T14:00:00Z = 2026-03-07T09:00:00-05:00", "2026-03-08T13:00:00Z = 2026-03-08T09:00:00-04:00"});
}

TEST_CASE("resolve_local: unique, missing and repeated local times") {
  const date::time_zone* paris = date::locate_zone("Europe/Paris");
  CHECK(resolve_local(local("2026-12-01T09:00:00"), *paris) == utc("2026-12-01T08:00:00Z"));
  CHECK(resolve_local(local("2026-03-29T02:59:00"), *paris) == utc("2026-03-29T01:00:00Z"));
  CHECK(resolve_local(local("2026-10-25T02:59:00"), *paris) == utc("2026-10-25T00:59:00Z"));
}
