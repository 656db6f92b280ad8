#include "journey/value.hpp"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <ostream>

#include "config/duration.hpp"

namespace parcours::journey {
namespace {

// Reads exactly `count` digits at `pos`, advancing it; nothing if they are not there.
std::optional<int> read_digits(std::string_view text, std::size_t& pos, std::size_t count) {
  if (pos + count > text.size()) return std::nullopt;
  int result = 0;
  for (std::size_t i = 0; i < count; ++i) {
    const char c = text[pos + i];
    if (c < '0' || c > '9') return std::nullopt;
    result = result * 10 + (c - '0');
  }
  pos += count;
  return result;
}

bool read_char(std::string_view text, std::size_t& pos, char expected) {
  if (pos < text.size() && text[pos] == expected) {
    ++pos;
    return true;
  }
  return false;
}

std::string format_number(double n) {
  char buffer[64];
  // Shortest round-trip form: 3 prints as "3", 0.1 as "0.1".
  const auto result = std::to_chars(buffer, buffer + sizeof buffer, n);
  return std::string(buffer, result.ptr);
}

std::string format_duration_value(Duration d) {
  if (d.count() % 1000 == 0) return config::format_duration(std::chrono::duration_cast<std::chrono::seconds>(d));
  return std::to_string(d.count()) + "ms";
}

}  // namespace

Value Value::object(std::size_t size) {
  Value value;
  value.data_ = ObjectSize{size};
  return value;
}

std::optional<Time> Value::to_time() const {
  switch (kind()) {
    case Kind::time: return as_time();
    case Kind::string: return parse_iso_time(as_string());
    default: return std::nullopt;
  }
}

bool operator==(const Value& a, const Value& b) {
  if (a.kind() != b.kind()) return false;
  switch (a.kind()) {
    case Value::Kind::null: return true;
    case Value::Kind::boolean: return a.as_bool() == b.as_bool();
    case Value::Kind::number: return a.as_number() == b.as_number();
    case Value::Kind::string: return a.as_string() == b.as_string();
    case Value::Kind::list: return a.as_list() == b.as_list();
    case Value::Kind::object: return a.object_size() == b.object_size();
    case Value::Kind::time: return a.as_time() == b.as_time();
    case Value::Kind::duration: return a.as_duration() == b.as_duration();
  }
  return false;
}

bool truthy(const Value& value) {
  switch (value.kind()) {
    case Value::Kind::null: return false;
    case Value::Kind::boolean: return value.as_bool();
    case Value::Kind::number:
      // NaN cannot be written, but a plugin could store one; it is not "true".
      return value.as_number() != 0 && !std::isnan(value.as_number());
    case Value::Kind::string: return !value.as_string().empty();
    case Value::Kind::list: return !value.as_list().empty();
    case Value::Kind::object: return value.object_size() > 0;
    case Value::Kind::time:
    case Value::Kind::duration: return true;
  }
  return false;
}

std::optional<Time> parse_iso_time(std::string_view text) {
  using namespace std::chrono;
  std::size_t pos = 0;
  const auto y = read_digits(text, pos, 4);
  if (!y || !read_char(text, pos, '-')) return std::nullopt;
  const auto m = read_digits(text, pos, 2);
  if (!m || !read_char(text, pos, '-')) return std::nullopt;
  const auto d = read_digits(text, pos, 2);
  if (!d) return std::nullopt;
  const year_month_day date{year{*y}, month{static_cast<unsigned>(*m)}, day{static_cast<unsigned>(*d)}};
  if (!date.ok()) return std::nullopt;  // 2026-02-30, month 13 ...
  Time result = time_point_cast<milliseconds>(sys_days{date});
  if (pos == text.size()) return result;

  if (text[pos] != 'T' && text[pos] != 't' && text[pos] != ' ') return std::nullopt;
  ++pos;
  const auto hour = read_digits(text, pos, 2);
  if (!hour || *hour > 23 || !read_char(text, pos, ':')) return std::nullopt;
  const auto minute = read_digits(text, pos, 2);
  if (!minute || *minute > 59) return std::nullopt;
  int second = 0;
  int millis = 0;
  if (read_char(text, pos, ':')) {
    const auto s = read_digits(text, pos, 2);
    if (!s || *s > 59) return std::nullopt;  // no leap seconds: sys_time has none
    second = *s;
    if (read_char(text, pos, '.')) {
      const std::size_t first = pos;
      for (int scale = 100; pos < text.size() && text[pos] >= '0' && text[pos] <= '9'; ++pos) {
        millis += (text[pos] - '0') * scale;  // digits past the third are truncated
        scale /= 10;
      }
      if (pos == first) return std::nullopt;
    }
  }
  result += hours{*hour} + minutes{*minute} + seconds{second} + milliseconds{millis};
  if (pos == text.size()) return result;  // no offset: UTC

  if (text[pos] == 'Z' || text[pos] == 'z') return pos + 1 == text.size() ? std::optional(result) : std::nullopt;
  if (text[pos] != '+' && text[pos] != '-') return std::nullopt;
  const bool ahead_of_utc = text[pos] == '+';
  ++pos;
  const auto offset_hours = read_digits(text, pos, 2);
  if (!offset_hours || *offset_hours > 23) return std::nullopt;
  read_char(text, pos, ':');  // +02:00 and +0200 are both ISO 8601
  const auto offset_minutes = read_digits(text, pos, 2);
  if (!offset_minutes || *offset_minutes > 59 || pos != text.size()) return std::nullopt;
  const minutes offset = hours{*offset_hours} + minutes{*offset_minutes};
  // 09:30+02:00 is 07:30 UTC.
  return ahead_of_utc ? result - offset : result + offset;
}

std::string format_iso_time(Time time) {
  using namespace std::chrono;
  const auto midnight = floor<days>(time);
  const year_month_day date{midnight};
  const hh_mm_ss clock{time - midnight};
  char buffer[40];
  const int length =
      std::snprintf(buffer, sizeof buffer, "%04d-%02u-%02uT%02d:%02d:%02d.%03dZ", static_cast<int>(date.year()),
                    static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()),
                    static_cast<int>(clock.hours().count()), static_cast<int>(clock.minutes().count()),
                    static_cast<int>(clock.seconds().count()), static_cast<int>(clock.subseconds().count()));
  return std::string(buffer, static_cast<std::size_t>(length));
}

std::string to_string(const Value& value) {
  switch (value.kind()) {
    case Value::Kind::null: return "null";
    case Value::Kind::boolean: return value.as_bool() ? "true" : "false";
    case Value::Kind::number: return format_number(value.as_number());
    case Value::Kind::string: {
      std::string out = "\"";
      for (const char c : value.as_string()) {
        if (c == '"' || c == '\\') out += '\\';
        if (c == '\n') {
          out += "\\n";
          continue;
        }
        out += c;
      }
      return out + "\"";
    }
    case Value::Kind::list: {
      std::string out = "[";
      for (const Value& item : value.as_list()) {
        if (out.size() > 1) out += ", ";
        out += to_string(item);
      }
      return out + "]";
    }
    case Value::Kind::object: return "{object}";
    case Value::Kind::time: return format_iso_time(value.as_time());
    case Value::Kind::duration: return format_duration_value(value.as_duration());
  }
  return "?";
}

std::ostream& operator<<(std::ostream& out, const Value& value) {
  return out << to_string(value);
}

}  // namespace parcours::journey
