// What parse_expression accepts, and how it reports what it refuses: every mistake the
// language can detect without data must be found here, at the exact column.
#include <catch2/catch.hpp>

#include <string>

#include "journey/expression.hpp"

using parcours::journey::Expression;
using parcours::journey::parse_expression;
using parcours::journey::ParseError;
using parcours::journey::Root;

namespace {

Expression parsed(const std::string& text) {
  ParseError error;
  auto expression = parse_expression(text, &error);
  INFO("expression: " << text << "\nerror at column " << error.column << ": " << error.message);
  REQUIRE(expression.has_value());
  return *expression;
}

ParseError refused(const std::string& text) {
  ParseError error;
  const auto expression = parse_expression(text, &error);
  INFO("expression: " << text);
  REQUIRE_FALSE(expression.has_value());
  REQUIRE_FALSE(error.message.empty());
  return error;
}

}  // namespace

TEST_CASE("every example of CONFIG.md parses", "[expression][parser]") {
  const char* examples[] = {
      R"(contact.orders > 0 and event.category == "TV")", R"(not contact.consent.sms)",
      R"(event.total >= 100 or contact.vip == true)",     R"(contact.interests contains "webinar")",
      R"(contact.country in ["FR", "BE", "CH"])",         R"(exists(contact.phone))",
      R"(days_since(contact.last_purchase) > 30)",        R"(contact.departure_date - 7d)",
  };
  for (const char* text : examples) parsed(text);
}

TEST_CASE("the rest of the syntax parses", "[expression][parser]") {
  const char* texts[] = {
      "journey.id == 'cart-abandon'",
      "now - journey.entered_at > 1d12h",
      "-contact.balance > -10.5",
      "((contact.a))",
      "contact.tags contains null",
      "[] == []",
      "[1, 2,] != [contact.a, event.b]",
      "\"say \\\"hi\\\"\\n\\\\\" == 'it\\'s'",
      "contact.in == event.not",      // keywords are fine as attribute names
      "contact.items.0.sku == 'A1'",  // so are indexes
      "not not exists ( contact.x )",
      "1w + 2d + 3h + 4m + 5s",
      "null",
      "contact.a\t==\n1",
  };
  for (const char* text : texts) parsed(text);
}

TEST_CASE("the expression keeps its text and lists the names it reads, with columns", "[expression][parser]") {
  const Expression expression = parsed("contact.orders > 0 and event.category == \"TV\"");
  CHECK(expression.text() == "contact.orders > 0 and event.category == \"TV\"");
  REQUIRE(expression.names().size() == 2);
  CHECK(expression.names()[0].name == "contact.orders");
  CHECK(expression.names()[0].column == 1);
  CHECK(expression.names()[1].name == "event.category");
  CHECK(expression.names()[1].column == 24);
}

TEST_CASE("reads() tells whether event.* is read, so the validator can refuse it out of scope",
          "[expression][parser]") {
  const Expression on_event = parsed("contact.orders > 0 and event.total > 1");
  CHECK(on_event.reads(Root::contact));
  CHECK(on_event.reads(Root::event));
  CHECK_FALSE(on_event.reads(Root::journey));

  const Expression contact_only = parsed("exists(contact.phone) or journey.id == 'x'");
  CHECK_FALSE(contact_only.reads(Root::event));
  CHECK(contact_only.reads(Root::journey));
}

TEST_CASE("depends_on_time() is set by now and days_since only", "[expression][parser]") {
  CHECK(parsed("now > contact.departure_date - 7d").depends_on_time());
  CHECK(parsed("days_since(contact.last_purchase) > 30").depends_on_time());
  CHECK_FALSE(parsed("contact.departure_date - 7d").depends_on_time());
  CHECK_FALSE(parsed("journey.entered_at < contact.d").depends_on_time());
}

TEST_CASE("an unclosed parenthesis is reported where ')' was expected, naming the '('",
          "[expression][parser][errors]") {
  //                           column 24 v                              end: column 55
  const ParseError error = refused("contact.orders > 0 and (event.total > 1 or contact.vip");
  CHECK(error.column == 55);
  CHECK_THAT(error.message, Catch::Contains("unclosed '(' opened at column 24"));
  CHECK_THAT(error.message, Catch::Contains("expected ')'"));
  CHECK_THAT(error.message, Catch::Contains("end of the expression"));

  const ParseError list = refused("contact.country in [\"FR\", \"BE\"");
  CHECK(list.column == 31);
  CHECK_THAT(list.message, Catch::Contains("unclosed '[' opened at column 20"));

  const ParseError call = refused("exists(contact.phone");
  CHECK(call.column == 21);
  CHECK_THAT(call.message, Catch::Contains("unclosed '(' opened at column 7"));
}

