#include <catch2/catch.hpp>

#include "dashboard/graph_svg.hpp"
#include "dashboard/journey_drawing.hpp"
#include "dashboard_test_journey.hpp"
#include "journey/journey_graph.hpp"

using namespace parcours;
using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;

namespace {

dashboard::JourneyCounts some_counts() {
  dashboard::JourneyCounts counts;
  counts.enrolled = 12;
  counts.converted = 3;
  auto& pick = counts.steps.emplace_back();
  pick.label = "pick";
  pick.kind = journey::StepKind::split;
  pick.entered = 12;
  pick.arms = {{"offer", 75, 9, 3}, {"end", 25, 3, 0}};
  auto& offer = counts.steps.emplace_back();
  offer.label = "offer";
  offer.kind = journey::StepKind::send;
  offer.entered = 9;
  offer.queued = 10;
  offer.sent = 9;
  offer.delivered = 8;
  offer.failed = 1;
  offer.suppressed = 1;
  auto& wait = counts.steps.emplace_back();
  wait.label = "step 3";
  wait.kind = journey::StepKind::wait;
  wait.entered = 8;
  wait.waiting = 5;
  return counts;
}

}  // namespace

TEST_CASE("the dashboard's DOT writes each step's counts in its box and gives every node an id") {
  const auto journey = test::load_journey();
  const std::string dot = dashboard::journey_dot(journey, some_counts());
  CHECK_THAT(dot, Contains(R"(s1 [shape=diamond, label="pick\nsplit\nentered 12", id="step-pick"];)"));
  CHECK_THAT(dot, Contains(R"(label="offer\nsend email\nSpring offer\nentered 9\nqueued 10 · sent 9\n)"
                           R"(delivered 8 · failed 1\nsuppressed 1", id="step-offer"])"));
  CHECK_THAT(dot, Contains(R"(label="step 3\nwait 1d\nentered 8\nwaiting 5", id="step-step-3"])"));
  CHECK_THAT(dot, Contains(R"x(s1 -> s2 [label="75%\ntook 9 · converted 3 (33.3%)"];)x"));
  CHECK_THAT(dot, Contains(R"x(s1 -> done [label="25%\ntook 3 · converted 0 (0.0%)"];)x"));
  CHECK_THAT(dot, Contains(R"(label="enter on promo.viewed\nenrolled 12", id="journey-entry")"));
  CHECK_THAT(dot, Contains(R"(label="goal: order.completed\nconverted 3", id="journey-goal")"));
  CHECK_THAT(dot, Contains(R"(id="journey-end")"));
}

TEST_CASE("`parcours graph --format dot` stays as it was: no counts, no ids") {
  const auto journey = test::load_journey();
  const std::string dot = journey::draw_journey(journey, journey::GraphFormat::dot);
  CHECK_THAT(dot, Contains(R"(s1 [shape=diamond, label="pick\nsplit"];)"));
  CHECK_THAT(dot, Contains(R"(s1 -> s2 [label="75%"];)"));
  CHECK(dot.find("id=") == std::string::npos);
}

TEST_CASE("Graphviz lays the drawing out as an <svg> ready to inline: no prologue, comments or URLs") {
  const auto journey = test::load_journey();
  const std::string svg = dashboard::svg_from_dot(dashboard::journey_dot(journey, some_counts()));
  CHECK_THAT(svg, StartsWith("<svg "));
  CHECK(svg.substr(svg.size() - 6) == "</svg>");
  CHECK(svg.find("<?xml") == std::string::npos);
  CHECK(svg.find("<!") == std::string::npos);  // neither DOCTYPE nor comments
  CHECK(svg.find("http") == std::string::npos);
  // Graphviz writes '-' as "&#45;" (a browser reads the id as "step-pick").
  CHECK_THAT(svg, Contains(R"(<g id="step&#45;pick" class="node">)"));
  CHECK_THAT(svg, Contains(R"(<g id="step&#45;step&#45;3" class="node">)"));
  CHECK_THAT(svg, Contains(">waiting 5</text>"));
  CHECK_THAT(svg, Contains(">took 9 · converted 3 (33.3%)</text>"));
  // The journey's name is the drawing's title: its markup comes out as text.
  CHECK_THAT(svg, Contains("Spring &lt;b&gt;promo&lt;/b&gt; &amp; &quot;friends&quot;"));
  CHECK(svg.find("<b>") == std::string::npos);
}

TEST_CASE("DOT that Graphviz cannot read is a GraphError, not a crash") {
  CHECK_THROWS_AS(dashboard::svg_from_dot("digraph { a -> "), dashboard::GraphError);
}
