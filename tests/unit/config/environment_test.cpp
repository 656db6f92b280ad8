#include <catch2/catch.hpp>

#include <cstdlib>

#include "config/toml_reader.hpp"

using parcours::config::Diagnostics;
using parcours::config::expand_environment;

namespace {
const parcours::config::SourceLocation kWhere{"client.toml", 3, 9};
}

TEST_CASE("a set variable is replaced") {
  setenv("PARCOURS_TEST_TOKEN", "s3cret", 1);
  Diagnostics diagnostics;
  CHECK(expand_environment("Bearer ${PARCOURS_TEST_TOKEN}!", kWhere, diagnostics) == "Bearer s3cret!");
  CHECK_FALSE(diagnostics.has_errors());
}

TEST_CASE("an unset variable is an error naming it and where") {
  unsetenv("PARCOURS_TEST_MISSING");
  Diagnostics diagnostics;
  CHECK_FALSE(expand_environment("${PARCOURS_TEST_MISSING}", kWhere, diagnostics));
  REQUIRE(diagnostics.error_count() == 1);
  CHECK(diagnostics.all()[0].text() ==
        "client.toml:3:9: environment variable PARCOURS_TEST_MISSING is not set (set it, or write "
        "${PARCOURS_TEST_MISSING:-default})");
}

TEST_CASE("an unset variable with a default takes the default, even an empty one") {
  unsetenv("PARCOURS_TEST_MISSING");
  Diagnostics diagnostics;
  CHECK(expand_environment("${PARCOURS_TEST_MISSING:-smtp://localhost}", kWhere, diagnostics) == "smtp://localhost");
  CHECK(expand_environment("[${PARCOURS_TEST_MISSING:-}]", kWhere, diagnostics) == "[]");
  CHECK_FALSE(diagnostics.has_errors());
}

TEST_CASE("a variable whose value has a newline is refused") {
  setenv("PARCOURS_TEST_MULTILINE", "a\nb", 1);
  Diagnostics diagnostics;
  CHECK_FALSE(expand_environment("${PARCOURS_TEST_MULTILINE}", kWhere, diagnostics));
  CHECK_THAT(diagnostics.all().at(0).message, Catch::Contains("newline"));
}

TEST_CASE("an unterminated reference is an error") {
  Diagnostics diagnostics;
  CHECK_FALSE(expand_environment("${OOPS", kWhere, diagnostics));
  CHECK_THAT(diagnostics.all().at(0).message, Catch::Contains("unterminated"));
}

TEST_CASE("a lone dollar sign is kept as text") {
  Diagnostics diagnostics;
  CHECK(expand_environment("costs $5 or $ {x}", kWhere, diagnostics) == "costs $5 or $ {x}");
}
