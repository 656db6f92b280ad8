#include <catch2/catch.hpp>

#include "host/metrics.hpp"
#include "host/process_metrics.hpp"

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

TEST_CASE("a scrape samples the process and its allocator") {
  Metrics metrics;
  const auto value = [](const std::string& text, const std::string& name) {
    const auto at = text.find("\n" + name + " ");
    REQUIRE(at != std::string::npos);
    return std::stod(text.substr(at + name.size() + 2));
  };
  parcours::host::sample_process(metrics);
  const std::string text = metrics.text();
  CHECK(text.find("# TYPE process_cpu_seconds_total counter\n") != std::string::npos);
  CHECK(value(text, "process_resident_memory_bytes") > 1e6);
  CHECK(value(text, "process_virtual_memory_bytes") >= value(text, "process_resident_memory_bytes"));
  CHECK(value(text, "process_open_fds") >= 3);  // stdin, stdout, stderr at least
  CHECK(value(text, "process_max_fds") >= value(text, "process_open_fds"));
  CHECK(value(text, "process_start_time_seconds") > 1.6e9);
  CHECK(value(text, "process_cpu_seconds_total") >= 0);

  // The tests run on glibc's malloc: what the program holds shows, within what the
  // allocator holds.
  const double before = value(text, "parcours_memory_allocated_bytes");
  std::vector<std::string> held(1000, std::string(1000, 'x'));
  parcours::host::sample_process(metrics);
  const std::string after = metrics.text();
  CHECK(after.find("parcours_memory_allocator_info{allocator=\"glibc\",version=\"") != std::string::npos);
  CHECK(value(after, "parcours_memory_allocated_bytes") >= before + 1e6);
  CHECK(value(after, "parcours_memory_allocated_bytes") <= value(after, "parcours_memory_allocator_bytes"));
}
