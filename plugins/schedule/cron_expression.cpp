#include "cron_expression.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdint>
#include <utility>
#include <vector>

namespace parcours::schedule_plugin {

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

namespace {

using namespace std::chrono_literals;

// One of the five fields: its place, its name in messages, its range, and the names
// it accepts instead of numbers (months and days of the week).
struct FieldSpec {
  int position;  // 1-based, as messages say it
  const char* name;
  int min;
  int max;
  const std::array<const char*, 12>* names = nullptr;
  int first_named = 0;  // the value of names[0]
  int name_count = 0;
  const char* names_range = "";
};

constexpr std::array<const char*, 12> kMonthNames{"JAN", "FEB", "MAR", "APR", "MAY", "JUN",
                                                  "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"};
constexpr std::array<const char*, 12> kDayNames{"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"};

const std::array<FieldSpec, 5> kFields{{
    {1, "minute", 0, 59},
    {2, "hour", 0, 23},
    {3, "day-of-month", 1, 31},
    {4, "month", 1, 12, &kMonthNames, 1, 12, "JAN-DEC"},
    {5, "day-of-week", 0, 7, &kDayNames, 0, 7, "SUN-SAT"},
}};

struct Macro {
  const char* name;
  const char* expansion;
};
constexpr std::array<Macro, 7> kMacros{{
    {"@hourly", "0 * * * *"},
    {"@daily", "0 0 * * *"},
    {"@midnight", "0 0 * * *"},
    {"@weekly", "0 0 * * 0"},
    {"@monthly", "0 0 1 * *"},
    {"@yearly", "0 0 1 1 *"},
    {"@annually", "0 0 1 1 *"},
}};

std::string upper(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string prefix(const FieldSpec& field) {
  return "field " + std::to_string(field.position) + " (" + field.name + ") ";
}

std::string range_text(const FieldSpec& field) {
  return std::to_string(field.min) + "-" + std::to_string(field.max);
}

bool all_digits(std::string_view text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// One value of a field: a number in range, or a name where the field takes names.
int parse_value(const FieldSpec& field, std::string_view text, std::string_view item) {
  if (all_digits(text)) {
    // Longer than three digits is out of range for every field (and cannot overflow).
    const int value = text.size() > 3 ? 1000 : std::stoi(std::string(text));
    if (value < field.min || value > field.max)
      throw CronError(prefix(field) + "value " + std::string(text) + " is out of range " + range_text(field));
    return value;
  }
  if (field.names != nullptr) {
    const std::string name = upper(text);
    for (int i = 0; i < field.name_count; ++i)
      if (name == (*field.names)[static_cast<std::size_t>(i)]) return field.first_named + i;
  }
  std::string problem = prefix(field) + "'" + std::string(text) + "'";
  if (text.empty())
    problem += " in '" + std::string(item) + "' is missing a value";
  else if (field.names != nullptr)
    problem += std::string(" is not a ") + (field.position == 4 ? "month" : "day") + " name (" + field.names_range +
               ") or a number " + range_text(field);
  else
    problem += " is not a number " + range_text(field);
  if (text.find_first_of("LW#?") != std::string_view::npos)
    problem += " (the Quartz extensions L, W, # and ? are not supported)";
  throw CronError(problem);
}

// One field ("*/15", "1-5", "MON-FRI", "0,30") into its set of values (bit i = value i).
std::uint64_t parse_field(const FieldSpec& field, std::string_view text) {
  std::uint64_t values = 0;
  std::size_t begin = 0;
  while (true) {
    const std::size_t comma = text.find(',', begin);
    const std::string_view item = text.substr(begin, comma == std::string_view::npos ? text.npos : comma - begin);
    if (item.empty())
      throw CronError(prefix(field) + "has an empty list item in '" + std::string(text) +
                      "' (a comma with nothing on one side)");
    const std::size_t slash = item.find('/');
    const std::string_view base = item.substr(0, slash);
    int low = field.min;
    int high = field.max;
    if (base == "*") {
      // the whole range
    } else if (const std::size_t dash = base.find('-'); dash != std::string_view::npos) {
      low = parse_value(field, base.substr(0, dash), item);
      high = parse_value(field, base.substr(dash + 1), item);
      if (low > high) {
        // The wrap-around hint in the user's own spelling: 22-23,0-6 or FRI-SAT,SUN-MON.
        const bool named = field.names != nullptr && !all_digits(base.substr(0, dash));
        const std::string last =
            named ? (*field.names)[static_cast<std::size_t>(field.name_count - 1)] : std::to_string(field.max);
        const std::string first = named ? (*field.names)[0] : std::to_string(field.min);
        throw CronError(prefix(field) + "range " + std::string(base) +
                        " goes backwards; write the lower value first, or two ranges such as " +
                        std::string(base.substr(0, dash)) + "-" + last + "," + first + "-" +
                        std::string(base.substr(dash + 1)));
      }
    } else {
      low = high = parse_value(field, base, item);
    }
    int step = 1;
    if (slash != std::string_view::npos) {
      const std::string_view step_text = item.substr(slash + 1);
      if (!all_digits(step_text))
        throw CronError(prefix(field) + "step '" + std::string(step_text) + "' in '" + std::string(item) +
                        "' is not a number");
      step = step_text.size() > 3 ? 1000 : std::stoi(std::string(step_text));
      if (step < 1 || step > field.max)
        throw CronError(prefix(field) + "step " + std::string(step_text) + " in '" + std::string(item) +
                        "' is out of range 1-" + std::to_string(field.max));
      if (base != "*" && base.find('-') == std::string_view::npos)
        throw CronError(prefix(field) + "'" + std::string(item) + "': a step applies to * or a range, e.g. */" +
                        std::string(step_text) + " or " + std::string(base) + "-" + std::to_string(field.max) + "/" +
                        std::string(step_text));
    }
    for (int value = low; value <= high; value += step) values |= std::uint64_t{1} << value;
    if (comma == std::string_view::npos) break;
    begin = comma + 1;
  }
  return values;
}

std::vector<std::string_view> split_fields(std::string_view text) {
  std::vector<std::string_view> fields;
  std::size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i]))) ++i;
    const std::size_t start = i;
    while (i < text.size() && !std::isspace(static_cast<unsigned char>(text[i]))) ++i;
    if (i > start) fields.push_back(text.substr(start, i - start));
  }
  return fields;
}

