#include "api/journey_routes.hpp"

#include <nlohmann/json.hpp>

#include "host/runtime.hpp"
#include "report/journey_counts.hpp"
#include "store/store.hpp"

namespace parcours::api {

using nlohmann::json;
using server::HttpResponse;

namespace {

json rate_json(std::int64_t part, std::int64_t whole) {
  const auto value = report::ratio(part, whole);
  return value ? json(*value) : json(nullptr);
}

json totals_json(const report::JourneyCounts& counts) {
  return {{"enrolled", counts.enrolled},   {"active", counts.active},
          {"completed", counts.completed}, {"converted", counts.converted},
          {"exited", counts.exited},       {"conversion_rate", rate_json(counts.converted, counts.enrolled)}};
}

json step_json(const journey::Step& step, const report::StepCounts& counts) {
  json out{{"step", counts.label}, {"kind", journey::to_string(step.kind)}, {"entered", counts.entered}};
  if (counts.waits()) out["waiting"] = counts.waiting;
  if (const auto* send = std::get_if<journey::SendStep>(&step.detail)) {
    out["channel"] = send->channel;
    out["queued"] = counts.queued;
    out["sent"] = counts.sent;
    out["delivered"] = counts.delivered;
    out["failed"] = counts.failed;
    out["suppressed"] = counts.suppressed;
    out["opened"] = counts.opened;
    out["clicked"] = counts.clicked;
    out["suppressed_by"] = {{"consent", counts.suppressed_by.consent}, {"pressure", counts.suppressed_by.pressure}};
  }
  if (!counts.arms.empty()) {
    json arms = json::array();
    for (std::size_t i = 0; i < counts.arms.size(); ++i) {
      const auto& arm = counts.arms[i];
      arms.push_back({{"arm", i + 1},
                      {"goto", arm.target},
                      {"weight_percent", arm.percent},
                      {"entered", arm.entered},
                      {"converted", arm.converted},
                      {"conversion_rate", rate_json(arm.converted, arm.entered)}});
    }
    out["arms"] = std::move(arms);
  }
  return out;
}

}  // namespace

HttpResponse journeys_route(host::Service& service, const std::string& client) {
  const auto runtime = service.runtime();
  json out = json::array();
  const auto it = runtime->loaded.journeys.find(client);
  if (it == runtime->loaded.journeys.end()) return HttpResponse::json(200, out.dump());
  service.store().transact([&](store::Transaction& tx) {
    out = json::array();  // a group commit may run this again
    for (const auto& journey : it->second)
      out.push_back(json{{"id", journey.id},
                         {"name", journey.name},
                         {"enabled", journey.enabled},
                         {"counts", totals_json(report::read_journey_totals(tx, client, journey.id))}});
  });
  return HttpResponse::json(200, out.dump());
}

HttpResponse journey_route(host::Service& service, const std::string& client, const std::string& journey_id) {
  const auto runtime = service.runtime();
  const journey::Journey* journey = nullptr;
  if (const auto it = runtime->loaded.journeys.find(client); it != runtime->loaded.journeys.end())
    for (const auto& candidate : it->second)
      if (candidate.id == journey_id) journey = &candidate;
  if (journey == nullptr)
    return HttpResponse::error(404, "unknown_journey",
                               "client '" + client + "' has no journey '" + journey_id + "'; GET /v1/clients/" +
                                   client + "/journeys lists those it has");
  report::JourneyCounts counts;
  service.store().transact([&](store::Transaction& tx) { counts = report::read_journey_counts(tx, client, *journey); });
  json steps = json::array();
  for (std::size_t i = 0; i < journey->steps.size() && i < counts.steps.size(); ++i)
    steps.push_back(step_json(journey->steps[i], counts.steps[i]));
  json out{{"id", journey->id},
           {"name", journey->name},
           {"stage", journey->stage},
           {"enabled", journey->enabled},
           {"entry", journey->entry.on},
           {"goal", journey->goal ? json(journey->goal->on) : json(nullptr)},
           {"counts", totals_json(counts)},
           {"steps", std::move(steps)}};
  return HttpResponse::json(200, out.dump());
}

}  // namespace parcours::api
