#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "config/client_config.hpp"
#include "journey/expression.hpp"
#include "journey/journey_loader.hpp"
#include "support/fake_plugin_catalog.hpp"
#include "support/temporary_config.hpp"

using namespace parcours;
using journey::kEnd;
using journey::StepKind;

namespace {

constexpr const char* kClient = R"toml(
[channels.email]
plugin = "file"
path = "out.jsonl"
[channels.sms]
plugin = "sms"
url = "http://127.0.0.1:1/x"
token = "t"
[channels.ads]
plugin = "ads"
[sources.bookings]
plugin = "rows"
)toml";

struct Loaded {
  std::vector<journey::Journey> journeys;
  config::Diagnostics diagnostics;
  std::vector<std::string> texts() const {
    std::vector<std::string> out;
    for (const auto& diagnostic : diagnostics.in_reading_order()) out.push_back(diagnostic.text());
    return out;
  }
};

// Loads clients/acme with the channels above and one journey file `cart.toml`.
Loaded load_cart(TemporaryConfig& dir, const std::string& journey_toml) {
  dir.write("parcours.toml", "");
  dir.write("clients/acme/client.toml", kClient);
  dir.write("clients/acme/templates/reminder.txt", "Hi {{contact.first_name}}");
  dir.write("clients/acme/journeys/cart.toml", journey_toml);
  Loaded loaded;
  config::FakeCatalog catalog;
  const auto host = config::load_host_config(dir.root(), loaded.diagnostics);
  const auto clients = config::load_clients(host, catalog, loaded.diagnostics);
  REQUIRE(clients.size() == 1);
  loaded.journeys = journey::load_journeys(clients[0], catalog, loaded.diagnostics);
  return loaded;
}

}  // namespace

TEST_CASE("the abandoned-cart journey of CONFIG.md loads into a typed model") {
  TemporaryConfig dir;
  auto loaded = load_cart(dir, R"toml(id = "cart"
name = "Abandoned cart recovery"
stage = "consideration"
[entry]
on = "cart.updated"
when = "event.total > 0"
reentry = "after_exit"
[goal]
on = "order.completed"
[[steps]]
id = "wait-order"
wait_for = "order.completed"
timeout = "1h"
on_event = "end"
on_timeout = "email-1"
[[steps]]
id = "email-1"
send = "email"
template = "reminder"
subject = "{{contact.first_name}}, your cart is waiting"
[[steps]]
wait = "1d"
[[steps]]
id = "pick"
branch = [
  { when = "contact.consent.sms", goto = "sms-1" },
  { goto = "end" },
]
[[steps]]
id = "sms-1"
send = "sms"
text = "Your cart: {{event.cart_url}}"
sender = "Acme"
)toml");
  CHECK(loaded.texts().empty());
  REQUIRE(loaded.journeys.size() == 1);
  const auto& cart = loaded.journeys[0];
  CHECK(cart.id == "cart");
  CHECK(cart.name == "Abandoned cart recovery");
  CHECK(cart.stage == "consideration");
  CHECK(cart.entry.on == "cart.updated");
  REQUIRE(cart.entry.when);
  CHECK(cart.entry.when->text == "event.total > 0");
  CHECK(cart.reentry == journey::Reentry::after_exit);
  REQUIRE(cart.goal);
  CHECK(cart.goal->on == "order.completed");
  REQUIRE(cart.steps.size() == 5);

  const auto& wait_order = std::get<journey::WaitForStep>(cart.steps[0].detail);
  CHECK(cart.steps[0].kind == StepKind::wait_for);
  CHECK(wait_order.event_type == "order.completed");
  CHECK(wait_order.timeout == std::chrono::hours(1));
  CHECK(wait_order.on_event.index == kEnd);
  CHECK(wait_order.on_timeout.index == 1);

  const auto& email = std::get<journey::SendStep>(cart.steps[1].detail);
  CHECK(email.channel == "email");
  const auto params = nlohmann::json::parse(email.params_json);
  CHECK(params["template"] == "reminder");
  CHECK(params["subject"] == "{{contact.first_name}}, your cart is waiting");
  CHECK(cart.steps[1].next.index == 2);

  CHECK(std::get<journey::WaitStep>(cart.steps[2].detail).duration == std::chrono::hours(24));
  CHECK(cart.steps[2].label() == "step 3");

  const auto& pick = std::get<journey::BranchStep>(cart.steps[3].detail);
  REQUIRE(pick.cases.size() == 2);
  CHECK(pick.cases[0].target.index == 4);
  CHECK(pick.cases[1].target.index == kEnd);
  CHECK_FALSE(pick.cases[1].when);
  CHECK(cart.successors(3) == std::vector<std::size_t>{4, kEnd});

  const auto sms = nlohmann::json::parse(std::get<journey::SendStep>(cart.steps[4].detail).params_json);
  CHECK(sms["sender"] == "Acme");           // a parameter the sms plugin declares
  CHECK(cart.steps[4].next.index == kEnd);  // the last step's next is the end
}

