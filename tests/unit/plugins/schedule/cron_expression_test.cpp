#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "cron_expression.hpp"

using parcours::schedule_plugin::CronError;
using parcours::schedule_plugin::CronExpression;

namespace {

using std::chrono::hours;
using std::chrono::minutes;

// The minutes of an hour the expression fires at (its hour field allowing).
std::vector<int> minutes_of(const CronExpression& cron, int hour = 0) {
  std::vector<int> out;
  for (int minute = 0; minute < 60; ++minute)
    if (cron.fires_at(hours(hour), minutes(minute))) out.push_back(minute);
  return out;
}

std::vector<int> hours_of(const CronExpression& cron) {
  std::vector<int> out;
  for (int hour = 0; hour < 24; ++hour)
    for (int minute = 0; minute < 60; ++minute)
      if (cron.fires_at(hours(hour), minutes(minute))) {
        out.push_back(hour);
        break;
      }
  return out;
}

// The days of November 2026 the expression fires on (1 November 2026 is a Sunday).
std::vector<unsigned> november_days(const CronExpression& cron) {
  std::vector<unsigned> out;
  for (unsigned day = 1; day <= 30; ++day)
    if (cron.fires_on(date::year{2026} / date::November / day)) out.push_back(day);
  return out;
}

std::vector<unsigned> months_of(const CronExpression& cron) {
  std::vector<unsigned> out;
  for (unsigned month = 1; month <= 12; ++month)
    if (cron.fires_on(date::year{2026} / month / 1)) out.push_back(month);
  return out;
}

std::string refusal(const std::string& text) {
  try {
    (void)CronExpression::parse(text);
  } catch (const CronError& error) {
    return error.what();
  }
  return "<accepted>";
}

}  // namespace

TEST_CASE("* allows every value of a field") {
  const auto cron = CronExpression::parse("* * * * *");
  CHECK(minutes_of(cron).size() == 60);
  CHECK(hours_of(cron).size() == 24);
  CHECK(november_days(cron).size() == 30);
  CHECK(months_of(cron).size() == 12);
  CHECK(cron.text() == "* * * * *");
}

TEST_CASE("a single value, a list and a range") {
  const auto cron = CronExpression::parse("5,30 9-11,17 * * *");
  CHECK(minutes_of(cron, 9) == std::vector<int>{5, 30});
  CHECK(hours_of(cron) == std::vector<int>{9, 10, 11, 17});
  CHECK(minutes_of(cron, 12).empty());
}

TEST_CASE("steps over * and over a range") {
  CHECK(minutes_of(CronExpression::parse("*/15 * * * *")) == std::vector<int>{0, 15, 30, 45});
  CHECK(minutes_of(CronExpression::parse("1-10/2 * * * *")) == std::vector<int>{1, 3, 5, 7, 9});
  CHECK(hours_of(CronExpression::parse("0 */6 * * *")) == std::vector<int>{0, 6, 12, 18});
  CHECK(hours_of(CronExpression::parse("0 8-18/5,23 * * *")) == std::vector<int>{8, 13, 18, 23});
  CHECK(november_days(CronExpression::parse("0 0 */10 * *")) == std::vector<unsigned>{1, 11, 21});
}

TEST_CASE("fields are separated by any run of spaces and tabs") {
  CHECK(hours_of(CronExpression::parse("  0\t 9   * *\t*  ")) == std::vector<int>{9});
}

TEST_CASE("month names JAN-DEC in any case, alone, in lists and in ranges") {
  CHECK(months_of(CronExpression::parse("0 0 1 jan,Jul *")) == std::vector<unsigned>{1, 7});
  CHECK(months_of(CronExpression::parse("0 0 1 MAR-may *")) == std::vector<unsigned>{3, 4, 5});
  CHECK(months_of(CronExpression::parse("0 0 1 dec *")) == std::vector<unsigned>{12});
}

TEST_CASE("day names SUN-SAT in any case; 0 and 7 are both Sunday") {
  // November 2026: Sundays 1, 8, 15, 22, 29; Mondays 2, 9, 16, 23, 30.
  const std::vector<unsigned> sundays{1, 8, 15, 22, 29};
  CHECK(november_days(CronExpression::parse("0 0 * * 0")) == sundays);
  CHECK(november_days(CronExpression::parse("0 0 * * 7")) == sundays);
  CHECK(november_days(CronExpression::parse("0 0 * * sun")) == sundays);
  CHECK(november_days(CronExpression::parse("0 0 * * Sat-7")) ==
        std::vector<unsigned>{1, 7, 8, 14, 15, 21, 22, 28, 29});
  const auto weekdays = november_days(CronExpression::parse("0 0 * * MON-fri"));
  CHECK(weekdays.size() == 21);
  CHECK(weekdays.front() == 2);
  CHECK(weekdays.back() == 30);
  CHECK(november_days(CronExpression::parse("0 0 * * mon,WED")) ==
        std::vector<unsigned>{2, 4, 9, 11, 16, 18, 23, 25, 30});
}

