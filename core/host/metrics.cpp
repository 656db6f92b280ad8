#include "host/metrics.hpp"

#include <array>
#include <cmath>
#include <sstream>

#include <nlohmann/json.hpp>

namespace parcours::host {
namespace {

constexpr std::array kBounds{0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0};

std::string escape(const std::string& value) {
  std::string out;
  for (const char c : value) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

std::string number(double value) {
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  std::ostringstream out;
  out.precision(15);
  out << value;
  return out.str();
}

}  // namespace

Metrics::Metrics() {
  declare("parcours_events_ingested_total", "counter", "Events stored and applied, by client");
  declare("parcours_event_duplicates_total", "counter", "Events ignored because their id was seen before");
  declare("parcours_events_deferred_total", "counter",
          "Events stored first and applied just after, because the host was behind, by client");
  declare("parcours_events_pending", "gauge", "Deferred events stored and not yet applied");
  declare("parcours_events_refused_total", "counter", "Event batches refused as invalid, by client");
  declare("parcours_enrollments_started_total", "counter", "Contacts that entered a journey");
  declare("parcours_enrollments_finished_total", "counter",
          "Enrollments that ended, by how: completed, exited, converted");
  declare("parcours_steps_total", "counter", "Steps run, by journey and action");
  declare("parcours_messages_total", "counter", "Messages decided, by channel and status (delivered, suppressed)");
  declare("parcours_messages_suppressed_total", "counter", "Messages suppressed, by channel and reason");
  declare("parcours_http_requests_total", "counter", "HTTP requests answered, by route and status");
  declare("parcours_http_request_duration_seconds", "histogram", "Time to answer an HTTP request, by route");
  declare("parcours_config_reloads_total", "counter", "Config reloads, by result (applied, refused)");
  declare("parcours_contacts_erased_total", "counter", "Contacts erased through the API (right to be forgotten)");
  declare("parcours_clock_time_seconds", "gauge", "The host's clock (moves only on demand with --clock manual)");
  // The process itself (host/process_metrics.hpp), sampled at each scrape.
  declare("process_cpu_seconds_total", "counter", "CPU time the process used, user and system, in seconds");
  declare("process_resident_memory_bytes", "gauge", "Resident memory size in bytes");
  declare("process_virtual_memory_bytes", "gauge", "Virtual memory size in bytes");
  declare("process_open_fds", "gauge", "Open file descriptors");
  declare("process_max_fds", "gauge", "The most file descriptors the process may open");
  declare("process_start_time_seconds", "gauge", "When the process started, in seconds since the Unix epoch");
  declare("parcours_memory_allocated_bytes", "gauge",
          "Bytes in memory blocks the host holds, as its allocator counts them");
  declare("parcours_memory_allocator_bytes", "gauge",
          "Bytes the memory allocator holds from the system, free blocks kept for reuse included");
  declare("parcours_memory_allocator_info", "gauge", "The memory allocator in use (jemalloc or glibc) and its version");
}

void Metrics::declare(const std::string& name, std::string type, std::string help) {
  families_[name] = Family{std::move(type), std::move(help), {}, {}, {}};
}

std::string Metrics::render(const Labels& labels) {
  std::string out;
  for (const auto& [key, value] : labels) out += (out.empty() ? "" : ",") + key + "=\"" + escape(value) + "\"";
  return out;
}

void Metrics::add(const std::string& name, const Labels& labels, double value) {
  std::lock_guard lock(mutex_);
  families_[name].samples[render(labels)] += value;
}

void Metrics::set(const std::string& name, const Labels& labels, double value) {
  std::lock_guard lock(mutex_);
  families_[name].samples[render(labels)] = value;
}

void Metrics::plugin_sample(const std::string& name, const Labels& labels, double value) {
  if (name.empty() ||
      name.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_:") != std::string::npos)
    return;
  const std::string full = "parcours_plugin_" + name;
  std::lock_guard lock(mutex_);
  auto& family = families_[full];
  if (family.type.empty()) {
    family.type = name.ends_with("_total") ? "counter" : "gauge";
    family.help = "Reported by plugins";
  }
  family.samples[render(labels)] = value;
}

void Metrics::observe(const std::string& name, const Labels& labels, double seconds) {
  std::lock_guard lock(mutex_);
  auto& family = families_[name];
  const std::string key = render(labels);
  auto& buckets = family.buckets[key];
  buckets.resize(kBounds.size(), 0);
  for (std::size_t i = 0; i < kBounds.size(); ++i)
    if (seconds <= kBounds[i]) buckets[i] += 1;
  auto& [sum, count] = family.sum_count[key];
  sum += seconds;
  count += 1;
}

std::string Metrics::text() const {
  std::lock_guard lock(mutex_);
  std::ostringstream out;
  for (const auto& [name, family] : families_) {
    out << "# HELP " << name << ' ' << family.help << "\n# TYPE " << name << ' ' << family.type << '\n';
    const auto labelled = [](const std::string& metric, const std::string& labels, const std::string& extra = "") {
      std::string all = labels;
      if (!extra.empty()) all += (all.empty() ? "" : ",") + extra;
      return metric + (all.empty() ? "" : "{" + all + "}");
    };
    for (const auto& [labels, value] : family.samples) out << labelled(name, labels) << ' ' << number(value) << '\n';
    for (const auto& [labels, buckets] : family.buckets) {
      for (std::size_t i = 0; i < kBounds.size(); ++i)
        out << labelled(name + "_bucket", labels, "le=\"" + number(kBounds[i]) + "\"") << ' ' << number(buckets[i])
            << '\n';
      const auto& [sum, count] = family.sum_count.at(labels);
      out << labelled(name + "_bucket", labels, "le=\"+Inf\"") << ' ' << number(count) << '\n';
      out << labelled(name + "_sum", labels) << ' ' << number(sum) << '\n';
      out << labelled(name + "_count", labels) << ' ' << number(count) << '\n';
    }
  }
  return out.str();
}

void Metrics::on_action(const engine::Action& action) {
  if (action.action == "suppressed") {  // rare, and its reason varies: no shortcut
    count_action(action);
    return;
  }
  // Every other action of one journey (or channel) moves the same samples each time:
  // found once, then added to straight away. A sample's place in its std::map never
  // moves, so the pointers stay good for the life of the object.
  std::string key;
  key.reserve(action.client.size() + action.journey.size() + action.action.size() + action.channel.size() + 3);
  key.append(action.client).append(1, '\0').append(action.journey).append(1, '\0');
  key.append(action.action).append(1, '\0').append(action.channel);
  std::lock_guard lock(mutex_);
  auto it = action_samples_.find(key);
  if (it == action_samples_.end()) {
    std::vector<double*> samples;
    const auto sample = [&](const std::string& name, const Labels& labels) {
      samples.push_back(&families_[name].samples[render(labels)]);
    };
    const Labels journey{{"client", action.client}, {"journey", action.journey}};
    if (action.action == "enter") sample("parcours_enrollments_started_total", journey);
    if (action.action == "end")
      sample("parcours_enrollments_finished_total", {journey[0], journey[1], {"how", "completed"}});
    if (action.action == "exit")
      sample("parcours_enrollments_finished_total", {journey[0], journey[1], {"how", "exited"}});
    if (action.action == "goal")
      sample("parcours_enrollments_finished_total", {journey[0], journey[1], {"how", "converted"}});
    sample("parcours_steps_total", {journey[0], journey[1], {"action", action.action}});
    if (action.action == "send")
      sample("parcours_messages_total",
             {{"client", action.client}, {"channel", action.channel}, {"status", "delivered"}});
    it = action_samples_.emplace(std::move(key), std::move(samples)).first;
  }
  for (double* value : it->second) *value += 1;
}

void Metrics::count_action(const engine::Action& action) {
  const Labels journey{{"client", action.client}, {"journey", action.journey}};
  add("parcours_steps_total", {journey[0], journey[1], {"action", action.action}});
  add("parcours_messages_total", {{"client", action.client}, {"channel", action.channel}, {"status", "suppressed"}});
  const auto detail = nlohmann::json::parse(action.detail_json, nullptr, false);
  const std::string reason = detail.is_object() ? detail.value("reason", "") : "";
  add("parcours_messages_suppressed_total",
      {{"client", action.client}, {"channel", action.channel}, {"reason", reason}});
}

}  // namespace parcours::host
