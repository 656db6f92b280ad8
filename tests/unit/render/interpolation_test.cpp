// render_interpolations: templates whose tags only interpolate names, rendered without
// mstch. Wherever it answers, it must write what render_mustache (mstch) writes: for
// the official spec's cases, and for values of every JSON type in both escapes.
#include <catch2/catch.hpp>

#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "render/mustache.hpp"

using nlohmann::json;
using parcours::render::Escape;
using parcours::render::render_interpolations;
using parcours::render::render_mustache;
using parcours::render::RenderData;

TEST_CASE("the spec's cases that only interpolate names render as the spec expects, without mstch") {
  std::size_t answered = 0;
  for (const char* module : {"comments", "delimiters", "interpolation", "inverted", "partials", "sections"}) {
    std::ifstream in(std::string(PARCOURS_MUSTACHE_SPEC_DIR) + "/" + module + ".json");
    REQUIRE(in);
    const json spec = json::parse(in);
    for (const auto& test : spec.at("tests")) {
      const auto got = render_interpolations(test.at("template").get<std::string>(), test.at("data"), Escape::html);
      if (!got) continue;
      INFO(module << ": " << test.at("name").get<std::string>());
      CHECK(*got == test.at("expected").get<std::string>());
      ++answered;
    }
  }
  CHECK(answered >= 15);  // the basic and dotted-name interpolations, and the texts with no tag
}

TEST_CASE("an interpolation writes what mstch writes for every kind of value, escaped or not") {
  const json data = {
      {"text", "Zoé & <b>\"Noël\"</b> 'x' = `y` / z"},
      {"small", 42},
      {"negative", -7},
      {"large", 9007199254740993LL},
      {"huge", 18446744073709551615ULL},
      {"decimal", 1.21},
      {"tenth", 0.1},
      {"whole", 3.0},
      {"big", 1e21},
      {"tiny", 1.5e-7},
      {"minus_zero", -0.0},
      {"yes", true},
      {"no", false},
      {"nothing", nullptr},
      {"list", {1, 2}},
      {"contact", {{"first_name", "Ann"}, {"address", {{"city", "Lyon & Co"}}}, {"age", 41}}},
      {"empty", json::object()},
  };
  const std::vector<std::string> templates{
      "{{text}}",
      "Hi {{contact.first_name}}, {{ contact.address.city }}!",
      "{{small}} {{negative}} {{large}} {{huge}}",
      "{{decimal}} {{tenth}} {{whole}} {{big}} {{tiny}} {{minus_zero}}",
      "{{yes}}/{{no}}/{{nothing}}/{{list}}/{{contact}}/{{empty}}",
      "{{missing}}|{{contact.missing}}|{{contact.first_name.deeper}}|{{text.length}}|{{list.0}}",
      "no tag at all",
      "{{ text }}{{  small  }}",
      "a}}b{{small}}c}}",
  };
  for (const auto& text : templates)
    for (const Escape escape : {Escape::html, Escape::none}) {
      INFO(text << (escape == Escape::html ? " (html)" : " (none)"));
      const auto got = render_interpolations(text, data, escape);
      REQUIRE(got);
      CHECK(*got == render_mustache(text, RenderData(data), {}, escape));
    }
}

TEST_CASE("any other tag, or an unclosed one, is left to mstch") {
  const json data = {{"a", {{"b", 1}}}};
  for (const std::string text :
       {"{{#a}}x{{/a}}", "{{^a}}x{{/a}}", "{{! note }}", "{{> part}}", "{{=<% %>=}}", "{{{a}}}", "{{&a}}", "{{.}}",
        "{{a.}}", "{{.a}}", "{{a..b}}", "{{a b}}", "{{}}", "{{\ta}}", "{{a", "x {{a.b}} {{#a}}{{/a}}"}) {
    INFO(text);
    CHECK_FALSE(render_interpolations(text, data, Escape::html));
  }
}
