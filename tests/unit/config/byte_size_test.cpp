#include <catch2/catch.hpp>

#include "config/byte_size.hpp"

using parcours::config::ByteSizeError;
using parcours::config::format_byte_size;
using parcours::config::parse_byte_size;

TEST_CASE("sizes are read in binary and decimal units") {
  CHECK(parse_byte_size("512B") == 512u);
  CHECK(parse_byte_size("16KiB") == 16u * 1024);
  CHECK(parse_byte_size("10MiB") == 10u * 1024 * 1024);
  CHECK(parse_byte_size("1GiB") == 1024u * 1024 * 1024);
  CHECK(parse_byte_size("2KB") == 2000u);
  CHECK(parse_byte_size("2kB") == 2000u);
  CHECK(parse_byte_size("25MB") == 25'000'000u);
  CHECK(parse_byte_size("1GB") == 1'000'000'000u);
}

TEST_CASE("a size that is not one is refused with where and why") {
  ByteSizeError error;
  CHECK_FALSE(parse_byte_size("10", &error));
  CHECK(error.offset == 2);
  CHECK(error.message == "missing unit in size '10' (B, KiB, MiB, GiB, KB, MB or GB; e.g. 10MiB)");
  CHECK_FALSE(parse_byte_size("10mb", &error));
  CHECK(error.offset == 2);
  CHECK(error.message == "unknown unit 'mb' in size '10mb' (B, KiB, MiB, GiB, KB, MB or GB; e.g. 10MiB)");
  CHECK_FALSE(parse_byte_size("MiB", &error));
  CHECK(error.offset == 0);
  CHECK_FALSE(parse_byte_size("1.5MiB", &error));
  CHECK(error.offset == 1);
  CHECK_FALSE(parse_byte_size("10 MiB", &error));
  CHECK_FALSE(parse_byte_size("-1B", &error));
  CHECK_FALSE(parse_byte_size("", &error));
  CHECK_FALSE(parse_byte_size("0KiB", &error));
  CHECK(error.message == "size '0KiB' is zero");
  CHECK_FALSE(parse_byte_size("99999999999999999999B", &error));
  CHECK_FALSE(parse_byte_size("99999999999GiB", &error));
  CHECK(error.message == "size '99999999999GiB' is too large");
}

TEST_CASE("a size is written back in its largest exact binary unit") {
  CHECK(format_byte_size(10 * 1024 * 1024) == "10MiB");
  CHECK(format_byte_size(1024) == "1KiB");
  CHECK(format_byte_size(1ULL << 30) == "1GiB");
  CHECK(format_byte_size(1500) == "1500B");
  CHECK(format_byte_size(25'000'000) == "25000000B");
}
