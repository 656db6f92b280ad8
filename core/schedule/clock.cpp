#include "schedule/clock.hpp"

#include <chrono>
#include <cstdio>

namespace parcours::schedule {

TimeMs SystemClock::now() const {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

void ManualClock::set(TimeMs time) {
  TimeMs current = now_.load(std::memory_order_acquire);
  while (time > current && !now_.compare_exchange_weak(current, time, std::memory_order_acq_rel)) {
  }
}

std::string format_time(TimeMs time) {
  using namespace std::chrono;
  const sys_time<milliseconds> point{milliseconds(time)};
  const auto day = floor<days>(point);
  const year_month_day date{day};
  const hh_mm_ss clock{point - day};
  char text[40];
  const auto ms = clock.subseconds().count();
  std::snprintf(text, sizeof text, "%04d-%02u-%02uT%02ld:%02ld:%02lld", static_cast<int>(date.year()),
                static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()),
                static_cast<long>(clock.hours().count()), static_cast<long>(clock.minutes().count()),
                static_cast<long long>(clock.seconds().count()));
  std::string out(text);
  if (ms != 0) {
    std::snprintf(text, sizeof text, ".%03lld", static_cast<long long>(ms));
    out += text;
  }
  return out + "Z";
}

}  // namespace parcours::schedule
