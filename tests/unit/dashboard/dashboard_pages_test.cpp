#include <catch2/catch.hpp>

#include "dashboard/dashboard_pages.hpp"
#include "dashboard_test_journey.hpp"

using namespace parcours;
using Catch::Matchers::Contains;

namespace {

dashboard::ClientSummary acme() {
  dashboard::ClientSummary client;
  client.id = "acme";
  client.name = "Acme <Shop>";
  dashboard::JourneySummary journey;
  journey.id = "promo";
  journey.name = "Spring <b>promo</b>";
  journey.stage = "retention";
  journey.counts.enrolled = 8;
  journey.counts.active = 5;
  journey.counts.converted = 2;
  client.journeys.push_back(journey);
  dashboard::JourneySummary off;
  off.id = "old";
  off.enabled = false;
  client.journeys.push_back(off);
  return client;
}

}  // namespace

TEST_CASE("the overview lists each client's journeys with their counts, linked, names escaped") {
  const std::string html = dashboard::overview_page({acme()}, "2026-11-23T10:00:00Z");
  CHECK_THAT(html, Contains("<h2>Acme &lt;Shop&gt; <span class=\"tag\">acme</span></h2>"));
  CHECK_THAT(html, Contains("<a href=\"/dashboard/acme/promo\">Spring &lt;b&gt;promo&lt;/b&gt;</a>"));
  CHECK_THAT(html, Contains("<td data-counter=\"enrolled\">8</td><td data-counter=\"active\">5</td>"));
  CHECK_THAT(html, Contains("<td data-counter=\"rate\">25.0%</td>"));
  CHECK_THAT(html, Contains(">old</a><span class=\"tag off\">disabled</span>"));  // no name: its id
  CHECK_THAT(html, Contains("<meta http-equiv=\"refresh\" content=\"10\">"));
  CHECK_THAT(html, Contains("Counts as of 2026-11-23T10:00:00Z"));
  CHECK(html.find("<b>") == std::string::npos);
  CHECK(html.find("http://") == std::string::npos);
  CHECK(html.find("https://") == std::string::npos);
  CHECK(html.find("<script") == std::string::npos);
}

TEST_CASE("a journey page holds the drawing as given and a row of counts per step and per split arm") {
  const auto journey = test::load_journey();
  dashboard::JourneyCounts counts;
  counts.enrolled = 4;
  auto& pick = counts.steps.emplace_back();
  pick.label = "pick";
  pick.kind = journey::StepKind::split;
  pick.entered = 4;
  pick.arms = {{"offer", 75, 3, 1}, {"end", 25, 1, 0}};
  auto& offer = counts.steps.emplace_back();
  offer.label = "offer";
  offer.kind = journey::StepKind::send;
  offer.entered = 3;
  offer.queued = 3;
  offer.sent = 2;
  offer.delivered = 2;
  offer.suppressed = 1;
  offer.suppressed_by.consent = 1;
  offer.opened = 2;
  offer.clicked = 1;
  auto& wait = counts.steps.emplace_back();
  wait.label = "step 3";
  wait.kind = journey::StepKind::wait;
  wait.waiting = 2;

  const std::string html = dashboard::journey_page(acme(), journey, counts, "<svg><g id=\"x\"></g></svg>", "", "now");
  CHECK_THAT(html, Contains("<figure class=\"graph\" id=\"graph\"><svg><g id=\"x\"></g></svg></figure>"));
  CHECK_THAT(html, Contains("<h1>Spring &lt;b&gt;promo&lt;/b&gt; &amp; &quot;friends&quot;</h1>"));
  CHECK_THAT(html, Contains("<div class=\"card\" id=\"count-enrolled\"><div class=\"value\">4</div>"));
  CHECK_THAT(html, Contains("<tr id=\"row-step-offer\" data-step=\"offer\"><td>offer</td><td class=\"text\">send</td>"
                            "<td data-counter=\"entered\">3</td><td class=\"none\">–</td>"
                            "<td data-counter=\"queued\">3</td><td data-counter=\"sent\">2</td>"
                            "<td data-counter=\"delivered\">2</td><td data-counter=\"failed\">0</td>"
                            "<td data-counter=\"suppressed\">1</td><td data-counter=\"suppressed:consent\">1</td>"
                            "<td data-counter=\"suppressed:pressure\">0</td><td data-counter=\"opened\">2</td>"
                            "<td data-counter=\"clicked\">1</td></tr>"));
  CHECK_THAT(html, Contains("<tr id=\"row-step-step-3\" data-step=\"step 3\">"));
  CHECK_THAT(html, Contains("<td data-counter=\"waiting\">2</td>"));
  CHECK_THAT(html, Contains("<tr data-step=\"pick\" data-arm=\"1\"><td>pick</td><td>1</td><td class=\"text\">offer</td>"
                            "<td>75%</td><td data-counter=\"entered\">3</td><td data-counter=\"converted\">1</td>"
                            "<td data-counter=\"rate\">33.3%</td></tr>"));
  CHECK(html.find("<b>") == std::string::npos);

  const std::string without = dashboard::journey_page(acme(), journey, counts, "", "graphviz <failed>", "now");
  CHECK_THAT(without, Contains("The graph could not be drawn: graphviz &lt;failed&gt;"));
}

TEST_CASE("links to a journey percent-encode its parts") {
  CHECK(dashboard::journey_path("acme", "promo.v2") == "/dashboard/acme/promo.v2");
  CHECK(dashboard::journey_path("a b", "x/y?z") == "/dashboard/a%20b/x%2Fy%3Fz");
}
