// The `schedule` trigger: emits an event at the times of a cron expression, in the
// client's time zone — one event for one contact ("every morning at 09:00, the daily
// digest to the ops team"), or one per row of a data source (`audience`), optionally
// only the rows whose date column has its anniversary that day (birthdays).
//
// One thread per instance wakes every 250 ms of wall time, reads the HOST's clock
// (host().now(): the manual clock under `parcours run --clock manual`, so moving it a
// day fires that day's occurrences) and fires every occurrence in (last check, now],
// in order. Event ids are derived from the instance and the occurrence, so a restart,
// a catch-up or two hosts firing the same occurrence store it once (the host's ingest
// treats a repeated id as a duplicate).
//
// The cron parsing and the next-occurrence computation are in cron_expression.cpp, the
// anniversary rule in anniversary.cpp: pure functions the unit tests link directly.
#include <parcours/sdk.hpp>
#include <parcours/thread_name.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "anniversary.hpp"
#include "cron_expression.hpp"

#ifndef PARCOURS_SCHEDULE_PLUGIN_VERSION
#error "the build defines PARCOURS_SCHEDULE_PLUGIN_VERSION (the Parcours version)"
#endif

namespace {

using nlohmann::json;
using parcours::SettingError;
using parcours::schedule_plugin::anniversary_of;
using parcours::schedule_plugin::CronError;
using parcours::schedule_plugin::CronExpression;
using parcours::schedule_plugin::Instant;
using parcours::schedule_plugin::is_anniversary;
using namespace std::chrono_literals;

// How often the thread looks at the host's clock, in wall time.
constexpr auto kPollInterval = 250ms;
// At most this many occurrences per look: a clock moved years ahead under a
// "* * * * *" schedule must not emit millions of events in one go.
constexpr int kMaxOccurrencesPerWake = 1000;
// Per occurrence, the number of row-level problems logged one by one before a summary.
constexpr int kRowProblemsLogged = 5;
// The longest event id the host stores (core/engine/incoming_event.cpp).
constexpr std::size_t kMaxEventId = 256;

// The zone named `name`, or a SettingError for `setting` with the nearest known name.
const date::time_zone* zone_setting(const std::string& setting, const std::string& name) {
  try {
    return date::locate_zone(name);
  } catch (const std::exception&) {
  }
  std::string closest;
  std::size_t best = 4;
  try {
    for (const auto& zone : date::get_tzdb().zones) {
      if (const std::size_t distance = parcours::schedule_plugin::edit_distance(name, zone.name()); distance < best) {
        best = distance;
        closest = zone.name();
      }
    }
  } catch (const std::exception&) {  // no tz database at all: the message below still holds
  }
  throw SettingError(setting + ": '" + name + "' is not a time zone of the tz database" +
                     (closest.empty() ? "" : " (did you mean '" + closest + "'?)") +
                     "; write an IANA name such as Europe/Paris, America/New_York or UTC");
}

std::string utc_text(Instant instant) {
  return date::format("%FT%TZ", instant);
}

// "2026-12-01T09:00:00+01:00": the occurrence as the client reads it.
std::string local_text(Instant instant, const date::time_zone& zone) {
  return date::format("%FT%T%Ez", date::make_zoned(&zone, instant));
}

// 64-bit FNV-1a, in hex: a stable short stand-in for a long id.
std::string fnv1a_hex(std::string_view text) {
  std::uint64_t hash = 14695981039346656037ULL;
  for (const char c : text) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 1099511628211ULL;
  }
  static const char* const digits = "0123456789abcdef";
  std::string out(16, '0');
  for (int i = 15; i >= 0; --i, hash >>= 4) out[static_cast<std::size_t>(i)] = digits[hash & 15];
  return out;
}

// A value as a log line shows it: at most 80 characters.
std::string shortened(const std::string& text) {
  return text.size() <= 80 ? text : text.substr(0, 77) + "...";
}

// "1h30m", "15m", "1s": a duration as the user wrote it in the config.
std::string duration_text(std::chrono::milliseconds duration) {
  auto seconds = std::chrono::duration_cast<std::chrono::seconds>(duration).count();
  std::string out;
  for (const auto& [unit, size] : {std::pair{"d", 86400}, {"h", 3600}, {"m", 60}, {"s", 1}}) {
    if (seconds >= size) out += std::to_string(seconds / size) + unit;
    seconds %= size;
  }
  return out.empty() ? "0s" : out;
}

