// The `anniversary` rule of the `schedule` trigger: which audience rows fire on a
// given local date — a birthday, a membership's yearly renewal — read from a column
// holding a date ("1990-02-14") or an ISO 8601 date-time ("1990-02-14T08:30:00Z",
// whose date is taken as written: a birth date is a calendar date, not an instant).
//
// 29 February fires on 28 February in common years, as most people born on it
// celebrate then (and as Braze's and Customer.io's birthday campaigns do).
#pragma once

#include <optional>
#include <string_view>

#include <date/date.h>

namespace parcours::schedule_plugin {

// The month and day of `text` when it starts with a valid calendar date YYYY-MM-DD,
// alone or followed by 'T' or ' ' and a time; nothing otherwise.
std::optional<date::month_day> anniversary_of(std::string_view text);

// Whether `anniversary` falls on `day` by the rule above.
bool is_anniversary(date::month_day anniversary, date::year_month_day day);

}  // namespace parcours::schedule_plugin
