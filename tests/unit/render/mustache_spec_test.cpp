// The official Mustache spec (core modules, tests/data/mustache-spec/) through the
// renderer: every case must pass, and there must be 136 of them, so that a spec file
// that fails to load cannot pass silently.
#include <catch2/catch.hpp>

#include <fstream>
#include <nlohmann/json.hpp>

#include "render/mustache.hpp"

using nlohmann::json;
using parcours::render::render_mustache;

namespace {

json load_spec(const std::string& name) {
  std::ifstream in(std::string(PARCOURS_MUSTACHE_SPEC_DIR) + "/" + name + ".json");
  REQUIRE(in);
  return json::parse(in);
}

// Runs every test of one spec file; returns how many ran.
std::size_t run_spec(const std::string& name) {
  const json spec = load_spec(name);
  std::size_t ran = 0;
  for (const auto& test : spec.at("tests")) {
    parcours::render::Partials partials;
    if (test.contains("partials"))
      for (const auto& [partial, text] : test["partials"].items()) partials.emplace(partial, text.get<std::string>());
    INFO(name << ": " << test.at("name").get<std::string>() << " — " << test.at("desc").get<std::string>());
    CHECK(render_mustache(test.at("template").get<std::string>(), test.at("data").dump(), partials) ==
          test.at("expected").get<std::string>());
    ++ran;
  }
  return ran;
}

}  // namespace

TEST_CASE("Mustache spec: every core module passes, 136 cases in all") {
  std::size_t ran = 0;
  for (const char* module : {"comments", "delimiters", "interpolation", "inverted", "partials", "sections"})
    ran += run_spec(module);
  CHECK(ran == 136);
}
