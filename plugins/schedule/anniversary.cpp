#include "anniversary.hpp"

namespace parcours::schedule_plugin {
namespace {

bool digits(std::string_view text) {
  for (const char c : text)
    if (c < '0' || c > '9') return false;
  return true;
}

int number(std::string_view text) {
  int value = 0;
  for (const char c : text) value = value * 10 + (c - '0');
  return value;
}

}  // namespace

std::optional<date::month_day> anniversary_of(std::string_view text) {
  if (text.size() < 10 || text[4] != '-' || text[7] != '-') return std::nullopt;
  if (!digits(text.substr(0, 4)) || !digits(text.substr(5, 2)) || !digits(text.substr(8, 2))) return std::nullopt;
  if (text.size() > 10 && text[10] != 'T' && text[10] != 't' && text[10] != ' ') return std::nullopt;
  const date::year_month_day day{date::year{number(text.substr(0, 4))},
                                 date::month{static_cast<unsigned>(number(text.substr(5, 2)))},
                                 date::day{static_cast<unsigned>(number(text.substr(8, 2)))}};
  if (!day.ok()) return std::nullopt;  // 1990-02-30, 1990-02-29, 2000-13-01
  return date::month_day{day.month(), day.day()};
}

bool is_anniversary(date::month_day anniversary, date::year_month_day day) {
  if (anniversary.month() == day.month() && anniversary.day() == day.day()) return true;
  // Born on 29 February: 28 February when the year has no 29th.
  return anniversary == date::February / 29 && day.month() == date::February && day.day() == date::day{28} &&
         !day.year().is_leap();
}

}  // namespace parcours::schedule_plugin
