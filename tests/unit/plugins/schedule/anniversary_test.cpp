#include <catch2/catch.hpp>

#include "anniversary.hpp"

using date::February;
using date::January;
using date::March;
using parcours::schedule_plugin::anniversary_of;
using parcours::schedule_plugin::is_anniversary;

TEST_CASE("an anniversary column holds a date or an ISO date-time, whose date is taken as written") {
  CHECK(anniversary_of("1990-02-14") == February / 14);
  CHECK(anniversary_of("1990-02-14T23:30:00Z") == February / 14);  // not moved to the 15th anywhere
  CHECK(anniversary_of("1990-02-14T23:30:00-05:00") == February / 14);
  CHECK(anniversary_of("1990-02-14 08:30") == February / 14);
  CHECK(anniversary_of("1992-02-29") == February / 29);
  CHECK(anniversary_of("2000-12-31") == date::December / 31);
}

TEST_CASE("a value that is not a valid calendar date has no anniversary") {
  CHECK_FALSE(anniversary_of(""));
  CHECK_FALSE(anniversary_of("1990-2-14"));
  CHECK_FALSE(anniversary_of("14/02/1990"));
  CHECK_FALSE(anniversary_of("1990-02-30"));
  CHECK_FALSE(anniversary_of("1990-02-29"));  // 1990 is a common year: no such birthday
  CHECK_FALSE(anniversary_of("1990-13-01"));
  CHECK_FALSE(anniversary_of("1990-00-10"));
  CHECK_FALSE(anniversary_of("1990-02-14x"));
  CHECK_FALSE(anniversary_of("199O-02-14"));
  CHECK_FALSE(anniversary_of("n/a"));
}

TEST_CASE("an anniversary falls on the same month and day, any year") {
  CHECK(is_anniversary(February / 14, date::year{2026} / February / 14));
  CHECK_FALSE(is_anniversary(February / 14, date::year{2026} / February / 15));
  CHECK_FALSE(is_anniversary(February / 14, date::year{2026} / March / 14));
  CHECK(is_anniversary(January / 1, date::year{2027} / January / 1));
}

TEST_CASE("29 February falls on 28 February in common years, and on the 29th in leap years") {
  CHECK(is_anniversary(February / 29, date::year{2027} / February / 28));
  CHECK_FALSE(is_anniversary(February / 29, date::year{2027} / March / 1));
  CHECK(is_anniversary(February / 29, date::year{2028} / February / 29));
  CHECK_FALSE(is_anniversary(February / 29, date::year{2028} / February / 28));  // the 29th exists that year
  CHECK(is_anniversary(February / 29, date::year{2100} / February / 28));        // 2100 is not a leap year
  // Someone born on the 28th is not celebrated twice in a leap year.
  CHECK(is_anniversary(February / 28, date::year{2028} / February / 28));
  CHECK_FALSE(is_anniversary(February / 28, date::year{2028} / February / 29));
}
