// What the data-source tests share: the built plugins' paths, a host table that
// records what a plugin logs and reports, and polling with a deadline (sources load
// on their own thread, so a test waits for a condition, never a fixed time).
#pragma once

#include <parcours/plugin.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "plugin/registry.hpp"

#include "support/temp_dir.hpp"

namespace parcours::sources::test {

// A parcours_host (plugin.h, ABI 1.2) that keeps every log line and the last sample
// of every metric, and names the instance "bookings" in its context.
class RecordingHost {
 public:
  explicit RecordingHost(std::string instance = "bookings")
      : context_(nlohmann::json{{"client", "acme"}, {"instance", std::move(instance)}, {"plugin", "test"}}.dump()) {
    table_.struct_size = sizeof(parcours_host);
    table_.ctx = this;
    table_.log = &RecordingHost::log;
    table_.metric = &RecordingHost::metric;
    table_.context_json = &RecordingHost::context;
  }
  RecordingHost(const RecordingHost&) = delete;
  RecordingHost& operator=(const RecordingHost&) = delete;

  const parcours_host* table() const { return &table_; }

  struct Line {
    int level;
    std::string text;
  };
  std::vector<Line> lines() const {
    const std::lock_guard lock(mutex_);
    return lines_;
  }
  // The first line at `level` holding `fragment`, if any.
  std::optional<std::string> find(int level, const std::string& fragment) const {
    for (const auto& line : lines())
      if (line.level == level && line.text.find(fragment) != std::string::npos) return line.text;
    return std::nullopt;
  }
  std::size_t count(int level, const std::string& fragment) const {
    std::size_t n = 0;
    for (const auto& line : lines())
      if (line.level == level && line.text.find(fragment) != std::string::npos) ++n;
    return n;
  }
  std::string all_text() const {
    std::string text;
    for (const auto& line : lines()) text += line.text + "\n";
    return text;
  }

  // The last value reported for `name` (0 when never reported) and its labels.
  double metric_value(const std::string& name) const {
    const std::lock_guard lock(mutex_);
    const auto it = metrics_.find(name);
    return it == metrics_.end() ? 0 : it->second.first;
  }
  std::string metric_labels(const std::string& name) const {
    const std::lock_guard lock(mutex_);
    const auto it = metrics_.find(name);
    return it == metrics_.end() ? "" : it->second.second;
  }

 private:
  static void log(void* ctx, int32_t level, const char* message) {
    auto* self = static_cast<RecordingHost*>(ctx);
    const std::lock_guard lock(self->mutex_);
    self->lines_.push_back({level, message});
  }
  static void metric(void* ctx, const char* name, double value, const char* labels) {
    auto* self = static_cast<RecordingHost*>(ctx);
    const std::lock_guard lock(self->mutex_);
    self->metrics_[name] = {value, labels != nullptr ? labels : ""};
  }
  static const char* context(void* ctx) { return static_cast<RecordingHost*>(ctx)->context_.c_str(); }

  std::string context_;
  parcours_host table_{};
  mutable std::mutex mutex_;
  std::vector<Line> lines_;
  std::map<std::string, std::pair<double, std::string>> metrics_;
};

// Polls `condition` until it holds or `limit` passes; returns whether it held.
inline bool eventually(const std::function<bool()>& condition,
                       std::chrono::milliseconds limit = std::chrono::milliseconds(10000)) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return condition();
}

// A registry holding one built plugin.
inline plugin::Registry registry_with(const std::filesystem::path& file) {
  plugin::Registry registry;
  if (!registry.load_file(file))
    throw std::runtime_error("cannot load " + file.string() + ": " + registry.refused().front().reason);
  return registry;
}

// lookup() of a contact id, parsed: null when unknown.
inline nlohmann::json lookup(plugin::Instance& instance, const std::string& id) {
  return nlohmann::json::parse(
      instance.lookup(nlohmann::json{{"id", id}, {"attributes", nlohmann::json::object()}}.dump()));
}

// The message create() fails with, or "" when it succeeds.
inline std::string create_error(const plugin::Registry& registry, const std::string& id,
                                const nlohmann::json& settings) {
  try {
    registry.create(id, settings.dump(), nullptr);
  } catch (const std::exception& error) {
    return error.what();
  }
  return "";
}

using test_support::TempDir;

// Replaces `path` atomically with `text` (a temporary file renamed over it), as a
// well-behaved exporter does.
inline void replace_file(const std::filesystem::path& path, const std::string& text) {
  const auto temporary = path.string() + ".tmp";
  {
    std::ofstream out(temporary, std::ios::binary);
    out << text;
  }
  std::filesystem::rename(temporary, path);
}

}  // namespace parcours::sources::test
