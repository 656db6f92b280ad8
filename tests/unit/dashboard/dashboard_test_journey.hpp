// One journey loaded from TOML as `validate` would, for the dashboard's tests: a split
// into a send and a wait, a step without an id, and a name that needs escaping.
#pragma once

#include <catch2/catch.hpp>

#include <string>

#include "config/client_config.hpp"
#include "journey/journey_loader.hpp"
#include "support/fake_plugin_catalog.hpp"
#include "support/temporary_config.hpp"

namespace test {

inline constexpr const char* kPromoJourney = R"toml(id = "promo"
name = "Spring <b>promo</b> & \"friends\""
[entry]
on = "promo.viewed"
[goal]
on = "order.completed"
[[steps]]
id = "pick"
split = [{ weight = 3, goto = "offer" }, { weight = 1, goto = "end" }]
[[steps]]
id = "offer"
send = "email"
subject = "Spring offer"
text = "10% off"
[[steps]]
wait = "1d"
)toml";

inline parcours::journey::Journey load_journey(const std::string& toml = kPromoJourney) {
  TemporaryConfig dir;
  dir.write("parcours.toml", "");
  dir.write("clients/acme/client.toml", "[channels.email]\nplugin = \"file\"\npath = \"out.jsonl\"\n");
  dir.write("clients/acme/journeys/promo.toml", toml);
  parcours::config::Diagnostics diagnostics;
  parcours::config::FakeCatalog catalog;
  const auto host = parcours::config::load_host_config(dir.root(), diagnostics);
  const auto clients = parcours::config::load_clients(host, catalog, diagnostics);
  REQUIRE(clients.size() == 1);
  auto journeys = parcours::journey::load_journeys(clients[0], catalog, diagnostics);
  for (const auto& diagnostic : diagnostics.all()) UNSCOPED_INFO(diagnostic.text());
  REQUIRE(journeys.size() == 1);
  return journeys[0];
}

}  // namespace test
