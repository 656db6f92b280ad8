#include <catch2/catch.hpp>

#include <thread>

#include <nlohmann/json.hpp>

#include "render/message_renderer.hpp"
#include "support/temporary_config.hpp"

using nlohmann::json;
using parcours::render::render_message;

namespace {

const std::string kData = json{{"contact", {{"first_name", "Ann & Bob"}, {"plan", "pro"}}},
                               {"event", {{"cart_url", "https://x.test/c?a=1&b=2"}}}}
                              .dump();

}  // namespace

TEST_CASE("a template's files give the subject, text and html, rendered with the data") {
  TemporaryConfig dir;
  dir.write("cart.subject", "{{contact.first_name}}, your cart\n");
  dir.write("cart.txt", "Back to {{event.cart_url}}\n");
  dir.write("cart.html", "<a href=\"{{event.cart_url}}\">{{contact.first_name}}</a>");
  const auto message = render_message(dir.root(), R"({"template": "cart"})", kData);
  // Only HTML is escaped: a subject or an SMS keeps its `&`.
  CHECK(message.subject == "Ann & Bob, your cart");
  CHECK(message.text == "Back to https://x.test/c?a=1&b=2");
  CHECK(message.html == "<a href=\"https://x.test/c?a=1&amp;b=2\">Ann &amp; Bob</a>");
  const json params = json::parse(message.params_json);
  CHECK(params["template"] == "cart");
  CHECK(params["subject"] == "Ann & Bob, your cart");
  CHECK_FALSE(params.contains("html"));
}

TEST_CASE("an inline subject or text overrides the template's file") {
  TemporaryConfig dir;
  dir.write("cart.subject", "from the file");
  dir.write("cart.txt", "text from the file");
  const auto message = render_message(dir.root(), R"({"template": "cart", "subject": "Hi {{contact.plan}}"})", kData);
  CHECK(message.subject == "Hi pro");
  CHECK(message.text == "text from the file");
}

TEST_CASE("every string parameter is rendered, nested ones too; others are kept") {
  TemporaryConfig dir;
  const auto message = render_message(
      dir.root(), R"({"text": "{{contact.plan}}", "audience": {"name": "tv-{{contact.plan}}"}, "count": 3})", kData);
  const json params = json::parse(message.params_json);
  CHECK(message.text == "pro");
  CHECK(params["audience"]["name"] == "tv-pro");
  CHECK(params["count"] == 3);
}

TEST_CASE("partials come from templates/partials/*.mustache") {
  TemporaryConfig dir;
  dir.write("partials/footer.mustache", "-- {{contact.plan}} team");
  dir.write("news.txt", "Hello\n{{> footer}}");
  CHECK(render_message(dir.root(), R"({"template": "news"})", kData).text == "Hello\n-- pro team");
}

TEST_CASE("a changed template file or partial is read again, within a second") {
  TemporaryConfig dir;
  dir.write("a.txt", "one {{> sign}}");
  dir.write("partials/sign.mustache", "A");
  CHECK(render_message(dir.root(), R"({"template": "a"})", kData).text == "one A");
  dir.write("a.txt", "two, longer {{> sign}}");
  dir.write("partials/sign.mustache", "B");
  // The cache compares modification times; make sure these differ.
  for (const char* file : {"a.txt", "partials/sign.mustache"})
    std::filesystem::last_write_time(dir.root() / file,
                                     std::filesystem::last_write_time(dir.root() / file) + std::chrono::seconds(2));
  // Within the second the cache trusts what it read (no stat per message)...
  CHECK(render_message(dir.root(), R"({"template": "a"})", kData).text == "one A");
  // ...and after it, it looks again.
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  CHECK(render_message(dir.root(), R"({"template": "a"})", kData).text == "two, longer B");
}

TEST_CASE("a template with no file is an error that names it and the folder") {
  TemporaryConfig dir;
  try {
    render_message(dir.root(), R"({"template": "gone"})", kData);
    FAIL("no error");
  } catch (const std::runtime_error& error) {
    CHECK_THAT(error.what(), Catch::Contains("template 'gone'") && Catch::Contains(dir.root().string()));
  }
}

TEST_CASE("large integers and decimals print as JSON writes them") {
  TemporaryConfig dir;
  const auto data = json{{"contact", {{"id", 1732268400000LL}, {"score", 1.5}}}}.dump();
  CHECK(render_message(dir.root(), R"({"text": "{{contact.id}} {{contact.score}}"})", data).text ==
        "1732268400000 1.5");
}

namespace {

// Template data that counts which members the renderer asks for.
class CountingData final : public parcours::render::TemplateData {
 public:
  std::vector<std::string> names() const override { return {"contact", "event", "journey"}; }
  json member(const std::string& name) const override {
    ++asked[name];
    if (name == "contact") return {{"first_name", "Ann"}};
    if (name == "event") return {{"total", 42}};
    return {{"id", "welcome"}};
  }
  mutable std::map<std::string, int> asked;
};

}  // namespace

TEST_CASE("template data is built member by member, only for the names the templates use, once a message") {
  TemporaryConfig dir;
  dir.write("partials/sign.mustache", "{{journey.id}}");  // used by the last render only
  CountingData data;
  json rendered;
  auto message = render_message(
      dir.root(), json{{"subject", "Hi {{contact.first_name}}"}, {"html", "<p>{{contact.first_name}}</p>"}}, data,
      rendered);
  CHECK(message.subject == "Hi Ann");
  CHECK(message.html == "<p>Ann</p>");
  CHECK(data.asked == std::map<std::string, int>{{"contact", 1}});

  // A name the data lacks renders empty and builds nothing; another name adds its member.
  data.asked.clear();
  message = render_message(dir.root(), json{{"subject", "{{missing.x}}{{event.total}} for {{contact.first_name}}"}},
                           data, rendered);
  CHECK(message.subject == "42 for Ann");
  CHECK(data.asked == std::map<std::string, int>{{"contact", 1}, {"event", 1}});

  // A partial can reach any name: every member is built, still once.
  data.asked.clear();
  message = render_message(dir.root(), json{{"subject", "{{> sign}}"}, {"text", "{{> sign}} {{event.total}}"}}, data,
                           rendered);
  CHECK(message.subject == "welcome");
  CHECK(message.text == "welcome 42");
  CHECK(data.asked == std::map<std::string, int>{{"contact", 1}, {"event", 1}, {"journey", 1}});
}
