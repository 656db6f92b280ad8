// Walks the tree built by the parser. The rules (CONFIG.md): a comparison with a null
// operand is false, `==` and `!=` included (that is what exists() is for); a type
// mismatch is null for arithmetic and false for comparisons; nothing throws.
#include <chrono>
#include <compare>

#include "journey/expression.hpp"
#include "journey/expression_ast.hpp"

namespace parcours::journey {
namespace {

// Null and objects are not comparable: any comparison with them is false.
bool comparable(const Value& value) {
  return value.kind() != Value::Kind::null && value.kind() != Value::Kind::object;
}

// Equality of two comparable values. A time equals an ISO string naming the same
// instant; a number never equals a string or a bool (no implicit conversion). Inside
// lists, null items match each other, since they are data, not operands.
bool same(const Value& a, const Value& b) {
  if (a.kind() == Value::Kind::time || b.kind() == Value::Kind::time) {
    const auto ta = a.to_time();
    const auto tb = b.to_time();
    return ta && tb && *ta == *tb;
  }
  if (a.kind() != b.kind()) return false;
  if (a.kind() != Value::Kind::list) return a == b;
  const Value::List& left = a.as_list();
  const Value::List& right = b.as_list();
  if (left.size() != right.size()) return false;
  for (std::size_t i = 0; i < left.size(); ++i) {
    const bool both_null = left[i].is_null() && right[i].is_null();
    if (!both_null && !(comparable(left[i]) && comparable(right[i]) && same(left[i], right[i]))) return false;
  }
  return true;
}

bool equal(const Value& a, const Value& b) {
  return comparable(a) && comparable(b) && same(a, b);
}

// Ordering of numbers, strings (bytewise, so ISO dates of one format sort by time),
// durations, and times (an ISO string against a time is read as a time).
std::optional<std::partial_ordering> order(const Value& a, const Value& b) {
  using Kind = Value::Kind;
  if (a.kind() == Kind::time || b.kind() == Kind::time) {
    const auto ta = a.to_time();
    const auto tb = b.to_time();
    if (!ta || !tb) return std::nullopt;
    return *ta <=> *tb;
  }
  if (a.kind() != b.kind()) return std::nullopt;
  switch (a.kind()) {
    case Kind::number: return a.as_number() <=> b.as_number();  // NaN is unordered: every comparison false
    case Kind::string: return a.as_string() <=> b.as_string();
    case Kind::duration: return a.as_duration() <=> b.as_duration();
    default: return std::nullopt;
  }
}

bool member(const Value& item, const Value& list) {
  if (!comparable(item) || list.kind() != Value::Kind::list) return false;
  for (const Value& candidate : list.as_list())
    if (equal(item, candidate)) return true;
  return false;
}

bool contains(const Value& container, const Value& item) {
  if (container.kind() == Value::Kind::string && item.kind() == Value::Kind::string)
    return container.as_string().find(item.as_string()) != std::string::npos;
  return member(item, container);
}

// Checked millisecond arithmetic: an overflow is a type of mismatch too, so null.
std::optional<Duration::rep> checked_add(Duration::rep a, Duration::rep b) {
  Duration::rep result;
  if (__builtin_add_overflow(a, b, &result)) return std::nullopt;
  return result;
}
std::optional<Duration::rep> checked_subtract(Duration::rep a, Duration::rep b) {
  Duration::rep result;
  if (__builtin_sub_overflow(a, b, &result)) return std::nullopt;
  return result;
}

Value time_from(std::optional<Duration::rep> millis) {
  return millis ? Value(Time(Duration(*millis))) : Value();
}
Value duration_from(std::optional<Duration::rep> millis) {
  return millis ? Value(Duration(*millis)) : Value();
}

Value add(const Value& a, const Value& b) {
  using Kind = Value::Kind;
  if (a.kind() == Kind::number && b.kind() == Kind::number) return a.as_number() + b.as_number();
  if (a.kind() == Kind::duration && b.kind() == Kind::duration)
    return duration_from(checked_add(a.as_duration().count(), b.as_duration().count()));
  // time + duration, either way round; an ISO string is a time here.
  const Value& span = a.kind() == Kind::duration ? a : b;
  const Value& instant = a.kind() == Kind::duration ? b : a;
  if (span.kind() != Kind::duration) return {};
  const auto time = instant.to_time();
  if (!time) return {};
  return time_from(checked_add(time->time_since_epoch().count(), span.as_duration().count()));
}

Value subtract(const Value& a, const Value& b) {
  using Kind = Value::Kind;
  if (a.kind() == Kind::number && b.kind() == Kind::number) return a.as_number() - b.as_number();
  if (b.kind() == Kind::duration) {
    if (a.kind() == Kind::duration)
      return duration_from(checked_subtract(a.as_duration().count(), b.as_duration().count()));
    const auto time = a.to_time();
    if (!time) return {};
    return time_from(checked_subtract(time->time_since_epoch().count(), b.as_duration().count()));
  }
  // time - time; two ISO strings too, since strings have no subtraction of their own.
  const auto ta = a.to_time();
  const auto tb = b.to_time();
  if (!ta || !tb) return {};
  return duration_from(checked_subtract(ta->time_since_epoch().count(), tb->time_since_epoch().count()));
}

Value negate(const Value& value) {
  if (value.kind() == Value::Kind::number) return -value.as_number();
  if (value.kind() == Value::Kind::duration) return duration_from(checked_subtract(0, value.as_duration().count()));
  return {};
}

Value days_since(const Value& value, Time now) {
  const auto time = value.to_time();
  if (!time) return {};
  // floor, not truncation: 36 hours ago is 1 day, 12 hours ahead is -1.
  return static_cast<double>(std::chrono::floor<std::chrono::days>(now - *time).count());
}

Value evaluate_node(const Node& node, const Context& context);

// A constant operand is read in place: copying a long string literal for every event
// would allocate.
const Value& value_of(const Node& node, const Context& context, Value& storage) {
  if (node.kind == NodeKind::constant) return node.constant;
  storage = evaluate_node(node, context);
  return storage;
}

Value evaluate_node(const Node& node, const Context& context) {
  Value storage[2];
  const auto operand = [&](std::size_t i) -> const Value& { return value_of(*node.operands[i], context, storage[i]); };
  const auto compared = [&](auto accept) {
    const auto ordering = order(operand(0), operand(1));
    return Value(ordering && accept(*ordering));
  };
  switch (node.kind) {
    case NodeKind::constant: return node.constant;
    case NodeKind::lookup: return context.lookup(node.root, node.path);
    case NodeKind::now: return context.now();
    case NodeKind::list: {
      Value::List items;
      items.reserve(node.operands.size());
      for (const auto& item : node.operands) items.push_back(evaluate_node(*item, context));
      return items;
    }
    case NodeKind::negate: return negate(operand(0));
    case NodeKind::logical_not: return !truthy(operand(0));
    case NodeKind::logical_and: return truthy(operand(0)) && truthy(operand(1));
    case NodeKind::logical_or: return truthy(operand(0)) || truthy(operand(1));
    case NodeKind::equal: return equal(operand(0), operand(1));
    case NodeKind::not_equal: {
      const Value& a = operand(0);
      const Value& b = operand(1);
      return comparable(a) && comparable(b) && !same(a, b);
    }
    case NodeKind::less: return compared([](std::partial_ordering o) { return o < 0; });
    case NodeKind::less_equal: return compared([](std::partial_ordering o) { return o <= 0; });
    case NodeKind::greater: return compared([](std::partial_ordering o) { return o > 0; });
    case NodeKind::greater_equal: return compared([](std::partial_ordering o) { return o >= 0; });
    case NodeKind::in: return member(operand(0), operand(1));
    case NodeKind::contains: return contains(operand(0), operand(1));
    case NodeKind::add: return add(operand(0), operand(1));
    case NodeKind::subtract: return subtract(operand(0), operand(1));
    case NodeKind::exists: return !operand(0).is_null();
    case NodeKind::days_since: return days_since(operand(0), context.now());
  }
  return {};
}

}  // namespace

Value evaluate(const Expression& expression, const Context& context) {
  return evaluate_node(*expression.compiled().root, context);
}

bool holds(const Expression& expression, const Context& context) {
  return truthy(evaluate(expression, context));
}

}  // namespace parcours::journey