TEST_CASE("day-of-month and day-of-week both restricted: a day matching either fires (Vixie cron)") {
  // The 13th, or any Friday (6, 13, 20, 27 November 2026).
  CHECK(november_days(CronExpression::parse("0 0 13 * 5")) == std::vector<unsigned>{6, 13, 20, 27});
  CHECK(november_days(CronExpression::parse("0 0 1,15 * MON")) == std::vector<unsigned>{1, 2, 9, 15, 16, 23, 30});
}

TEST_CASE("a day field written with * (even */2) leaves the other one alone deciding, as in Vixie cron") {
  CHECK(november_days(CronExpression::parse("0 0 * * MON")) == std::vector<unsigned>{2, 9, 16, 23, 30});
  CHECK(november_days(CronExpression::parse("0 0 15 * *")) == std::vector<unsigned>{15});
  // "*/2" counts as a star: odd days AND Mondays, not odd days OR Mondays.
  CHECK(november_days(CronExpression::parse("0 0 */2 * MON")) == std::vector<unsigned>{9, 23});
}

TEST_CASE("the macros are the five-field expressions cron gives them") {
  const auto same = [](const char* macro, const char* fields) {
    const auto a = CronExpression::parse(macro);
    const auto b = CronExpression::parse(fields);
    return minutes_of(a) == minutes_of(b) && hours_of(a) == hours_of(b) && november_days(a) == november_days(b) &&
           months_of(a) == months_of(b);
  };
  CHECK(same("@hourly", "0 * * * *"));
  CHECK(same("@daily", "0 0 * * *"));
  CHECK(same("@midnight", "0 0 * * *"));
  CHECK(same("@weekly", "0 0 * * 0"));
  CHECK(same("@monthly", "0 0 1 * *"));
  CHECK(same("@yearly", "0 0 1 1 *"));
  CHECK(same("@annually", "0 0 1 1 *"));
  CHECK(same("@Daily", "0 0 * * *"));
  CHECK_FALSE(same("@weekly", "0 0 * * 1"));  // the comparison itself can fail
  CHECK(CronExpression::parse("@daily").text() == "@daily");
}

TEST_CASE("a value out of its field's range is refused, naming the field and the range") {
  CHECK(refusal("0 24 * * *") == "field 2 (hour) value 24 is out of range 0-23");
  CHECK(refusal("60 * * * *") == "field 1 (minute) value 60 is out of range 0-59");
  CHECK(refusal("0 0 0 * *") == "field 3 (day-of-month) value 0 is out of range 1-31");
  CHECK(refusal("0 0 32 * *") == "field 3 (day-of-month) value 32 is out of range 1-31");
  CHECK(refusal("0 0 * 13 *") == "field 4 (month) value 13 is out of range 1-12");
  CHECK(refusal("0 0 * 0 *") == "field 4 (month) value 0 is out of range 1-12");
  CHECK(refusal("0 0 * * 8") == "field 5 (day-of-week) value 8 is out of range 0-7");
  CHECK(refusal("0 9-99999999999 * * *") == "field 2 (hour) value 99999999999 is out of range 0-23");
}

TEST_CASE("a bad step is refused") {
  CHECK(refusal("*/0 * * * *") == "field 1 (minute) step 0 in '*/0' is out of range 1-59");
  CHECK(refusal("0 */24 * * *") == "field 2 (hour) step 24 in '*/24' is out of range 1-23");
  CHECK(refusal("*/x * * * *") == "field 1 (minute) step 'x' in '*/x' is not a number");
  CHECK(refusal("*/ * * * *") == "field 1 (minute) step '' in '*/' is not a number");
  CHECK(refusal("5/15 * * * *") == "field 1 (minute) '5/15': a step applies to * or a range, e.g. */15 or 5-59/15");
  CHECK(refusal("1-10/2/3 * * * *") == "field 1 (minute) step '2/3' in '1-10/2/3' is not a number");
}

