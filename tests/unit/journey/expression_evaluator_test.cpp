// What expressions compute, through the JsonContext the engine uses: the examples of
// CONFIG.md, precedence, the null rules, type mismatches and time arithmetic. Nothing
// here may throw: every rule has a defined answer.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "journey/expression.hpp"
#include "journey/expression_json_context.hpp"

using namespace parcours::journey;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

Time at(const char* iso) {
  const auto time = parse_iso_time(iso);
  INFO("not an ISO time: " << iso);
  REQUIRE(time.has_value());
  return *time;
}

const json kContact = {
    {"orders", 3},
    {"zero", 0},
    {"consent", {{"email", true}}},
    {"interests", {"webinar", "tv"}},
    {"country", "BE"},
    {"phone", "+32 2 555 01 02"},
    {"name", "Ada Lovelace"},
    {"empty", ""},
    {"vip", false},
    {"last_purchase", "2026-01-01"},
    {"departure_date", "2026-03-05"},
    {"balance", -12.5},
    {"items", {{{"sku", "A1"}}, {{"sku", "B2"}}}},
};
const json kEvent = {{"category", "TV"}, {"total", 150}};

// The clock reads 2026-03-01T12:00:00Z; the enrollment started a day and a half ago.
struct Fixture {
  json contact = kContact;
  json event = kEvent;
  bool event_in_scope = true;

  Value eval(const std::string& text) const {
    ParseError error;
    const auto expression = parse_expression(text, &error);
    INFO("expression: " << text << "\nerror at column " << error.column << ": " << error.message);
    REQUIRE(expression.has_value());
    const JsonContext context({.contact = &contact,
                               .event = event_in_scope ? &event : nullptr,
                               .journey_id = "cart-abandon",
                               .entered_at = at("2026-02-28T00:00:00Z"),
                               .now = at("2026-03-01T12:00:00Z")});
    return evaluate(*expression, context);
  }
  bool holds(const std::string& text) const {
    const Value value = eval(text);
    return truthy(value);
  }
};

// A Context that counts lookups, to see short-circuits and what the evaluator asks for.
class RecordingContext final : public Context {
 public:
  Value lookup(Root root, std::span<const std::string> path) const override {
    lookups.push_back({root, std::vector<std::string>(path.begin(), path.end())});
    return Value(true);
  }
  Time now() const override { return Time{}; }
  mutable std::vector<std::pair<Root, std::vector<std::string>>> lookups;
};

}  // namespace

TEST_CASE("CONFIG.md example: orders and event category", "[expression][evaluator]") {
  Fixture f;
  CHECK(f.eval(R"(contact.orders > 0 and event.category == "TV")") == Value(true));
  f.contact["orders"] = 0;
  CHECK(f.eval(R"(contact.orders > 0 and event.category == "TV")") == Value(false));
  f.contact["orders"] = 1;
  f.event["category"] = "Radio";
  CHECK(f.eval(R"(contact.orders > 0 and event.category == "TV")") == Value(false));
}

TEST_CASE("CONFIG.md example: not on a missing attribute holds", "[expression][evaluator]") {
  Fixture f;
  CHECK(f.eval("not contact.consent.sms") == Value(true));
  f.contact["consent"]["sms"] = true;
  CHECK(f.eval("not contact.consent.sms") == Value(false));
  f.contact["consent"]["sms"] = false;
  CHECK(f.eval("not contact.consent.sms") == Value(true));
}

TEST_CASE("CONFIG.md example: total or vip", "[expression][evaluator]") {
  Fixture f;
  const char* text = "event.total >= 100 or contact.vip == true";
  CHECK(f.eval(text) == Value(true));
  f.event["total"] = 99.99;
  CHECK(f.eval(text) == Value(false));
  f.contact["vip"] = true;
  CHECK(f.eval(text) == Value(true));
  f.event["total"] = 100;
  f.contact["vip"] = false;
  CHECK(f.eval(text) == Value(true));
}

TEST_CASE("CONFIG.md example: contains is list membership, or substring of strings", "[expression][evaluator]") {
  Fixture f;
  CHECK(f.eval(R"(contact.interests contains "webinar")") == Value(true));
  CHECK(f.eval(R"(contact.interests contains "web")") == Value(false));  // items are whole
  CHECK(f.eval(R"(contact.name contains "Love")") == Value(true));
  CHECK(f.eval(R"(contact.name contains "love")") == Value(false));  // case matters
  CHECK(f.eval(R"(contact.name contains "")") == Value(true));
  CHECK(f.eval("contact.orders contains 3") == Value(false));  // a number contains nothing
  CHECK(f.eval("[1, 2, 3] contains contact.orders") == Value(true));
}

