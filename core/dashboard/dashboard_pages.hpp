// The dashboard's HTML: whole pages as strings, built from plain data so that they can
// be tested without a host. Every name is escaped (render::escape_html, for text and
// double-quoted attributes); the only styles are inline and the pages fetch nothing
// (dashboard.cpp adds a Content-Security-Policy that forbids it).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "journey/journey.hpp"
#include "report/journey_counts.hpp"

namespace parcours::dashboard {

using report::JourneyCounts;

struct JourneySummary {
  std::string id;
  std::string name;
  std::string stage;
  bool enabled = true;
  JourneyCounts counts;  // totals only
};

struct ClientSummary {
  std::string id;
  std::string name;
  std::vector<JourneySummary> journeys;
};

// "/dashboard/<client>/<journey>", each part percent-encoded.
std::string journey_path(std::string_view client, std::string_view journey);

// `now`: the host clock's time, as shown in the footer.
std::string overview_page(const std::vector<ClientSummary>& clients, const std::string& now);
// `svg`: the drawing from svg_from_dot(), inlined as it is; empty when there is none
// (`svg_problem` says why).
std::string journey_page(const ClientSummary& client, const journey::Journey& journey, const JourneyCounts& counts,
                         const std::string& svg, const std::string& svg_problem, const std::string& now);
// A page with a title and one paragraph: 401, 404.
std::string message_page(const std::string& title, const std::string& message);

}  // namespace parcours::dashboard
