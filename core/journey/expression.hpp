// The expression language of journeys (CONFIG.md, "Expressions"): the conditions of
// `entry.when`, `goal.when`, `wait_for.when` and `branch` cases, and the time of
// `wait_until`. Small and predictable:
//
//   contact.orders > 0 and event.category == "TV"
//   contact.country in ["FR", "BE", "CH"]
//   days_since(contact.last_purchase) > 30
//   contact.departure_date - 7d
//
// Names: contact.<path>, event.<path>, data.<source>.<path>, journey.id,
// journey.entered_at, now. Operators,
// loosest first: or; and; not; == != < <= > >= in contains (not chainable); + -;
// unary -. Functions: exists(x), days_since(x).
//
// Every mistake is found when the journey is loaded (parse_expression, called by the
// journey loader and `parcours validate`): unknown names and functions, wrong arity, bad
// duration literals. Evaluation (called by the engine for every event and wake-up) must
// never fail: a missing attribute is null, a comparison with null is false, a type
// mismatch gives null (arithmetic) or false (comparison). It never throws.
#pragma once

#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "journey/value.hpp"

namespace parcours::journey {

// What a name starts with. `now` is not a root: it comes from Context::now().
enum class Root { contact, event, journey, data };

// Where the evaluator reads names from. The engine implements it over the contact,
// the event in scope and the enrollment (JsonContext); tests may implement their own.
class Context {
 public:
  virtual ~Context() = default;
  // The value at `path` under `root`, or null when there is none. For contact and event
  // the path walks the attributes/properties ({"consent", "sms"}); for journey it is
  // {"id"} or {"entered_at"}; for data it starts with the source's name
  // ({"bookings", "nights"}). Must not throw.
  virtual Value lookup(Root root, std::span<const std::string> path) const = 0;
  // The current time: the engine's clock, which tests and simulations move by hand.
  virtual Time now() const = 0;
};

// The first problem in an expression's text.
struct ParseError {
  int column = 0;       // 1-based, in characters (UTF-8 code points) of the expression text
  std::string message;  // what was found, what was expected, and a did-you-mean if any
};

// A name the expression reads, as written, e.g. {"event.total", 18}. For the validator:
// it can refuse event.* where no event is in scope, pointing at the exact column.
struct NameUse {
  std::string name;  // "contact.consent.sms", "journey.entered_at", "now"
  int column = 0;    // 1-based, like ParseError::column
};

// A parsed expression, ready to be evaluated many times. Cheap to copy (the compiled
// tree is shared and immutable, so it may be evaluated from several threads at once).
class Expression {
 public:
  struct Compiled;  // the syntax tree; private to the parser and the evaluator
  explicit Expression(std::shared_ptr<const Compiled> compiled);

  const std::string& text() const;
  // Every name read, in the order written (a name read twice appears twice).
  const std::vector<NameUse>& names() const;
  // Whether any name under `root` is read (e.g. reads(Root::event)).
  bool reads(Root root) const;
  // Whether the result can change with time alone (it reads `now` or calls days_since):
  // a `when` that does must be re-checked by the scheduler, not only on events.
  bool depends_on_time() const;

  const Compiled& compiled() const { return *compiled_; }

 private:
  std::shared_ptr<const Compiled> compiled_;
};

// Parses and checks `text`. On error returns nothing and fills `error` (when given)
// with the first problem found, left to right. Never throws but for std::bad_alloc.
std::optional<Expression> parse_expression(std::string_view text, ParseError* error = nullptr);

// The value of the expression with names read from `context`. Never throws (but for
// std::bad_alloc): type mismatches give null or false, as the header comment says.
Value evaluate(const Expression& expression, const Context& context);

// Whether the expression holds: truthy(evaluate(expression, context)).
bool holds(const Expression& expression, const Context& context);

}  // namespace parcours::journey