std::string expand_macro(std::string_view text) {
  const std::string name = lower(text);
  for (const auto& macro : kMacros)
    if (name == macro.name) return macro.expansion;
  if (name == "@reboot")
    throw CronError("@reboot is not supported: a schedule fires at times of day, not when the host starts");
  std::string known;
  const Macro* closest = nullptr;
  std::size_t best = 3;  // suggest only a near miss
  for (const auto& macro : kMacros) {
    known += std::string(known.empty() ? "" : " ") + macro.name;
    if (const std::size_t distance = edit_distance(name, macro.name); distance < best) {
      best = distance;
      closest = &macro;
    }
  }
  std::string message = "unknown macro '" + std::string(text) + "'";
  if (closest != nullptr) message += " (did you mean " + std::string(closest->name) + "?)";
  throw CronError(message + "; the macros are " + known);
}

}  // namespace

CronExpression CronExpression::parse(std::string_view text) {
  CronExpression cron;
  cron.text_ = std::string(text);
  const auto words = split_fields(text);
  if (words.empty())
    throw CronError(
        "the expression is empty; write five fields such as \"0 9 * * *\" (09:00 every day) or a macro "
        "such as @daily");
  std::string expanded;
  std::vector<std::string_view> fields = words;
  if (words.size() == 1 && words[0].front() == '@') {
    expanded = expand_macro(words[0]);
    fields = split_fields(expanded);
  }
  if (fields.size() != 5) {
    std::string message = "expected 5 fields (minute hour day-of-month month day-of-week), got " +
                          std::to_string(fields.size()) + " in '" + std::string(text) + "'";
    if (fields.size() == 6) message += ": a sixth field (seconds or years) is not supported";
    throw CronError(message);
  }
  const std::uint64_t minutes = parse_field(kFields[0], fields[0]);
  const std::uint64_t hours = parse_field(kFields[1], fields[1]);
  const std::uint64_t days_of_month = parse_field(kFields[2], fields[2]);
  const std::uint64_t months = parse_field(kFields[3], fields[3]);
  std::uint64_t days_of_week = parse_field(kFields[4], fields[4]);
  if (days_of_week & (std::uint64_t{1} << 7)) days_of_week = (days_of_week | 1) & 0x7f;  // 7 is Sunday too
  cron.minutes_ = std::bitset<60>(minutes);
  cron.hours_ = std::bitset<24>(hours);
  cron.days_of_month_ = std::bitset<32>(days_of_month);
  cron.months_ = std::bitset<13>(months);
  cron.days_of_week_ = std::bitset<7>(days_of_week);
  cron.day_of_month_star_ = fields[2].front() == '*';
  cron.day_of_week_star_ = fields[4].front() == '*';

  // "0 0 30 2 *" would never fire: say so now rather than stay silent forever. 2001
  // to 2028 holds every combination of leap year, month and weekday.
  bool fires = false;
  for (date::sys_days day = date::year{2001} / 1 / 1; !fires && day <= date::year{2028} / 12 / 31; day += date::days{1})
    fires = cron.fires_on(date::year_month_day(day));
  if (!fires)
    throw CronError("'" + std::string(text) +
                    "' never fires: no date has a day of field 3 (day-of-month) in a month of field 4 (month)");
  return cron;
}