class ScheduleTrigger final : public parcours::Trigger {
 public:
  ScheduleTrigger(const parcours::Settings& settings, const parcours::Host& host)
      : cron_(parse_cron(settings.string("cron"))), emit_(settings.string("emit")) {
    if (emit_.empty())
      throw SettingError(
          "emit: the event type is empty; give the type a journey enters on, e.g. emit = "
          "\"schedule.morning\"");
    if (settings.has("audience")) {
      audience_ = settings.string("audience");
      if (audience_->empty())
        throw SettingError("audience: the source name is empty; name one of the client's [sources.<name>] tables");
    }
    if (settings.has("contact")) contact_ = settings.string("contact");
    if (audience_ && contact_)
      throw SettingError("contact: not used with audience = \"" + *audience_ +
                         "\" (each row of the source gives its own contact); remove one of the two");
    if (!audience_ && (!contact_ || contact_->empty()))
      throw SettingError(
          "contact: missing; without an audience the schedule emits one event and needs the id of the contact "
          "it is for (e.g. contact = \"ops-team\"), or set audience = \"<source>\" for one event per row");
    if (settings.has("anniversary")) {
      anniversary_ = settings.string("anniversary");
      if (!audience_)
        throw SettingError("anniversary: needs an audience, the data source whose rows hold the column '" +
                           *anniversary_ + "'; add audience = \"<source>\" or remove anniversary");
      if (anniversary_->empty()) throw SettingError("anniversary: the column name is empty");
    }
    if (settings.has("timezone")) zone_ = zone_setting("timezone", settings.string("timezone"));
    catch_up_ = catch_up(settings);
    if (audience_) check_audience(host.context());
  }

  ~ScheduleTrigger() override { stop(); }

  // A host that lists the client's sources in its context lets a misspelt audience be
  // refused now — by `parcours validate`, at the trigger's table — rather than logged
  // at every occurrence. Without the list (an older host) it is found at start().
  void check_audience(const json& context) const {
    const auto sources = context.find("sources");
    if (sources == context.end() || !sources->is_array()) return;
    std::string closest;
    std::size_t best = 3;  // suggest only a near miss
    for (const auto& source : *sources) {
      if (!source.is_string()) continue;
      const auto name = source.get<std::string>();
      if (name == *audience_) return;
      if (const std::size_t distance = parcours::schedule_plugin::edit_distance(*audience_, name); distance < best) {
        best = distance;
        closest = name;
      }
    }
    throw SettingError("audience: the client has no source '" + *audience_ + "'" +
                       (closest.empty() ? "" : " (did you mean '" + closest + "'?)") +
                       "; name one of its [sources.<name>] tables");
  }

  void start() override {
    stop();  // a second start() begins afresh
    const json context = host().context();
    instance_ = context.contains("instance") && context["instance"].is_string() ? context["instance"].get<std::string>()
                                                                                : std::string();
    if (instance_.empty()) instance_ = emit_;  // an ABI 1.1 host names no instance: the event type is unique enough
    if (zone_ == nullptr) zone_ = client_zone(context);
    const Instant now = date::floor<std::chrono::seconds>(host().now());
    last_checked_ = now - std::chrono::duration_cast<Instant::duration>(catch_up_);
    const auto next = cron_.next_after(now, *zone_);
    host().info("'" + cron_.text() + "' in " + std::string(zone_->name()) + ", emitting '" + emit_ + "'" +
                (audience_ ? " for every row of '" + *audience_ + "'" : " for contact '" + *contact_ + "'") +
                (anniversary_ ? " whose '" + *anniversary_ + "' is today" : "") + "; next occurrence " +
                (next ? local_text(*next, *zone_) : std::string("none in ten years")) + " (catch-up window " +
                duration_text(catch_up_) + ")");
    if (audience_) {
      // A misspelt source name would otherwise show only at the first occurrence,
      // maybe days from now. Not fatal: a source may still be loading.
      try {
        (void)host().scan_source(*audience_);
      } catch (const std::exception& error) {
        host().warn("audience '" + *audience_ + "' cannot be listed now: " + error.what() +
                    "; each occurrence tries again");
      }
    }
    {
      std::lock_guard lock(mutex_);
      stopping_ = false;
    }
    thread_ = std::thread([this] {
      parcours::name_this_thread("schedule");
      run();
    });
  }

  void stop() override {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_all();
    // The thread emits outside the lock and checks stopping_ between events: joining
    // it is what makes "no emit in flight" true when stop() returns.
    if (thread_.joinable()) thread_.join();
  }

 private:
  static CronExpression parse_cron(const std::string& text) {
    try {
      return CronExpression::parse(text);
    } catch (const CronError& error) {
      throw SettingError(std::string("cron: ") + error.what());
    }
  }