TEST_CASE("a trailing operator is reported at the end, naming the operator and its column",
          "[expression][parser][errors]") {
  const ParseError after_and = refused("contact.orders > 0 and");
  CHECK(after_and.column == 23);
  CHECK(after_and.message == "expected an operand after 'and' at column 20, found the end of the expression");

  const ParseError after_greater = refused("contact.orders >");
  CHECK(after_greater.column == 17);
  CHECK_THAT(after_greater.message, Catch::Contains("after '>' at column 16"));

  const ParseError after_minus = refused("contact.departure_date - ");
  CHECK(after_minus.column == 26);
  CHECK_THAT(after_minus.message, Catch::Contains("after '-' at column 24"));
}

TEST_CASE("a bad duration literal is reported at the offending character", "[expression][parser][errors]") {
  const ParseError unit = refused("contact.departure_date - 5x");
  CHECK(unit.column == 27);
  CHECK_THAT(unit.message, Catch::Contains("unknown unit 'x'"));
  CHECK_THAT(unit.message, Catch::Contains("'5x'"));

  const ParseError order = refused("now - 1h1d");
  CHECK(order.column == 10);
  CHECK_THAT(order.message, Catch::Contains("out of order"));

  const ParseError zero = refused("now - 0s");
  CHECK(zero.column == 7);
  CHECK_THAT(zero.message, Catch::Contains("zero"));

  const ParseError fraction = refused("now - 1.5h");
  CHECK(fraction.column == 10);
  CHECK_THAT(fraction.message, Catch::Contains("1h30m"));

  const ParseError huge = refused("now + 90000000000w");
  CHECK(huge.column == 7);
  CHECK_THAT(huge.message, Catch::Contains("too large"));
}

TEST_CASE("an unknown root name is refused at its column with a did-you-mean", "[expression][parser][errors]") {
  const ParseError first = refused("contcat.orders > 0");
  CHECK(first.column == 1);
  CHECK(first.message == "unknown name 'contcat' (did you mean 'contact'?)");

  const ParseError later = refused("contact.orders > 0 and evnt.total > 1");
  CHECK(later.column == 24);
  CHECK(later.message == "unknown name 'evnt' (did you mean 'event'?)");

  const ParseError bare = refused("orders > 0");
  CHECK(bare.column == 1);
  CHECK_THAT(bare.message, Catch::Contains("unknown name 'orders'"));
  CHECK_THAT(bare.message, Catch::Contains("contact.<attribute>"));

  const ParseError journey = refused("journey.entred_at < now");
  CHECK(journey.column == 1);
  CHECK_THAT(journey.message, Catch::Contains("(did you mean 'journey.entered_at'?)"));

  const ParseError now_field = refused("now.day > 1");
  CHECK_THAT(now_field.message, Catch::Contains("'now' is a time and has no fields"));

  const ParseError root_alone = refused("contact == 1");
  CHECK(root_alone.column == 1);
  CHECK_THAT(root_alone.message, Catch::Contains("expected an attribute after 'contact'"));
}

TEST_CASE("an unknown function is refused at its column with a did-you-mean", "[expression][parser][errors]") {
  const ParseError typo = refused("day_since(contact.last_purchase) > 30");
  CHECK(typo.column == 1);
  CHECK_THAT(typo.message, Catch::StartsWith("unknown function 'day_since' (did you mean 'days_since'?)"));

  const ParseError later = refused("not exist(contact.phone)");
  CHECK(later.column == 5);
  CHECK_THAT(later.message, Catch::Contains("(did you mean 'exists'?)"));

  const ParseError function_without_call = refused("exists and contact.a");
  CHECK(function_without_call.column == 1);
  CHECK_THAT(function_without_call.message, Catch::Contains("is a function"));
}

TEST_CASE("a call with the wrong number of arguments is refused at the function's column",
          "[expression][parser][errors]") {
  const ParseError two = refused("exists(contact.phone, contact.email)");
  CHECK(two.column == 1);
  CHECK_THAT(two.message, Catch::StartsWith("exists takes 1 argument, not 2"));

  const ParseError none = refused("contact.a > 1 and days_since() > 3");
  CHECK(none.column == 19);
  CHECK_THAT(none.message, Catch::StartsWith("days_since takes 1 argument, not 0"));
}

TEST_CASE("comparisons cannot be chained", "[expression][parser][errors]") {
  const ParseError error = refused("1 < contact.orders < 10");
  CHECK(error.column == 20);
  CHECK_THAT(error.message, Catch::StartsWith("comparisons cannot be chained"));
  CHECK_THAT(error.message, Catch::Contains("(column 3)"));

  CHECK(refused("contact.a == 1 == true").column == 16);
  CHECK(refused("contact.a in [1] contains 1").column == 18);
  // Parenthesised, it is two comparisons and fine.
  parsed("(1 < contact.orders) == true");
}

