#include <catch2/catch.hpp>

#include "config/host_config.hpp"
#include "support/temporary_config.hpp"

using parcours::config::Diagnostics;
using parcours::config::load_host_config;

TEST_CASE("a complete parcours.toml is read") {
  TemporaryConfig dir;
  dir.write("parcours.toml", R"([server]
listen = "0.0.0.0:9000"
public_url = "https://journeys.example.com"
admin_token = "t0ken"
max_body = "25MB"
max_header = "32KiB"
idle_timeout = "2m"
request_timeout = "1m30s"
[store]
url = "sqlite:///var/lib/parcours/db"
[plugins]
paths = ["plugins", "/opt/parcours/plugins"]
[log]
level = "debug"
format = "json"
)");
  Diagnostics diagnostics;
  const auto host = load_host_config(dir.root(), diagnostics);
  CHECK(diagnostics.all().empty());
  CHECK(host.server.listen == "0.0.0.0:9000");
  CHECK(host.server.public_url == "https://journeys.example.com");
  CHECK(host.server.admin_token == "t0ken");
  CHECK(host.server.max_body == 25'000'000);
  CHECK(host.server.max_header == 32 * 1024);
  CHECK(host.server.idle_timeout == std::chrono::minutes(2));
  CHECK(host.server.request_timeout == std::chrono::seconds(90));
  CHECK(host.store.url == "sqlite:///var/lib/parcours/db");
  REQUIRE(host.plugins.paths.size() == 2);
  CHECK(host.plugins.paths[0] == dir.root() / "plugins");  // relative to the file
  CHECK(host.plugins.paths[1] == "/opt/parcours/plugins");
  CHECK(host.log.level == "debug");
  CHECK(host.log.format == "json");
}

TEST_CASE("an empty parcours.toml gives the documented defaults") {
  TemporaryConfig dir;
  dir.write("parcours.toml", "");
  Diagnostics diagnostics;
  const auto host = load_host_config(dir.root(), diagnostics);
  CHECK(diagnostics.all().empty());
  CHECK(host.server.listen == "127.0.0.1:8080");
  CHECK(host.server.max_body == 10 * 1024 * 1024);
  CHECK(host.server.max_header == 16 * 1024);
  CHECK(host.server.idle_timeout == std::chrono::seconds(30));
  CHECK(host.server.request_timeout == std::chrono::seconds(30));
  CHECK(host.store.url == "sqlite://var/parcours.db");
  CHECK(host.log.level == "info");
  CHECK(host.plugins.paths.empty());
}

TEST_CASE("a directory without parcours.toml is reported, not guessed at") {
  TemporaryConfig dir;
  Diagnostics diagnostics;
  load_host_config(dir.root(), diagnostics);
  REQUIRE(diagnostics.error_count() == 1);
  CHECK_THAT(diagnostics.all()[0].message, Catch::Contains("no parcours.toml here"));
}

TEST_CASE("wrong values in parcours.toml are each reported with their position") {
  TemporaryConfig dir;
  dir.write("parcours.toml", R"([log]
level = "verbose"
format = 3
[store]
url = "mysql://x"
)");
  Diagnostics diagnostics;
  load_host_config(dir.root(), diagnostics);
  REQUIRE(diagnostics.error_count() == 3);
  const std::string file = dir.display("parcours.toml");
  const auto found = diagnostics.in_reading_order();
  CHECK(found[0].text() == file + ":2:9: 'level' in [log] must be one of trace|debug|info|warn|error, not 'verbose'");
  CHECK(found[1].text() == file + ":3:10: 'format' in [log] must be a string, not an integer");
  CHECK(found[2].text() == file + ":5:7: 'url' in [store] must start with sqlite:// or postgresql://, not 'mysql://x'");
}

TEST_CASE("an unknown table gets a suggestion") {
  TemporaryConfig dir;
  dir.write("parcours.toml", "[sever]\nlisten = \"x:1\"\n");
  Diagnostics diagnostics;
  load_host_config(dir.root(), diagnostics);
  REQUIRE(diagnostics.error_count() == 1);
  CHECK(diagnostics.all()[0].text() ==
        dir.display("parcours.toml") + ":1:2: unknown key 'sever' in parcours.toml (did you mean 'server'?)");
}

TEST_CASE("a TOML syntax error is reported at its line and column") {
  TemporaryConfig dir;
  dir.write("parcours.toml", "[server]\nlisten = \"127.0.0.1:8080\n");
  Diagnostics diagnostics;
  load_host_config(dir.root(), diagnostics);
  REQUIRE(diagnostics.error_count() == 1);
  CHECK_THAT(diagnostics.all()[0].text(), Catch::StartsWith(dir.display("parcours.toml") + ":2:"));
  CHECK_THAT(diagnostics.all()[0].message, Catch::StartsWith("TOML syntax error: "));
}

TEST_CASE("the HTTP limits in [server] are checked: sizes, durations, bounds, misspelt keys") {
  TemporaryConfig dir;
  dir.write("parcours.toml", R"([server]
max_body = "10MB2"
max_header = "512B"
idle_timout = "30s"
request_timeout = "30x"
)");
  Diagnostics diagnostics;
  const auto host = load_host_config(dir.root(), diagnostics);
  REQUIRE(diagnostics.error_count() == 4);
  const std::string file = dir.display("parcours.toml");
  const auto found = diagnostics.in_reading_order();
  CHECK(found[0].text() == file +
                               ":2:15: 'max_body' in [server]: unknown unit 'MB2' in size '10MB2' "
                               "(B, KiB, MiB, GiB, KB, MB or GB; e.g. 10MiB)");
  CHECK(found[1].text() == file + ":3:14: 'max_header' in [server] must be from 1KiB to 1MiB, not 512B");
  CHECK(found[2].text() == file + ":4:1: unknown key 'idle_timout' in [server] (did you mean 'idle_timeout'?)");
  CHECK(found[3].text() == file +
                               ":5:22: 'request_timeout' in [server]: unknown unit 'x' in duration '30x' "
                               "(s, m, h, d or w; e.g. 1d12h)");
  CHECK(host.server.max_body == 10 * 1024 * 1024);  // the defaults stay where a value is wrong
  CHECK(host.server.request_timeout == std::chrono::seconds(30));
}