TEST_CASE("an empty list item or a range missing a side is refused") {
  CHECK(refusal("1,,2 * * * *") ==
        "field 1 (minute) has an empty list item in '1,,2' (a comma with nothing on one side)");
  CHECK(refusal("0 9, * * *") == "field 2 (hour) has an empty list item in '9,' (a comma with nothing on one side)");
  CHECK(refusal("0 0 * * ,1") ==
        "field 5 (day-of-week) has an empty list item in ',1' (a comma with nothing on one side)");
  CHECK(refusal("1- * * * *") == "field 1 (minute) '' in '1-' is missing a value");
  CHECK(refusal("0 -5 * * *") == "field 2 (hour) '' in '-5' is missing a value");
}

TEST_CASE("anything but five fields is refused, and a sixth field is explained") {
  CHECK(refusal("0 0 9 * * *") ==
        "expected 5 fields (minute hour day-of-month month day-of-week), got 6 in '0 0 9 * * *': a sixth field "
        "(seconds or years) is not supported");
  CHECK(refusal("0 9 * *") == "expected 5 fields (minute hour day-of-month month day-of-week), got 4 in '0 9 * *'");
  CHECK(refusal("") ==
        "the expression is empty; write five fields such as \"0 9 * * *\" (09:00 every day) or a macro such as "
        "@daily");
  CHECK(refusal("   ") == refusal(""));
}

TEST_CASE("a name that is not a month or a day is refused, and names only go in their own fields") {
  CHECK(refusal("0 0 * JANN *") == "field 4 (month) 'JANN' is not a month name (JAN-DEC) or a number 1-12");
  CHECK(refusal("0 0 * * FUN") == "field 5 (day-of-week) 'FUN' is not a day name (SUN-SAT) or a number 0-7");
  CHECK(refusal("0 0 * * MON-FUN") == "field 5 (day-of-week) 'FUN' is not a day name (SUN-SAT) or a number 0-7");
  CHECK(refusal("MON * * * *") == "field 1 (minute) 'MON' is not a number 0-59");
  CHECK(refusal("0 0 JAN * *") == "field 3 (day-of-month) 'JAN' is not a number 1-31");
  CHECK(refusal("0 0 * * JAN") == "field 5 (day-of-week) 'JAN' is not a day name (SUN-SAT) or a number 0-7");
  CHECK(refusal("0 0 L * *") ==
        "field 3 (day-of-month) 'L' is not a number 1-31 (the Quartz extensions L, W, # and ? are not supported)");
  CHECK(refusal("0 0 ? * MON") ==
        "field 3 (day-of-month) '?' is not a number 1-31 (the Quartz extensions L, W, # and ? are not supported)");
}

TEST_CASE("a range that goes backwards is refused with the wrap-around written out") {
  CHECK(refusal("0 22-6 * * *") ==
        "field 2 (hour) range 22-6 goes backwards; write the lower value first, or two ranges such as 22-23,0-6");
  CHECK(refusal("0 0 * * FRI-MON") ==
        "field 5 (day-of-week) range FRI-MON goes backwards; write the lower value first, or two ranges such as "
        "FRI-SAT,SUN-MON");
}

TEST_CASE("an unknown macro is refused with the nearest one; @reboot is explained") {
  CHECK(refusal("@daly") ==
        "unknown macro '@daly' (did you mean @daily?); the macros are @hourly @daily @midnight @weekly @monthly "
        "@yearly @annually");
  CHECK(refusal("@fortnightly") ==
        "unknown macro '@fortnightly'; the macros are @hourly @daily @midnight @weekly @monthly @yearly @annually");
  CHECK(refusal("@reboot") == "@reboot is not supported: a schedule fires at times of day, not when the host starts");
  CHECK(refusal("@daily 0") == "expected 5 fields (minute hour day-of-month month day-of-week), got 2 in '@daily 0'");
}

TEST_CASE("an expression that can never fire is refused; one that fires rarely is not") {
  CHECK(refusal("0 0 30 2 *") ==
        "'0 0 30 2 *' never fires: no date has a day of field 3 (day-of-month) in a month of field 4 (month)");
  CHECK(refusal("0 0 31 4,6,9,11 *") ==
        "'0 0 31 4,6,9,11 *' never fires: no date has a day of field 3 (day-of-month) in a month of field 4 (month)");
  CHECK(refusal("0 0 29 2 *") == "<accepted>");      // leap years
  CHECK(refusal("0 0 31 4,5 *") == "<accepted>");    // 31 May
  CHECK(refusal("0 0 30 2 MON") == "<accepted>");    // every Monday of February (either day field)
  CHECK(refusal("0 0 */31 2 MON") == "<accepted>");  // 1 February when it is a Monday
}