TEST_CASE("CONFIG.md example: in is membership of a list", "[expression][evaluator]") {
  Fixture f;
  CHECK(f.eval(R"(contact.country in ["FR", "BE", "CH"])") == Value(true));
  f.contact["country"] = "DE";
  CHECK(f.eval(R"(contact.country in ["FR", "BE", "CH"])") == Value(false));
  CHECK(f.eval(R"("tv" in contact.interests)") == Value(true));
  CHECK(f.eval(R"(contact.country in [contact.country, "XX"])") == Value(true));
  CHECK(f.eval(R"("B" in "BE")") == Value(false));  // in is for lists only
  CHECK(f.eval("3 in [1, 3.0]") == Value(true));    // one number type
  CHECK(f.eval("[1, 2] in [[1, 2], [3]]") == Value(true));
}

TEST_CASE("CONFIG.md example: exists is true for any present value, even 0 or false", "[expression][evaluator]") {
  Fixture f;
  CHECK(f.eval("exists(contact.phone)") == Value(true));
  CHECK(f.eval("exists(contact.fax)") == Value(false));
  CHECK(f.eval("exists(contact.zero)") == Value(true));
  CHECK(f.eval("exists(contact.vip)") == Value(true));
  CHECK(f.eval("exists(contact.empty)") == Value(true));
  CHECK(f.eval("exists(contact.consent)") == Value(true));  // an object
  f.contact["phone"] = nullptr;
  CHECK(f.eval("exists(contact.phone)") == Value(false));  // explicit JSON null
}

TEST_CASE("CONFIG.md example: days_since compares as a number of days", "[expression][evaluator]") {
  Fixture f;
  // 2026-01-01T00:00Z to 2026-03-01T12:00Z is 59.5 days.
  CHECK(f.eval("days_since(contact.last_purchase)") == Value(59));
  CHECK(f.eval("days_since(contact.last_purchase) > 30") == Value(true));
  f.contact["last_purchase"] = "2026-02-15";
  CHECK(f.eval("days_since(contact.last_purchase) > 30") == Value(false));
}

TEST_CASE("CONFIG.md example: a date minus a duration is a time", "[expression][evaluator]") {
  Fixture f;
  // Across the end of February: 2026-03-05 - 7d is 2026-02-26.
  CHECK(f.eval("contact.departure_date - 7d") == Value(at("2026-02-26T00:00:00Z")));
  CHECK(f.eval("contact.departure_date - 1d12h") == Value(at("2026-03-03T12:00:00Z")));
  CHECK(f.holds("now > contact.departure_date - 7d"));
  CHECK_FALSE(f.holds("now > contact.departure_date - 3d"));
}

TEST_CASE("and binds tighter than or, not looser than comparisons", "[expression][evaluator][precedence]") {
  Fixture f;
  CHECK(f.eval("true or false and false") == Value(true));  // true or (false and false)
  CHECK(f.eval("(true or false) and false") == Value(false));
  CHECK(f.eval("false and false or true") == Value(true));  // (false and false) or true
  // not applies to the whole comparison: not (1 == 2), not (not 1) == 2.
  CHECK(f.eval("not 1 == 2") == Value(true));
  CHECK(f.eval("(not 1) == 2") == Value(false));
  CHECK(f.eval("not contact.orders > 5 and not contact.vip") == Value(true));
  CHECK(f.eval("not not contact.orders") == Value(true));
}

TEST_CASE("arithmetic binds tighter than comparisons, left to right", "[expression][evaluator][precedence]") {
  Fixture f;
  CHECK(f.eval("1 + 2 == 3") == Value(true));
  CHECK(f.eval("1 - 2 - 3") == Value(-4));  // (1 - 2) - 3, not 1 - (2 - 3)
  CHECK(f.eval("1 - (2 - 3)") == Value(2));
  CHECK(f.eval("-2 + 3") == Value(1));  // unary minus binds tighter than +
  CHECK(f.eval("-(2 + 3)") == Value(-5));
  CHECK(f.eval("--contact.orders") == Value(3));
  CHECK(f.eval("-contact.balance") == Value(12.5));
  CHECK(f.eval("contact.orders + 1 > 3 and 2 - 1 < 2") == Value(true));
  CHECK(f.eval("contact.orders in [1, 2, 1 + 2]") == Value(true));
}