TEST_CASE("every other step kind loads: wait_until, split, set, emit, goto, exit") {
  TemporaryConfig dir;
  auto loaded = load_cart(dir, R"toml([entry]
on = "booking.confirmed"
[[steps]]
id = "before"
wait_until = "contact.departure_date - 7d"
at = "09:00"
if_past = "skip"
goto = "ab"
[[steps]]
send = "email"
text = "See you soon"
transactional = true
[[steps]]
id = "ab"
split = [{ weight = 90, goto = "mark" }, { weight = 10, goto = "out" }]
[[steps]]
id = "mark"
set = { stage = "decision", score = 3 }
[[steps]]
emit = "journey.reminded"
properties = { via = "email" }
[[steps]]
goto = "out"
[[steps]]
id = "out"
exit = true
)toml");
  CHECK(loaded.texts().empty());
  REQUIRE(loaded.journeys.size() == 1);
  const auto& j = loaded.journeys[0];
  CHECK(j.id == "cart");  // from the file name when no id is written
  const auto& until = std::get<journey::WaitUntilStep>(j.steps[0].detail);
  CHECK(until.until.compiled->reads(journey::Root::contact));
  CHECK(until.at_minute == 9 * 60);
  REQUIRE(until.skip_to);
  CHECK(until.skip_to->index == 2);
  CHECK(j.steps[0].next.index == 1);  // after a real wait: the next step
  CHECK(std::get<journey::SendStep>(j.steps[1].detail).transactional);
  const auto& split = std::get<journey::SplitStep>(j.steps[2].detail);
  CHECK(split.arms.at(0).weight == 90);
  CHECK(split.arms.at(1).target.index == 6);
  CHECK(nlohmann::json::parse(std::get<journey::SetStep>(j.steps[3].detail).attributes_json) ==
        nlohmann::json{{"stage", "decision"}, {"score", 3}});
  CHECK(std::get<journey::EmitStep>(j.steps[4].detail).event_type == "journey.reminded");
  CHECK(j.steps[5].kind == StepKind::jump);
  CHECK(j.steps[5].next.index == 6);
  CHECK(j.steps[6].kind == StepKind::exit);
  CHECK(j.successors(6).empty());
}

TEST_CASE("a send step's parameters are checked against the channel's declaration") {
  TemporaryConfig dir;
  auto loaded = load_cart(dir, R"toml([entry]
on = "a"
[[steps]]
send = "sms"
text = "hi"
sendre = "x"
[[steps]]
send = "ads"
)toml");
  const auto messages = loaded.texts();
  REQUIRE(messages.size() == 2);
  CHECK_THAT(messages[0], Catch::EndsWith(":6:1: unknown key 'sendre' in step 1 (did you mean 'sender'?)"));
  CHECK_THAT(messages[1],
             Catch::EndsWith(":7:1: missing required parameter 'audience' in step 2 (string: audience id)"));
}

TEST_CASE("a channel plugin's own check of the parameters is reported at the step") {
  TemporaryConfig dir;
  auto loaded = load_cart(dir, R"toml([entry]
on = "a"
[[steps]]
send = "ads"
audience = "lookalike"
)toml");
  const auto messages = loaded.texts();
  REQUIRE(messages.size() == 1);
  CHECK_THAT(messages[0],
             Catch::EndsWith(":3:1: channel 'ads' (plugin ads) refuses the parameters of step 1: audience must be a "
                             "numeric audience id"));
}

