#include <catch2/catch.hpp>

#include "config/duration.hpp"

using parcours::config::DurationError;
using parcours::config::format_duration;
using parcours::config::parse_duration;
using namespace std::chrono_literals;

TEST_CASE("durations of one unit are read in seconds") {
  CHECK(parse_duration("30s") == 30s);
  CHECK(parse_duration("15m") == 15min);
  CHECK(parse_duration("2h") == 2h);
  CHECK(parse_duration("3d") == 72h);
  CHECK(parse_duration("1w") == 168h);
}

TEST_CASE("units combine from the largest down") {
  CHECK(parse_duration("1d12h") == 36h);
  CHECK(parse_duration("1h30m") == 90min);
  CHECK(parse_duration("1w2d3h4m5s") == std::chrono::seconds(604800 + 2 * 86400 + 3 * 3600 + 4 * 60 + 5));
}

TEST_CASE("an unknown unit is refused at its offset") {
  DurationError error;
  CHECK_FALSE(parse_duration("5x", &error));
  CHECK(error.offset == 1);
  CHECK_THAT(error.message, Catch::Contains("unknown unit 'x'"));
}

TEST_CASE("malformed durations are refused, never guessed") {
  for (const char* text : {"", "5", "h", "1.5h", "-1h", "1h1d", "1d1d", " 1h", "1h ", "0s", "1H"}) {
    DurationError error;
    INFO(text);
    CHECK_FALSE(parse_duration(text, &error));
    CHECK_FALSE(error.message.empty());
  }
}

TEST_CASE("units out of order say to write the largest first") {
  DurationError error;
  CHECK_FALSE(parse_duration("30m1h", &error));
  CHECK(error.offset == 4);
  CHECK_THAT(error.message, Catch::Contains("largest unit first"));
}

TEST_CASE("a huge number is refused instead of overflowing") {
  DurationError error;
  CHECK_FALSE(parse_duration("99999999999999999999w", &error));
  CHECK_THAT(error.message, Catch::Contains("too large"));
}

TEST_CASE("durations format canonically") {
  CHECK(format_duration(36h) == "1d12h");
  CHECK(format_duration(90min) == "1h30m");
  CHECK(format_duration(0s) == "0s");
  CHECK(format_duration(std::chrono::seconds(604800 + 1)) == "1w1s");
  CHECK(parse_duration(format_duration(std::chrono::seconds(987654))) == std::chrono::seconds(987654));
}
