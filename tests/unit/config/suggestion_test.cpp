#include <catch2/catch.hpp>

#include "config/suggestion.hpp"

using parcours::config::closest_match;
using parcours::config::did_you_mean;

TEST_CASE("a swapped pair of letters is suggested") {
  CHECK(closest_match("tempalte", {"template", "text", "subject"}) == "template");
}

TEST_CASE("the closest of several candidates wins") {
  CHECK(closest_match("sever", {"store", "server", "log"}) == "server");
}

TEST_CASE("nothing is suggested when nothing is close") {
  CHECK_FALSE(closest_match("zzzzzz", {"server", "store"}));
  CHECK(did_you_mean("zzzzzz", {"server"}).empty());
}

TEST_CASE("the suggestion reads as a sentence") {
  CHECK(did_you_mean("fiel", {"file", "email"}) == " (did you mean 'file'?)");
}

TEST_CASE("a caller may ask for the likeliest typos only") {
  CHECK(closest_match("tempalte", {"template"}, 1) == "template");
  // `kind` is two edits from `send`: a fine parameter name, not a typo of it.
  CHECK_FALSE(closest_match("kind", {"send", "text"}, 1));
  CHECK(closest_match("kind", {"send", "text"}) == "send");
}
