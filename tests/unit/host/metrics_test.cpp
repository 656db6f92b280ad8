#include <catch2/catch.hpp>

#include "host/metrics.hpp"

using parcours::engine::Action;
using parcours::host::Metrics;

namespace {

Action action(const std::string& journey, const std::string& what, const std::string& channel = "",
              const std::string& detail = "{}") {
  Action a;
  a.client = "acme";
  a.contact = "ann";
  a.journey = journey;
  a.action = what;
  a.channel = channel;
  a.detail_json = detail;
  return a;
}

bool has_line(const std::string& text, const std::string& line) {
  return text.find("\n" + line + "\n") != std::string::npos;
}

}  // namespace

TEST_CASE("engine actions are counted by journey, action and channel, again and again") {
  Metrics metrics;
  for (int i = 0; i < 3; ++i) metrics.on_action(action("welcome", "enter"));
  metrics.on_action(action("welcome", "send", "email"));
  metrics.on_action(action("welcome", "send", "email"));
  metrics.on_action(action("welcome", "send", "sms"));
  metrics.on_action(action("cart", "enter"));
  metrics.on_action(action("welcome", "end"));
  metrics.on_action(action("welcome", "exit"));
  metrics.on_action(action("welcome", "goal"));
  metrics.on_action(action("welcome", "suppressed", "email", R"({"reason":"consent"})"));
  metrics.on_action(action("welcome", "suppressed", "email", R"({"reason":"pressure"})"));
  metrics.on_action(action("welcome", "suppressed", "email", R"({"reason":"consent"})"));
  const std::string text = metrics.text();
  INFO(text);
  CHECK(has_line(text, R"(parcours_enrollments_started_total{client="acme",journey="welcome"} 3)"));
  CHECK(has_line(text, R"(parcours_enrollments_started_total{client="acme",journey="cart"} 1)"));
  CHECK(has_line(text, R"(parcours_steps_total{client="acme",journey="welcome",action="enter"} 3)"));
  CHECK(has_line(text, R"(parcours_steps_total{client="acme",journey="welcome",action="send"} 3)"));
  CHECK(has_line(text, R"(parcours_steps_total{client="acme",journey="welcome",action="suppressed"} 3)"));
  CHECK(has_line(text, R"(parcours_messages_total{client="acme",channel="email",status="delivered"} 2)"));
  CHECK(has_line(text, R"(parcours_messages_total{client="acme",channel="sms",status="delivered"} 1)"));
  CHECK(has_line(text, R"(parcours_messages_total{client="acme",channel="email",status="suppressed"} 3)"));
  CHECK(has_line(text, R"(parcours_messages_suppressed_total{client="acme",channel="email",reason="consent"} 2)"));
  CHECK(has_line(text, R"(parcours_messages_suppressed_total{client="acme",channel="email",reason="pressure"} 1)"));
  CHECK(has_line(text, R"(parcours_enrollments_finished_total{client="acme",journey="welcome",how="completed"} 1)"));
  CHECK(has_line(text, R"(parcours_enrollments_finished_total{client="acme",journey="welcome",how="exited"} 1)"));
  CHECK(has_line(text, R"(parcours_enrollments_finished_total{client="acme",journey="welcome",how="converted"} 1)"));
}

TEST_CASE("label values are escaped, and the samples added later keep the earlier ones") {
  Metrics metrics;
  metrics.on_action(action("say \"hi\"\\now", "enter"));
  // Many more samples after the first: the first must still be counted where it was.
  for (int i = 0; i < 200; ++i) metrics.on_action(action("j" + std::to_string(i), "enter"));
  metrics.on_action(action("say \"hi\"\\now", "enter"));
  const std::string text = metrics.text();
  CHECK(has_line(text, R"(parcours_enrollments_started_total{client="acme",journey="say \"hi\"\\now"} 2)"));
  CHECK(has_line(text, R"(parcours_enrollments_started_total{client="acme",journey="j199"} 1)"));
}
