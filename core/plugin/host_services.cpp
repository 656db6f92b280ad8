#include "plugin/host_services.hpp"

#include <spdlog/spdlog.h>

#include <chrono>

#include <nlohmann/json.hpp>

namespace parcours::plugin {

HostServices::HostServices(std::string client, std::string instance, std::string plugin_id, Wiring wiring)
    : name_(client + "/" + instance + " (plugin " + plugin_id + ")"),
      context_json_(nlohmann::json{{"client", client},
                                   {"instance", instance},
                                   {"plugin", plugin_id},
                                   {"timezone", wiring.timezone},
                                   {"country", wiring.country},
                                   {"sources", wiring.sources}}
                        .dump()),
      wiring_(std::move(wiring)) {
  table_.struct_size = sizeof(parcours_host);
  table_.ctx = this;
  table_.log = &HostServices::log;
  table_.emit = &HostServices::emit;
  table_.now_ms = &HostServices::now;
  table_.metric = &HostServices::metric;
  table_.context_json = &HostServices::context;
  table_.scan_source = &HostServices::scan_source;
}

// Callbacks run on the plugin's threads and must never let an exception cross back
// into C: each catches everything.
void HostServices::log(void* ctx, int32_t level, const char* message) {
  try {
    const auto* self = static_cast<const HostServices*>(ctx);
    spdlog::level::level_enum spd = spdlog::level::info;
    switch (level) {
      case PARCOURS_LOG_TRACE: spd = spdlog::level::trace; break;
      case PARCOURS_LOG_DEBUG: spd = spdlog::level::debug; break;
      case PARCOURS_LOG_INFO: spd = spdlog::level::info; break;
      case PARCOURS_LOG_WARN: spd = spdlog::level::warn; break;
      default: spd = spdlog::level::err; break;
    }
    spdlog::log(spd, "{}: {}", self->name_, message != nullptr ? message : "");
  } catch (...) {
  }
}

int32_t HostServices::emit(void* ctx, const char* event_json, const char** error) {
  auto* self = static_cast<HostServices*>(ctx);
  std::optional<std::string> refusal;
  try {
    if (!self->wiring_.emit)
      refusal = "this host does not accept events here";
    else if (event_json == nullptr)
      refusal = "no event given";
    else
      refusal = self->wiring_.emit(event_json);
  } catch (const std::exception& failure) {
    refusal = failure.what();
  } catch (...) {
    refusal = "unknown error";
  }
  if (!refusal) return 0;
  std::lock_guard lock(self->error_mutex_);
  self->last_error_ = std::move(*refusal);
  if (error != nullptr) *error = self->last_error_.c_str();
  return 1;
}

int64_t HostServices::now(void* ctx) {
  const auto* self = static_cast<const HostServices*>(ctx);
  try {
    if (self->wiring_.now_ms) return self->wiring_.now_ms();
  } catch (...) {
  }
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

void HostServices::metric(void* ctx, const char* name, double value, const char* labels_json) {
  const auto* self = static_cast<const HostServices*>(ctx);
  try {
    if (self->wiring_.metric && name != nullptr)
      self->wiring_.metric(name, value, labels_json != nullptr ? labels_json : "{}");
  } catch (...) {
  }
}

const char* HostServices::context(void* ctx) {
  return static_cast<const HostServices*>(ctx)->context_json_.c_str();
}

// The answer (or the reason) lives in a per-thread buffer until the thread's next
// call: plugin.h's contract, so the plugin frees nothing.
const char* HostServices::scan_source(void* ctx, const char* source, const char** error) {
  thread_local std::string answer;
  thread_local std::string reason;
  const auto* self = static_cast<const HostServices*>(ctx);
  try {
    if (!self->wiring_.scan_source) throw std::runtime_error("this host shares no data source with plugins here");
    if (source == nullptr) throw std::runtime_error("no source name given");
    answer = self->wiring_.scan_source(source);
    return answer.c_str();
  } catch (const std::exception& failure) {
    reason = failure.what();
  } catch (...) {
    reason = "unknown error";
  }
  if (error != nullptr) *error = reason.c_str();
  return nullptr;
}

}  // namespace parcours::plugin