TEST_CASE("null rule: a missing attribute is null", "[expression][evaluator][null]") {
  Fixture f;
  CHECK(f.eval("contact.missing") == Value());
  CHECK(f.eval("contact.consent.sms") == Value());
  CHECK(f.eval("contact.orders.deeper") == Value());  // through a number
  CHECK(f.eval("contact.items.5.sku") == Value());    // past the end of a list
  CHECK(f.eval("contact.items.x") == Value());        // a list has no named members
}

TEST_CASE("null rule: every comparison with null is false, == and != included", "[expression][evaluator][null]") {
  Fixture f;
  CHECK(f.eval("contact.missing == null") == Value(false));
  CHECK(f.eval("null == null") == Value(false));
  CHECK(f.eval("contact.missing != null") == Value(false));
  CHECK(f.eval("contact.missing != 1") == Value(false));
  CHECK(f.eval("1 != contact.missing") == Value(false));
  CHECK(f.eval("contact.missing < 1") == Value(false));
  CHECK(f.eval("contact.missing >= 1") == Value(false));
  CHECK(f.eval("contact.missing in [null, 1]") == Value(false));
  CHECK(f.eval("[null] contains contact.missing") == Value(false));
  CHECK(f.eval("contact.missing contains 1") == Value(false));
  CHECK(f.eval("days_since(contact.missing) > 30") == Value(false));
  CHECK(f.eval("days_since(contact.missing) <= 30") == Value(false));
}

TEST_CASE("null rule: not null is true, so a missing flag reads as not set", "[expression][evaluator][null]") {
  Fixture f;
  CHECK(f.eval("not contact.missing") == Value(true));
  CHECK(f.eval("not null") == Value(true));
  CHECK(f.eval("contact.missing or contact.missing") == Value(false));
  CHECK(f.eval("contact.missing and true") == Value(false));
}

TEST_CASE("null rule: arithmetic with null is null", "[expression][evaluator][null]") {
  Fixture f;
  CHECK(f.eval("contact.missing + 1") == Value());
  CHECK(f.eval("1 - contact.missing") == Value());
  CHECK(f.eval("-contact.missing") == Value());
  CHECK(f.eval("contact.missing - 7d") == Value());
  CHECK(f.eval("days_since(contact.missing)") == Value());
}

TEST_CASE("null rule: event.* is null when no event is in scope", "[expression][evaluator][null]") {
  Fixture f;
  f.event_in_scope = false;
  CHECK(f.eval("event.total") == Value());
  CHECK(f.eval("event.total >= 100 or contact.orders > 0") == Value(true));
}

TEST_CASE("a type mismatch in a comparison is false, never an error", "[expression][evaluator][mismatch]") {
  Fixture f;
  CHECK(f.eval(R"("a" > 3)") == Value(false));
  CHECK(f.eval(R"("a" < 3)") == Value(false));
  CHECK(f.eval(R"("a" <= 3)") == Value(false));
  CHECK(f.eval("true > false") == Value(false));  // booleans are not ordered
  CHECK(f.eval("contact.interests > 1") == Value(false));
  CHECK(f.eval("1d > 3") == Value(false));
  CHECK(f.eval("now > 3") == Value(false));
  CHECK(f.eval("now > contact.name") == Value(false));  // not an ISO string
  CHECK(f.eval("contact.consent > 1") == Value(false));
  CHECK(f.eval("contact.consent == contact.consent") == Value(false));  // objects: no compare
}

TEST_CASE("== and != compare values of different types as different, without conversion",
          "[expression][evaluator][mismatch]") {
  Fixture f;
  CHECK(f.eval(R"("3" == 3)") == Value(false));
  CHECK(f.eval(R"("3" != 3)") == Value(true));
  CHECK(f.eval("true == 1") == Value(false));
  CHECK(f.eval("1d == 86400") == Value(false));
  CHECK(f.eval("contact.orders == 3.0") == Value(true));
  CHECK(f.eval("[1, 2] == [1, 2]") == Value(true));
  CHECK(f.eval("[1, 2] != [2, 1]") == Value(true));
  CHECK(f.eval("[1, null] == [1, null]") == Value(true));  // null items are data
}