TEST_CASE("an unterminated string is reported at its opening quote", "[expression][parser][errors]") {
  const ParseError error = refused("event.category == \"TV");
  CHECK(error.column == 19);
  CHECK_THAT(error.message, Catch::StartsWith("unterminated string"));

  CHECK(refused("event.category == 'TV").column == 19);
  // An escaped quote does not close the string.
  CHECK(refused(R"(event.category == "TV\")").column == 19);
}

TEST_CASE("tokens after a complete expression are unexpected, with hints for common slips",
          "[expression][parser][errors]") {
  const ParseError misspelt = refused("contact.orders > 0 adn contact.vip");
  CHECK(misspelt.column == 20);
  CHECK_THAT(misspelt.message, Catch::StartsWith("unexpected 'adn' (did you mean 'and'?)"));

  const ParseError uppercase = refused("contact.a > 1 AND contact.b");
  CHECK(uppercase.column == 15);
  CHECK_THAT(uppercase.message, Catch::Contains("keywords are lowercase: write 'and'"));

  const ParseError uppercase_literal = refused("contact.vip == True");
  CHECK(uppercase_literal.column == 16);
  CHECK_THAT(uppercase_literal.message, Catch::Contains("keywords are lowercase: write 'true'"));

  const ParseError stray = refused("contact.a > 1 x");
  CHECK(stray.column == 15);
  CHECK_THAT(stray.message, Catch::StartsWith("unexpected 'x'"));

  const ParseError closing = refused("contact.a > 1)");
  CHECK(closing.column == 14);
  CHECK_THAT(closing.message, Catch::Contains("no '(' to close"));

  const ParseError assignment = refused("contact.country = \"FR\"");
  CHECK(assignment.column == 17);
  CHECK_THAT(assignment.message, Catch::Contains("use '=='"));

  CHECK_THAT(refused("contact.a && contact.b").message, Catch::Contains("use 'and'"));
  CHECK(refused("contact.a > 1 @").column == 15);
}

TEST_CASE("other malformed expressions are refused at the right column", "[expression][parser][errors]") {
  const ParseError empty = refused("   ");
  CHECK(empty.column == 4);
  CHECK_THAT(empty.message, Catch::StartsWith("empty expression"));

  const ParseError leading = refused("and contact.a");
  CHECK(leading.column == 1);
  CHECK(leading.message == "expected an operand, found 'and'");

  const ParseError dangling_dot = refused("contact. orders");
  CHECK(dangling_dot.column == 9);
  CHECK_THAT(dangling_dot.message, Catch::Contains("expected a name after 'contact.'"));

  const ParseError escape = refused(R"(contact.a == "a\q")");
  CHECK(escape.column == 16);
  CHECK_THAT(escape.message, Catch::Contains("unknown escape '\\q'"));

  const ParseError empty_parens = refused("()");
  CHECK(empty_parens.column == 2);
  CHECK_THAT(empty_parens.message, Catch::Contains("after '(' at column 1"));

  const ParseError not_as_operand = refused("contact.a == not contact.b");
  CHECK(not_as_operand.column == 14);
}

TEST_CASE("columns count characters, not bytes", "[expression][parser][errors]") {
  // "café" is 5 bytes but 4 characters: the end is column 25, not 26.
  CHECK(refused("event.name == \"café\" and").column == 25);
}

TEST_CASE("the first error from the left is the one reported", "[expression][parser][errors]") {
  // A grammar error before a bad token wins over the bad token.
  CHECK(refused("contact.a > > 5x").column == 13);
  // A bad token before a grammar error wins too.
  CHECK(refused("contact.a > 5x >").column == 14);
}

TEST_CASE("absurdly deep nesting is refused instead of exhausting the stack", "[expression][parser][errors]") {
  // Built with append: GCC 12 warns wrongly (-Warray-bounds, GCC bug 105651) on
  // std::string(n, c) + "..." at -O2.
  std::string parentheses(5000, '(');
  parentheses.append("1").append(5000, ')');
  CHECK_THAT(refused(parentheses).message, Catch::Contains("nested too deeply"));
  std::string minuses(5000, '-');
  minuses.append("1");
  CHECK_THAT(refused(minuses).message, Catch::Contains("nested too deeply"));
  std::string long_chain = "1";
  for (int i = 0; i < 5000; ++i) long_chain += " + 1";
  CHECK_THAT(refused(long_chain).message, Catch::Contains("too long"));
}

TEST_CASE("parse_expression without an error out-parameter still refuses", "[expression][parser]") {
  CHECK_FALSE(parse_expression("contact.orders >").has_value());
  CHECK(parse_expression("contact.orders > 1").has_value());
}