bool CronExpression::fires_on(date::year_month_day day) const {
  if (!months_[static_cast<unsigned>(day.month())]) return false;
  const bool day_of_month = days_of_month_[static_cast<unsigned>(day.day())];
  const bool day_of_week = days_of_week_[date::weekday(day).c_encoding()];
  if (day_of_month_star_ || day_of_week_star_) return day_of_month && day_of_week;
  return day_of_month || day_of_week;
}

bool CronExpression::fires_at(std::chrono::hours hour, std::chrono::minutes minute) const {
  return hour.count() >= 0 && hour.count() < 24 && minute.count() >= 0 && minute.count() < 60 &&
         hours_[static_cast<std::size_t>(hour.count())] && minutes_[static_cast<std::size_t>(minute.count())];
}

std::optional<Instant> CronExpression::next_after(Instant after, const date::time_zone& zone) const {
  // Every local time up to the local time of `after` resolves to `after` or earlier
  // (resolve_local never goes back in time as local time goes forward), so the search
  // starts at the next local minute and returns the first candidate past `after`.
  const date::local_seconds start = date::floor<std::chrono::minutes>(zone.to_local(after)) + 1min;
  const date::local_days first_day = date::floor<date::days>(start);
  for (date::local_days day = first_day; day < first_day + date::days{3660}; day += date::days{1}) {
    if (!fires_on(date::year_month_day(day))) continue;
    for (int hour = 0; hour < 24; ++hour) {
      if (!hours_[static_cast<std::size_t>(hour)]) continue;
      if (day + std::chrono::hours(hour + 1) <= start) continue;
      for (int minute = 0; minute < 60; ++minute) {
        if (!minutes_[static_cast<std::size_t>(minute)]) continue;
        const date::local_seconds local = day + std::chrono::hours(hour) + std::chrono::minutes(minute);
        if (local < start) continue;
        const Instant instant = resolve_local(local, zone);
        if (instant > after) return instant;
      }
    }
  }
  return std::nullopt;
}

Instant resolve_local(date::local_seconds local, const date::time_zone& zone) {
  const date::local_info info = zone.get_info(local);
  if (info.result == date::local_info::nonexistent) return info.second.begin;
  // unique, or ambiguous: the first offset is the earlier instant's.
  return Instant{local.time_since_epoch() - info.first.offset};
}

}  // namespace parcours::schedule_plugin