TEST_CASE("a type mismatch in arithmetic is null, never an error", "[expression][evaluator][mismatch]") {
  Fixture f;
  CHECK(f.eval("contact.interests + 1") == Value());
  CHECK(f.eval(R"("a" + "b")") == Value());  // no string concatenation
  CHECK(f.eval(R"("a" - 1)") == Value());
  CHECK(f.eval("true + 1") == Value());
  CHECK(f.eval("1d + 1") == Value());
  CHECK(f.eval("1d - now") == Value());  // a duration minus a time means nothing
  CHECK(f.eval("now + now") == Value());
  CHECK(f.eval("contact.name - 7d") == Value());  // not an ISO string
  CHECK(f.eval("-contact.name") == Value());
  CHECK(f.eval("days_since(contact.orders)") == Value());
  CHECK(f.eval("days_since(contact.name)") == Value());
  CHECK(f.eval("contact.consent + 1") == Value());
}

TEST_CASE("truthiness of each kind of value", "[expression][evaluator][truthiness]") {
  Fixture f;
  CHECK_FALSE(f.holds("null"));
  CHECK_FALSE(f.holds("false"));
  CHECK(f.holds("true"));
  CHECK_FALSE(f.holds("0"));
  CHECK(f.holds("-0.5"));
  CHECK_FALSE(f.holds("contact.empty"));
  CHECK(f.holds("contact.name"));
  CHECK(f.holds("\"false\""));  // a non-empty string, whatever it says
  CHECK_FALSE(f.holds("[]"));
  CHECK(f.holds("[0]"));
  CHECK(f.holds("now"));
  CHECK(f.holds("1d"));
  CHECK(f.holds("contact.consent"));  // a non-empty object
  CHECK(f.eval("not 0") == Value(true));
  CHECK(f.eval("not contact.empty") == Value(true));
  CHECK(f.eval("not []") == Value(true));
  CHECK(f.eval("not now") == Value(false));
}

TEST_CASE("and / or yield a bool, not an operand", "[expression][evaluator][truthiness]") {
  Fixture f;
  CHECK(f.eval("1 or 0") == Value(true));
  CHECK(f.eval("contact.name and contact.orders") == Value(true));
  CHECK(f.eval("contact.empty or 0") == Value(false));
}

TEST_CASE("and / or short-circuit: the right side is not evaluated when not needed",
          "[expression][evaluator][truthiness]") {
  const auto evaluate_recorded = [](const char* text) {
    RecordingContext context;
    evaluate(*parse_expression(text), context);
    return context.lookups.size();
  };
  CHECK(evaluate_recorded("false and contact.a") == 0);
  CHECK(evaluate_recorded("true or contact.a") == 0);
  CHECK(evaluate_recorded("true and contact.a") == 1);
  CHECK(evaluate_recorded("contact.a or contact.b") == 1);  // the context answers true
}

TEST_CASE("the context receives the path split once, segment by segment", "[expression][evaluator]") {
  RecordingContext context;
  const auto expression = parse_expression("contact.consent.sms and event.items.0.sku");
  REQUIRE(expression);
  evaluate(*expression, context);
  evaluate(*expression, context);  // a parsed expression is evaluated again and again
  REQUIRE(context.lookups.size() == 4);
  CHECK(context.lookups[0].first == Root::contact);
  CHECK(context.lookups[0].second == std::vector<std::string>{"consent", "sms"});
  CHECK(context.lookups[1].first == Root::event);
  CHECK(context.lookups[1].second == std::vector<std::string>{"items", "0", "sku"});
}

TEST_CASE("comparisons order numbers, strings, durations and times", "[expression][evaluator]") {
  Fixture f;
  CHECK(f.eval("2 < 10") == Value(true));
  CHECK(f.eval(R"("10" < "2")") == Value(true));  // strings are lexicographic
  CHECK(f.eval(R"("B" < "a")") == Value(true));   // bytewise: uppercase first
  CHECK(f.eval(R"("apple" <= "apple")") == Value(true));
  CHECK(f.eval("1d12h == 36h") == Value(true));
  CHECK(f.eval("1w > 6d") == Value(true));
  CHECK(f.eval("journey.entered_at < now") == Value(true));
  CHECK(f.eval("now >= now") == Value(true));
  // A time against an ISO string compares instants, whatever the string's offset.
  CHECK(f.eval(R"(journey.entered_at == "2026-02-28T01:00:00+01:00")") == Value(true));
  CHECK(f.eval(R"(journey.entered_at != "2026-02-28")") == Value(false));
  CHECK(f.eval(R"(now > "2026-03-01T11:59:59.999Z")") == Value(true));
  CHECK(f.eval(R"("2026-03-02" > now)") == Value(true));
}

