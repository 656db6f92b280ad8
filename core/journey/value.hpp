// The values the expression language computes with: null, bool, number, string, list,
// time and duration (plus an opaque "object" for a JSON object reached by a path that
// stops early, so that exists(contact.address) holds). Values are cheap to copy: a list
// is shared, never deep-copied, because the evaluator copies literals on every event.
#pragma once

#include <chrono>
#include <cstddef>
#include <iosfwd>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <variant>
#include <vector>

namespace parcours::journey {

// A UTC instant with millisecond precision, and a span of time in milliseconds.
using Time = std::chrono::sys_time<std::chrono::milliseconds>;
using Duration = std::chrono::milliseconds;

class Value {
 public:
  enum class Kind { null, boolean, number, string, list, object, time, duration };
  using List = std::vector<Value>;

  Value() = default;  // null
  Value(std::nullptr_t) {}
  Value(bool b) : data_(b) {}
  // Every number is a double, as in JSON; integers are accepted for convenience.
  template <class T>
  requires(std::is_arithmetic_v<T> && !std::is_same_v<T, bool>) Value(T n) : data_(static_cast<double>(n)) {}
  Value(std::string s) : data_(std::move(s)) {}
  Value(std::string_view s) : data_(std::string(s)) {}
  Value(const char* s) : data_(std::string(s)) {}  // else a literal would become a bool
  Value(List items) : data_(std::make_shared<const List>(std::move(items))) {}
  Value(Time t) : data_(t) {}
  Value(Duration d) : data_(d) {}
  // A JSON object with `size` members: it exists and is truthy when non-empty, but it
  // is not comparable and takes part in no arithmetic (the language has no maps).
  static Value object(std::size_t size);

  Kind kind() const { return static_cast<Kind>(data_.index()); }
  bool is_null() const { return kind() == Kind::null; }

  // Accessors for the matching kind only (checked by kind() first; a mismatch is a bug
  // in the caller and throws std::bad_variant_access).
  bool as_bool() const { return std::get<bool>(data_); }
  double as_number() const { return std::get<double>(data_); }
  const std::string& as_string() const { return std::get<std::string>(data_); }
  const List& as_list() const { return *std::get<ListRef>(data_); }
  std::size_t object_size() const { return std::get<ObjectSize>(data_).size; }
  Time as_time() const { return std::get<Time>(data_); }
  Duration as_duration() const { return std::get<Duration>(data_); }

  // The value as a time where a time is needed: a time, or a string holding an ISO 8601
  // date or date-time (see parse_iso_time). Nothing for anything else.
  std::optional<Time> to_time() const;

  // Structural identity, for C++ code and tests: null is identical to null, and a time
  // is never identical to a string. This is NOT the language's `==` (with which any
  // comparison involving null is false); the evaluator implements that.
  friend bool operator==(const Value& a, const Value& b);

 private:
  using ListRef = std::shared_ptr<const List>;
  struct ObjectSize {
    std::size_t size = 0;
  };
  // The order matches Kind.
  std::variant<std::monostate, bool, double, std::string, ListRef, ObjectSize, Time, Duration> data_;
};

// Truthiness, for and/or/not, `when` and `branch`: null -> false; bool as is; a number
// when non-zero; a string, list or object when non-empty; a time or duration -> true.
bool truthy(const Value& value);

// "2026-12-01", "2026-12-01T09:30", "2026-12-01T09:30:00Z", "2026-12-01T09:30:00.250+02:00"
// ('T' or a space between date and time; fractional seconds truncated to milliseconds;
// a time without offset is UTC). Nothing when the text is not exactly such a date.
std::optional<Time> parse_iso_time(std::string_view text);

// "2026-12-01T09:30:00.000Z".
std::string format_iso_time(Time time);

// How a value reads in messages and test failures: null, true, 3, 2.5, "text",
// [1, "a"], {object}, 2026-12-01T09:30:00.000Z, 1d12h (or 1500ms below a second).
std::string to_string(const Value& value);
std::ostream& operator<<(std::ostream& out, const Value& value);

}  // namespace parcours::journey
