#include <catch2/catch.hpp>

#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "render/mustache.hpp"

using parcours::render::render_mustache;
using parcours::render::RenderData;
using parcours::render::template_root_names;
using Names = std::set<std::string>;

TEST_CASE("template_root_names lists the first part of every variable and section name") {
  const auto names = template_root_names(
      "Hi {{contact.first_name}} {{#event.items}}{{ name }}{{/event.items}} {{{links.unsubscribe}}} "
      "{{& client.name}} {{! a comment, {{ignored}} }} {{^data.vip}}x{{/data.vip}} {{# journey }}{{/ journey }}");
  REQUIRE(names);
  CHECK(*names == Names{"contact", "event", "name", "links", "client", "data", "journey"});
  CHECK(template_root_names("no tags at all") == Names{});
}

TEST_CASE("template_root_names gives up where a text can reach names it does not spell") {
  for (const char* text :
       {"{{> footer}}", "{{=<% %>=}}<%contact.id%>", "{{.}}", "{{#contact.tags}}{{.}}{{/contact.tags}}", "{{unclosed",
        "{{{unclosed}}", "{{}}", "{{# }}"}) {
    INFO(text);
    CHECK_FALSE(template_root_names(text).has_value());
  }
}

TEST_CASE("rendering with only the names a template uses gives what the whole data gives") {
  const auto data = nlohmann::json::parse(R"({
    "contact": {"id": "c1", "first_name": "Ann", "tags": ["a", "b"], "vip": false},
    "event": {"items": [{"name": "shoe"}, {"name": "sock", "price": 3}], "total": 12},
    "journey": {"id": "cart", "step": "step 2"},
    "client": {"id": "shop", "name": "Shop & Co"},
    "links": {"unsubscribe": "https://x.test/u/t"},
    "data": {"crm": {"tier": "gold"}}
  })");
  const std::vector<std::string> templates{
      "Welcome, {{contact.first_name}}",
      "{{#event.items}}{{name}} for {{contact.first_name}} at {{client.name}} ({{price}}{{^price}}free{{/price}});"
      "{{/event.items}}",
      "{{#contact}}{{first_name}} of {{client.id}}, step {{journey.step}}{{/contact}}",
      "{{^contact.vip}}not vip{{/contact.vip}} {{{client.name}}} {{&client.name}} {{client.name}}",
      "{{#data.crm}}{{tier}}{{/data.crm}} {{missing}} {{event.total}} {{links.unsubscribe}}",
      "{{#journey}}{{#event}}{{id}}{{/event}}{{/journey}}",
  };
  const RenderData all(data);
  for (const auto& text : templates) {
    INFO(text);
    const auto names = template_root_names(text);
    REQUIRE(names);
    CHECK(render_mustache(text, RenderData(data, *names)) == render_mustache(text, all));
  }
}