TEST_CASE("time arithmetic: time +- duration is a time, across month and year ends", "[expression][evaluator][time]") {
  Fixture f;
  CHECK(f.eval(R"("2026-03-01" - 1d)") == Value(at("2026-02-28T00:00:00Z")));
  CHECK(f.eval(R"("2024-03-01" - 1d)") == Value(at("2024-02-29T00:00:00Z")));  // leap year
  CHECK(f.eval(R"("2026-01-31T10:00:00Z" + 1d)") == Value(at("2026-02-01T10:00:00Z")));
  CHECK(f.eval(R"("2026-12-31T23:30:00Z" + 1h)") == Value(at("2027-01-01T00:30:00Z")));
  CHECK(f.eval(R"("2026-04-30" + 1w)") == Value(at("2026-05-07T00:00:00Z")));
  CHECK(f.eval(R"(1d + "2026-02-28")") == Value(at("2026-03-01T00:00:00Z")));
  CHECK(f.eval("now - 12h") == Value(at("2026-03-01T00:00:00Z")));
  CHECK(f.eval("now + -12h") == Value(at("2026-03-01T00:00:00Z")));
  CHECK(f.eval("journey.entered_at + 1d12h == now") == Value(true));
}

TEST_CASE("time arithmetic: time - time is a duration, duration +- duration too", "[expression][evaluator][time]") {
  Fixture f;
  CHECK(f.eval("now - journey.entered_at") == Value(Duration(36h)));
  CHECK(f.eval("now - journey.entered_at > 1d") == Value(true));
  CHECK(f.eval("journey.entered_at - now") == Value(Duration(-36h)));
  CHECK(f.eval(R"(contact.departure_date - contact.last_purchase)") == Value(Duration(std::chrono::days(63))));
  CHECK(f.eval("1d - 12h") == Value(Duration(12h)));
  CHECK(f.eval("1d + 1h == 25h") == Value(true));
  CHECK(f.eval("-1d") == Value(Duration(-24h)));
  CHECK(f.eval("-(1d)") == Value(Duration(-24h)));
}

TEST_CASE("number arithmetic on doubles", "[expression][evaluator]") {
  Fixture f;
  CHECK(f.eval("0.1 + 0.2 > 0.3") == Value(true));  // doubles, as JSON numbers are
  CHECK(f.eval("contact.orders + 0.5") == Value(3.5));
  CHECK(f.eval("contact.balance - 1") == Value(-13.5));
}

TEST_CASE("days_since counts whole days, rounding down", "[expression][evaluator][time]") {
  Fixture f;                                // now is 2026-03-01T12:00:00Z
  f.contact["t"] = "2026-02-28T12:00:01Z";  // 23:59:59 ago
  CHECK(f.eval("days_since(contact.t)") == Value(0));
  f.contact["t"] = "2026-02-28T12:00:00Z";  // exactly one day
  CHECK(f.eval("days_since(contact.t)") == Value(1));
  f.contact["t"] = "2026-03-01T18:00:00Z";  // six hours ahead: floor, not truncation
  CHECK(f.eval("days_since(contact.t)") == Value(-1));
  f.contact["t"] = "2026-03-01T12:00:00Z";
  CHECK(f.eval("days_since(contact.t)") == Value(0));
  f.contact["t"] = "2025-03-01T12:00:00+01:00";  // 365 days and one hour ago
  CHECK(f.eval("days_since(contact.t)") == Value(365));
  CHECK(f.eval("days_since(journey.entered_at)") == Value(1));
  CHECK(f.eval("days_since(now)") == Value(0));
}

TEST_CASE("journey.id and journey.entered_at come from the enrollment", "[expression][evaluator]") {
  Fixture f;
  CHECK(f.eval("journey.id") == Value("cart-abandon"));
  CHECK(f.eval("journey.entered_at") == Value(at("2026-02-28")));

  const json contact = json::object();
  const JsonContext before_entry({.contact = &contact, .now = at("2026-03-01")});
  CHECK(evaluate(*parse_expression("journey.entered_at"), before_entry) == Value());
  CHECK(evaluate(*parse_expression("exists(journey.entered_at)"), before_entry) == Value(false));
}