  // catch_up: the host hands durations over in milliseconds (and refuses "0s"; "1s"
  // is, in effect, no catch-up).
  static std::chrono::milliseconds catch_up(const parcours::Settings& settings) {
    try {
      return settings.duration("catch_up", 1h);
    } catch (const SettingError&) {
      throw SettingError("catch_up: must be a duration such as \"1h\" or \"15m\" (\"1s\" for no catch-up)");
    }
  }

  const date::time_zone* client_zone(const json& context) const {
    const std::string name = context.contains("timezone") && context["timezone"].is_string()
                                 ? context["timezone"].get<std::string>()
                                 : std::string();
    if (!name.empty()) {
      try {
        return date::locate_zone(name);
      } catch (const std::exception&) {
        host().warn("the client's timezone '" + name + "' is not in the tz database; firing in UTC");
      }
    } else {
      host().info("the client has no timezone (and the trigger no timezone setting): firing in UTC");
    }
    return date::locate_zone("UTC");
  }

  bool stopping() {
    std::lock_guard lock(mutex_);
    return stopping_;
  }

  void run() {
    std::unique_lock lock(mutex_);
    while (!stopping_) {
      lock.unlock();
      try {
        check();
      } catch (const std::exception& error) {  // never let the thread die: the next look tries again
        count_failure("internal");
        host().error(std::string("checking the schedule failed: ") + error.what());
      }
      lock.lock();
      wake_.wait_for(lock, kPollInterval, [this] { return stopping_; });
    }
  }

  // Fires every occurrence in (last_checked_, now], at most kMaxOccurrencesPerWake.
  void check() {
    const Instant now = date::floor<std::chrono::seconds>(host().now());
    if (now <= last_checked_) return;  // the host's clock never goes back; nothing is due
    std::optional<json> rows;          // the audience, scanned once per look
    int fired = 0;
    while (true) {
      const auto next = cron_.next_after(last_checked_, *zone_);
      if (!next || *next > now) break;
      if (fired == kMaxOccurrencesPerWake) {
        host().warn("the clock jumped to " + local_text(now, *zone_) + ": fired " +
                    std::to_string(kMaxOccurrencesPerWake) + " occurrences and skipped those from " +
                    local_text(*next, *zone_) + " on (at most " + std::to_string(kMaxOccurrencesPerWake) +
                    " per look)");
        skipped_jumps_ += 1;
        host().metric("schedule_skipped_jumps_total", static_cast<double>(skipped_jumps_));
        break;
      }
      fire(*next, rows);
      last_checked_ = *next;
      ++fired;
      if (stopping()) return;  // stop() is waiting: the rest fires at the next start (catch-up)
    }
    last_checked_ = now;
  }

  json event(Instant occurrence, const std::string& contact, json properties, const std::string& id_suffix) const {
    properties["scheduled_for"] = local_text(occurrence, *zone_);
    std::string id = "schedule:" + instance_ + ":" + utc_text(occurrence);
    if (!id_suffix.empty()) id += ":" + id_suffix;
    // The host takes ids of at most 256 characters; a long contact id (itself up to
    // 256) is replaced by its hash, which keeps the id deterministic.
    if (id.size() > kMaxEventId)
      id = "schedule:" + instance_ + ":" + utc_text(occurrence) + ":#" + fnv1a_hex(id_suffix);
    return json{{"id", std::move(id)},
                {"type", emit_},
                {"contact", contact},
                {"time", utc_text(occurrence)},
                {"properties", std::move(properties)}};
  }

  // Hands one event to the host; a refusal is logged and counted, never thrown.
  bool emit(const json& event) {
    try {
      host().emit(event);
      events_ += 1;
      return true;
    } catch (const std::exception& error) {
      count_failure("emit");
      host().error("event " + shortened(event.value("id", std::string())) + " for contact '" +
                   shortened(event.value("contact", std::string())) + "' was refused: " + error.what());
      return false;
    }
  }