TEST_CASE("an expression error points at its column inside the string") {
  TemporaryConfig dir;
  auto loaded = load_cart(dir, R"toml([entry]
on = "a"
when = "event.total >> 3"
[[steps]]
wait = "1d"
)toml");
  const auto messages = loaded.texts();
  REQUIRE(messages.size() == 1);
  // `when = "` puts the expression's first character at column 9; `>` is its 14th.
  CHECK_THAT(messages[0], Catch::Contains("cart.toml:3:22: in expression: "));
}

TEST_CASE("a branch case after the default case is refused") {
  TemporaryConfig dir;
  auto loaded = load_cart(dir, R"toml([entry]
on = "a"
[[steps]]
branch = [{ goto = "end" }, { when = "exists(contact.x)", goto = "end" }]
)toml");
  const auto messages = loaded.texts();
  REQUIRE(messages.size() == 1);
  CHECK_THAT(messages[0], Catch::Contains("can never be taken: move the default last"));
}

TEST_CASE("goto has no meaning on a wait_for and says what to use instead") {
  TemporaryConfig dir;
  auto loaded = load_cart(dir, R"toml([entry]
on = "a"
[[steps]]
wait_for = "b"
goto = "end"
)toml");
  const auto messages = loaded.texts();
  REQUIRE(messages.size() == 1);
  CHECK_THAT(messages[0], Catch::EndsWith("'goto' has no meaning on a wait_for step: use on_event and on_timeout"));
}

TEST_CASE("a loop through a wait is fine, a loop without one is refused with its steps") {
  TemporaryConfig dir;
  auto fine = load_cart(dir, R"toml([entry]
on = "a"
[[steps]]
id = "again"
send = "email"
text = "x"
[[steps]]
wait = "1w"
goto = "again"
)toml");
  CHECK(fine.texts().empty());

  TemporaryConfig other;
  auto spin = load_cart(other, R"toml([entry]
on = "a"
[[steps]]
id = "a"
set = { n = 1 }
[[steps]]
id = "b"
goto = "a"
)toml");
  const auto messages = spin.texts();
  REQUIRE(messages.size() == 1);
  CHECK_THAT(messages[0], Catch::Contains("loop with no wait: 'a' → 'b' → 'a' would repeat forever"));
}

TEST_CASE("a step without a kind suggests the key it probably meant") {
  TemporaryConfig dir;
  auto loaded = load_cart(dir, R"toml([entry]
on = "a"
[[steps]]
sned = "email"
)toml");
  const auto messages = loaded.texts();
  REQUIRE(messages.size() == 1);
  CHECK_THAT(messages[0], Catch::EndsWith("('sned' looks like 'send')"));
}

TEST_CASE("a journey needs an entry and steps") {
  TemporaryConfig dir;
  auto loaded = load_cart(dir, "name = \"x\"\n");
  const auto messages = loaded.texts();
  REQUIRE(messages.size() == 2);
  CHECK_THAT(messages[0], Catch::Contains("missing [entry]"));
  CHECK_THAT(messages[1], Catch::Contains("has no steps"));
}

TEST_CASE("data.<source> must name one of the client's sources, at the name's column") {
  TemporaryConfig dir;
  auto loaded = load_cart(dir, R"toml([entry]
on = "a"
when = "data.booking.nights > 3 and data.bookings.nights > 3"
[[steps]]
branch = [{ when = "data.crm.tier == 'gold'", goto = "end" }]
)toml");
  const auto messages = loaded.texts();
  REQUIRE(messages.size() == 2);
  CHECK(loaded.journeys.empty());
  // `when = "` puts the expression's first character at column 9.
  CHECK_THAT(messages[0], Catch::Contains("cart.toml:3:9: in expression: client 'acme' has no data source 'booking' "
                                          "(did you mean 'bookings'?); sources are the [sources.<name>] tables of "));
  CHECK_THAT(messages[0], Catch::EndsWith("clients/acme/client.toml"));
  CHECK_THAT(messages[1], Catch::Contains("cart.toml:5:21: in expression: client 'acme' has no data source 'crm'"));
}

TEST_CASE("data needs a source") {
  TemporaryConfig dir;
  auto loaded = load_cart(dir, R"toml([entry]
on = "a"
when = "exists(data.bookings) and data > 3"
[[steps]]
wait = "1d"
)toml");
  const auto messages = loaded.texts();
  REQUIRE(messages.size() == 1);
  CHECK_THAT(messages[0], Catch::Contains("cart.toml:3:35: in expression: expected data.<source>.<field>"));
}