TEST_CASE("JSON values become language values", "[expression][evaluator][json]") {
  Fixture f;
  CHECK(f.eval("contact.orders") == Value(3));
  CHECK(f.eval("contact.balance") == Value(-12.5));
  CHECK(f.eval("contact.vip") == Value(false));
  CHECK(f.eval("contact.interests") == Value(Value::List{"webinar", "tv"}));
  CHECK(f.eval("contact.items.1.sku") == Value("B2"));
  CHECK(f.eval("contact.consent").kind() == Value::Kind::object);
  // A string stays a string until a time is needed.
  CHECK(f.eval("contact.departure_date") == Value("2026-03-05"));
  CHECK(from_json(json(std::uint64_t{18446744073709551615u})).kind() == Value::Kind::number);
}

TEST_CASE("a parsed expression can be evaluated against many contacts", "[expression][evaluator]") {
  const auto expression = parse_expression("contact.orders > 1");
  REQUIRE(expression);
  const Expression copy = *expression;  // copies share the compiled tree
  int held = 0;
  for (int orders = 0; orders < 5; ++orders) {
    const json contact = {{"orders", orders}};
    const JsonContext context({.contact = &contact});
    if (holds(copy, context)) ++held;
  }
  CHECK(held == 3);
}

TEST_CASE("ISO 8601 dates and date-times, with offsets and fractions", "[expression][evaluator][time]") {
  using std::chrono::milliseconds;
  const Time midnight = at("2026-12-01");
  CHECK(format_iso_time(midnight) == "2026-12-01T00:00:00.000Z");
  CHECK(parse_iso_time("2026-12-01T09:30:00Z") == midnight + 9h + 30min);
  CHECK(parse_iso_time("2026-12-01T09:30:00") == midnight + 9h + 30min);  // no offset: UTC
  CHECK(parse_iso_time("2026-12-01T09:30") == midnight + 9h + 30min);
  CHECK(parse_iso_time("2026-12-01 09:30:00z") == midnight + 9h + 30min);
  CHECK(parse_iso_time("2026-12-01T09:30:00+02:00") == midnight + 7h + 30min);
  CHECK(parse_iso_time("2026-12-01T09:30:00+0200") == midnight + 7h + 30min);
  CHECK(parse_iso_time("2026-12-01T09:30:00-05:30") == midnight + 15h);
  CHECK(parse_iso_time("2026-12-01T01:00:00+02:00") == midnight - 1h);  // the day before
  CHECK(parse_iso_time("2026-12-01T09:30:00.5Z") == midnight + 9h + 30min + milliseconds(500));
  CHECK(parse_iso_time("2026-12-01T09:30:00.123456Z") ==
        midnight + 9h + 30min + milliseconds(123));  // truncated to milliseconds
  CHECK(parse_iso_time("1969-12-31T23:59:59Z") == Time(milliseconds(-1000)));

  for (const char* bad : {"",
                          "2026",
                          "2026-12",
                          "2026-1-01",
                          "2026-13-01",
                          "2026-02-29",
                          "2026-12-32",
                          "2026-12-01T",
                          "2026-12-01T24:00",
                          "2026-12-01T09:60",
                          "2026-12-01T09:30:60",
                          "2026-12-01T09:30:00.",
                          "2026-12-01T09:30Zx",
                          "2026-12-01T09:30+",
                          "2026-12-01T09:30+2",
                          "2026-12-01T09:30+02:",
                          "2026-12-01x",
                          "2026/12/01",
                          " 2026-12-01",
                          "tomorrow"}) {
    INFO(bad);
    CHECK_FALSE(parse_iso_time(bad).has_value());
  }
  CHECK(parse_iso_time("2024-02-29").has_value());
}

TEST_CASE("values print readably in messages and test failures", "[expression][value]") {
  CHECK(to_string(Value()) == "null");
  CHECK(to_string(Value(3)) == "3");
  CHECK(to_string(Value(2.5)) == "2.5");
  CHECK(to_string(Value("say \"hi\"")) == R"("say \"hi\"")");
  CHECK(to_string(Value(Value::List{1, "a", Value()})) == R"([1, "a", null])");
  CHECK(to_string(Value(Duration(36h))) == "1d12h");
  CHECK(to_string(Value(Duration(1500))) == "1500ms");
  CHECK(to_string(Value(at("2026-12-01T09:30:00.25Z"))) == "2026-12-01T09:30:00.250Z");
}
