// The host's metrics, served at /metrics in the Prometheus text format (version
// 0.0.4). Counters and one latency histogram, each with labels; thread-safe. It is
// also an engine Observer, so every action of the engine and the dispatcher is
// counted where it happens. Names are listed in docs/operations.md.
#pragma once

#include <map>
#include <mutex>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "engine/timeline.hpp"

namespace parcours::host {

using Labels = std::vector<std::pair<std::string, std::string>>;

class Metrics final : public engine::Observer {
 public:
  Metrics();

  void add(const std::string& name, const Labels& labels, double value = 1);
  void set(const std::string& name, const Labels& labels, double value);
  // A sample a plugin reported (plugin.h, metric): exported as parcours_plugin_<name>,
  // a counter when the name ends in _total, else a gauge. Names outside
  // [a-zA-Z0-9_:] are dropped (they would break the exposition).
  void plugin_sample(const std::string& name, const Labels& labels, double value);
  // One observation of a duration in seconds, into the histogram `name`.
  void observe(const std::string& name, const Labels& labels, double seconds);

  // The whole exposition, every family with its HELP and TYPE.
  std::string text() const;

  // engine::Observer: steps, enrollments and messages, by client, journey, channel.
  void on_action(const engine::Action& action) override;
  // Counts need no detail but a suppression's reason, which comes all the same.
  bool wants_details() const override { return false; }

 private:
  struct Family {
    std::string type;  // counter | gauge | histogram
    std::string help;
    std::map<std::string, double> samples;               // rendered labels → value
    std::map<std::string, std::vector<double>> buckets;  // histogram: cumulative counts per bound
    std::map<std::string, std::pair<double, double>> sum_count;
  };
  void declare(const std::string& name, std::string type, std::string help);
  static std::string render(const Labels& labels);
  void count_action(const engine::Action& action);  // on_action without the shortcut

  mutable std::mutex mutex_;
  std::map<std::string, Family> families_;
  // on_action's shortcut: client, journey, action and channel → the samples they move.
  std::unordered_map<std::string, std::vector<double*>> action_samples_;
};

}  // namespace parcours::host