  void fire(Instant occurrence, std::optional<json>& rows) {
    occurrences_ += 1;
    host().metric("schedule_occurrences_total", static_cast<double>(occurrences_));
    const std::string when = local_text(occurrence, *zone_);
    if (!audience_) {
      if (emit(event(occurrence, *contact_, json::object(), ""))) host().info(when + ": emitted '" + emit_ + "'");
      host().metric("schedule_events_total", static_cast<double>(events_));
      return;
    }
    if (!rows) {
      try {
        rows = host().scan_source(*audience_);
      } catch (const std::exception& error) {
        count_failure("audience");
        host().error(when + ": cannot list the rows of audience '" + *audience_ + "': " + error.what() +
                     "; nobody got this occurrence (reload or restart the host within the catch-up window, once "
                     "the source works, to fire it)");
        rows = std::nullopt;
        return;
      }
    }
    const date::year_month_day today{date::floor<date::days>(date::make_zoned(zone_, occurrence).get_local_time())};
    std::size_t emitted = 0, refused = 0, not_today = 0, without_date = 0, skipped = 0;
    for (const auto& row : *rows) {
      if (stopping()) return;
      const std::string contact = row.is_object() && row.contains("contact") && row["contact"].is_string()
                                      ? row["contact"].get<std::string>()
                                      : std::string();
      json data = row.is_object() && row.contains("data") && row["data"].is_object() ? row["data"] : json::object();
      if (contact.empty()) {
        if (++skipped <= kRowProblemsLogged)
          host().warn(when + ": a row of '" + *audience_ + "' has no contact id; skipped: " + row.dump());
        continue;
      }
      if (anniversary_) {
        // An empty cell is a date nobody gave (not every customer tells their
        // birthday): counted, not logged. A value that is not a date is bad data.
        const auto cell = data.find(*anniversary_);
        if (cell == data.end() || cell->is_null() ||
            (cell->is_string() && cell->get_ref<const std::string&>().empty())) {
          ++without_date;
          continue;
        }
        const auto day = cell->is_string() ? anniversary_of(cell->get<std::string>()) : std::nullopt;
        if (!day) {
          if (++skipped <= kRowProblemsLogged)
            host().warn(when + ": contact '" + contact + "' has no date in column '" + *anniversary_ + "' (" +
                        cell->dump() + "; expected YYYY-MM-DD or an ISO date-time); skipped");
          continue;
        }
        if (!is_anniversary(*day, today)) {
          ++not_today;
          continue;
        }
      }
      if (emit(event(occurrence, contact, std::move(data), contact)))
        ++emitted;
      else
        ++refused;
    }
    rows_skipped_ += skipped;
    host().metric("schedule_events_total", static_cast<double>(events_));
    host().metric("schedule_rows_skipped_total", static_cast<double>(rows_skipped_));
    host().info(
        when + ": emitted '" + emit_ + "' for " + std::to_string(emitted) + " of " + std::to_string(rows->size()) +
        " rows of '" + *audience_ + "'" +
        (anniversary_ ? " (" + std::to_string(not_today) + " not today's anniversary, " + std::to_string(without_date) +
                            " without a date)"
                      : std::string()) +
        (skipped > 0 ? ", " + std::to_string(skipped) + " skipped (no contact id, or not a date)" : std::string()) +
        (refused > 0 ? ", " + std::to_string(refused) + " refused by the host" : std::string()));
  }

  void count_failure(const std::string& reason) {
    const double total = static_cast<double>(++failures_[reason]);
    host().metric("schedule_failures_total", total, json{{"reason", reason}});
  }

  const CronExpression cron_;
  const std::string emit_;
  std::optional<std::string> audience_;
  std::optional<std::string> contact_;
  std::optional<std::string> anniversary_;
  const date::time_zone* zone_ = nullptr;
  std::chrono::milliseconds catch_up_{};
  std::string instance_;

  // Owned by the thread while it runs (start() sets them before starting it).
  Instant last_checked_{};
  std::uint64_t occurrences_ = 0;
  std::uint64_t events_ = 0;
  std::uint64_t rows_skipped_ = 0;
  std::uint64_t skipped_jumps_ = 0;
  std::map<std::string, std::uint64_t> failures_;

  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace

// clang-format off
PARCOURS_PLUGIN(ScheduleTrigger,
  .id = "schedule",
  .version = PARCOURS_SCHEDULE_PLUGIN_VERSION,
  .kind = parcours::Kind::trigger,
  .description = "Emits an event at the times of a cron expression in the client's time zone, for one contact or "
                 "every row of a data source",
  .settings = {
    {"cron", parcours::Type::string, parcours::required,
     "When to fire: minute hour day-of-month month day-of-week (e.g. \"0 9 * * *\"), or @daily, @weekly..."},
    {"emit", parcours::Type::string, parcours::required, "The event type to emit, e.g. \"schedule.morning\""},
    {"contact", parcours::Type::string, parcours::optional,
     "The contact id of the one event (required without audience, not allowed with it)"},
    {"audience", parcours::Type::string, parcours::optional,
     "A data source of the client ([sources.<name>]): one event per row, for the row's contact"},
    {"anniversary", parcours::Type::string, parcours::optional,
     "A date column of the audience rows: only rows whose month-day is today fire (29 Feb fires on 28 Feb)"},
    {"timezone", parcours::Type::string, parcours::optional,
     "IANA time zone of the expression (default: the client's timezone, else UTC)"},
    {"catch_up", parcours::Type::duration, parcours::defaults_to("1h"),
     "At start, occurrences missed within this window before now still fire (\"1s\": in effect none)"},
  })
// clang-format on
