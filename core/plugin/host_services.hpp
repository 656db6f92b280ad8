// The services the host offers one plugin instance (parcours_host in plugin.h): its
// log lines go to spdlog tagged with client, instance and plugin; its events, clock
// readings and metrics go to whatever the caller wires in (the engine, a simulation,
// or `validate`, which wires in nothing that could act).
//
// A HostServices must outlive the instance it was given to: keep both in one struct
// with the HostServices declared first, so the instance is destroyed first.
#pragma once

#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <parcours/plugin.h>

namespace parcours::plugin {

class HostServices {
 public:
  struct Wiring {
    // Stores one event (ingestion JSON); returns an error message when refused.
    // Unset: every emit is refused ("this host does not accept events here").
    std::function<std::optional<std::string>(std::string_view event_json)> emit;
    // Milliseconds since the Unix epoch. Unset: the wall clock.
    std::function<std::int64_t()> now_ms;
    // A metric sample. Unset: samples are dropped.
    std::function<void(std::string_view name, double value, std::string_view labels_json)> metric;
    // The client's time zone and country, for context_json (ABI 1.2).
    std::string timezone = "UTC";
    std::string country;
    // The names of the client's data sources (context_json "sources"), so that a
    // trigger can refuse an audience naming none of them when it is created.
    std::vector<std::string> sources;
    // Every row of one of the client's sources (ABI 1.2 scan_source): the rows JSON,
    // or throws std::runtime_error with the reason. Unset: no source is shared.
    std::function<std::string(std::string_view source)> scan_source;
  };

  HostServices(std::string client, std::string instance, std::string plugin_id, Wiring wiring);
  HostServices(const HostServices&) = delete;
  HostServices& operator=(const HostServices&) = delete;

  const parcours_host* table() const { return &table_; }
  // "acme/email (plugin file)": how log lines and errors name the instance.
  const std::string& name() const { return name_; }

 private:
  static void log(void* ctx, int32_t level, const char* message);
  static int32_t emit(void* ctx, const char* event_json, const char** error);
  static int64_t now(void* ctx);
  static void metric(void* ctx, const char* name, double value, const char* labels_json);
  static const char* context(void* ctx);
  static const char* scan_source(void* ctx, const char* source, const char** error);

  std::string name_;
  std::string context_json_;
  Wiring wiring_;
  std::mutex error_mutex_;
  std::string last_error_;  // what *error points to after a refused emit
  parcours_host table_{};
};

}  // namespace parcours::plugin
