#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "config/client_config.hpp"
#include "support/fake_plugin_catalog.hpp"
#include "support/temporary_config.hpp"

using namespace parcours::config;

namespace {

struct Loaded {
  std::vector<ClientConfig> clients;
  Diagnostics diagnostics;
};

Loaded load(const TemporaryConfig& dir) {
  Loaded loaded;
  dir.write("parcours.toml", "");
  HostConfig host = load_host_config(dir.root(), loaded.diagnostics);
  loaded.clients = load_clients(host, FakeCatalog(), loaded.diagnostics);
  return loaded;
}

std::vector<std::string> texts(const Diagnostics& diagnostics) {
  std::vector<std::string> out;
  for (const auto& diagnostic : diagnostics.in_reading_order()) out.push_back(diagnostic.text());
  return out;
}

}  // namespace

TEST_CASE("a client's channels get every declared setting, defaults applied") {
  TemporaryConfig dir;
  setenv("PARCOURS_TEST_SMS_TOKEN", "tok", 1);
  dir.write("clients/acme/client.toml", R"(name = "Acme Retail"
timezone = "Europe/Paris"
country = "FR"
allowed_origins = ["https://shop.acme.test"]
api_keys = ["0123456789abcdef0123"]
require_consent = false

[pressure]
max_per_day = 2
max_per_week = 5
quiet_hours = { start = "21:00", end = "08:00" }

[pressure.channels.sms]
max_per_week = 1

[channels.sms]
plugin = "sms"
url = "http://127.0.0.1:9001/send"
token = "${PARCOURS_TEST_SMS_TOKEN}"
timeout = "1m30s"
tags = ["a", "b"]
)");
  auto loaded = load(dir);
  CHECK(texts(loaded.diagnostics).empty());
  REQUIRE(loaded.clients.size() == 1);
  const ClientConfig& acme = loaded.clients[0];
  CHECK(acme.id == "acme");
  CHECK(acme.name == "Acme Retail");
  CHECK(acme.timezone == "Europe/Paris");
  CHECK_FALSE(acme.require_consent);
  CHECK(acme.pressure.max_per_day == 2);
  CHECK(acme.pressure.max_per_week == 5);
  REQUIRE(acme.quiet_hours);
  CHECK(acme.quiet_hours->start_minute == 21 * 60);
  CHECK(acme.quiet_hours->end_minute == 8 * 60);
  CHECK(acme.channel_pressure.at("sms").max_per_week == 1);
  REQUIRE(acme.channel("sms") != nullptr);
  const auto settings = nlohmann::json::parse(acme.channel("sms")->settings_json);
  CHECK(settings["url"] == "http://127.0.0.1:9001/send");
  CHECK(settings["token"] == "tok");
  CHECK(settings["timeout"] == 90000);  // durations reach plugins as milliseconds
  CHECK(settings["retries"] == 3);      // defaults applied
  CHECK(settings["sandbox"] == false);
  CHECK(settings["tags"] == nlohmann::json::array({"a", "b"}));
}

TEST_CASE("a channel's rate and concurrency are the host's, not passed to the plugin") {
  TemporaryConfig dir;
  dir.write("clients/acme/client.toml", R"([channels.fast]
plugin = "file"
path = "x"
rate = "600/m"
concurrency = 8
[channels.plain]
plugin = "file"
path = "y"
)");
  auto loaded = load(dir);
  CHECK(texts(loaded.diagnostics).empty());
  const auto* fast = loaded.clients.at(0).channel("fast");
  REQUIRE(fast != nullptr);
  CHECK(fast->limits.per_second == Approx(10.0));
  CHECK(fast->limits.concurrency == 8);
  CHECK(nlohmann::json::parse(fast->settings_json) == nlohmann::json{{"path", "x"}});
  const auto* plain = loaded.clients.at(0).channel("plain");
  CHECK_FALSE(plain->limits.per_second);
  CHECK(plain->limits.concurrency == 4);
}

TEST_CASE("a rate is a whole count per second, minute or hour") {
  CHECK(parse_rate("50/s") == 50.0);
  CHECK(parse_rate("3600/h") == 1.0);
  for (const char* bad : {"", "50", "/s", "0/s", "-1/s", "1.5/s", "50/d", "50/sec", "50 /s", "x/s"}) {
    INFO(bad);
    CHECK_FALSE(parse_rate(bad));
  }
}

TEST_CASE("a bad rate or concurrency names the key and shows the form") {
  TemporaryConfig dir;
  dir.write("clients/acme/client.toml", R"([channels.email]
plugin = "file"
path = "x"
rate = "50 per second"
concurrency = 0
)");
  auto loaded = load(dir);
  const std::string file = dir.display("clients/acme/client.toml");
  const auto messages = texts(loaded.diagnostics);
  REQUIRE(messages.size() == 2);
  CHECK(messages[0] == file +
                           ":4:8: 'rate' must be a number of messages per second, minute or hour, e.g. \"50/s\", "
                           "\"600/m\" or \"1000/h\", not '50 per second'");
  CHECK_THAT(messages[1], Catch::Contains(":5:15:") && Catch::Contains("concurrency"));
}

TEST_CASE("plugin settings of the wrong type, missing or unknown are each reported") {
  TemporaryConfig dir;
  dir.write("clients/acme/client.toml", R"([channels.sms]
plugin = "sms"
url = 42
timeout = "5x"
tokne = "abc"
)");
  auto loaded = load(dir);
  const std::string file = dir.display("clients/acme/client.toml");
  CHECK(
      texts(loaded.diagnostics) ==
      std::vector<std::string>{
          file + ":1:1: missing required setting 'token' in [channels.sms] (secret: API token)",
          file + ":3:7: 'url' in [channels.sms] must be a string, not an integer",
          file + ":4:13: 'timeout' in [channels.sms]: unknown unit 'x' in duration '5x' (s, m, h, d or w; e.g. 1d12h)",
          file + ":5:1: unknown key 'tokne' in [channels.sms] (did you mean 'token'?)",
      });
  CHECK(loaded.clients.at(0).channels.empty());
}

TEST_CASE("an unknown plugin is named with a suggestion, a plugin of the wrong kind is refused") {
  TemporaryConfig dir;
  dir.write("clients/acme/client.toml", R"([channels.mail]
plugin = "fiel"
path = "x"

[channels.cron]
plugin = "schedule"
)");
  auto loaded = load(dir);
  const auto messages = texts(loaded.diagnostics);
  REQUIRE(messages.size() == 2);
  CHECK_THAT(messages[0], Catch::Contains(":2:10: no plugin 'fiel' is loaded (did you mean 'file'?)"));
  CHECK_THAT(messages[1], Catch::Contains(":6:10: plugin 'schedule' is a trigger, not a channel"));
}

TEST_CASE("client values are checked: time zone, country, origins, keys, quiet hours") {
  TemporaryConfig dir;
  dir.write("clients/acme/client.toml", R"(timezone = "Europe/Pari"
country = "fr"
allowed_origins = ["https://shop.acme.test/path"]
api_keys = ["short"]
[pressure]
quiet_hours = { start = "25:00", end = "08:00" }
max_per_day = 0
)");
  auto loaded = load(dir);
  const auto messages = texts(loaded.diagnostics);
  REQUIRE(messages.size() == 6);
  CHECK_THAT(messages[0],
             Catch::Contains("unknown time zone 'Europe/Pari'") && Catch::Contains("did you mean 'Europe/Paris'"));
  CHECK_THAT(messages[1], Catch::Contains("two-letter ISO 3166 code"));
  CHECK_THAT(messages[2], Catch::Contains("is not an origin"));
  CHECK_THAT(messages[3], Catch::Contains("shorter than 16 characters"));
  CHECK_THAT(messages[4], Catch::Contains("'start' in quiet_hours must be a time of day HH:MM"));
  CHECK_THAT(messages[5], Catch::Contains("'max_per_day' in [pressure] must be between 1 and 1000, not 0"));
}

TEST_CASE("two clients whose ids differ only in letter case are refused") {
  TemporaryConfig dir;
  dir.write("clients/acme/client.toml", "");
  dir.write("clients/Acme/client.toml", "");
  auto loaded = load(dir);
  const auto messages = texts(loaded.diagnostics);
  REQUIRE(messages.size() == 1);
  CHECK(messages[0] == dir.display("clients/acme/client.toml") + ":1:1: client id 'acme' is already used by " +
                           dir.display("clients/Acme/client.toml") +
                           " (ids are compared without letter case): rename one of the folders");
  CHECK(loaded.clients.size() == 1);
}

TEST_CASE("an API key shared by two clients is refused") {
  TemporaryConfig dir;
  dir.write("clients/a/client.toml", "api_keys = [\"0123456789abcdef-shared\"]\n");
  dir.write("clients/b/client.toml", "api_keys = [\"0123456789abcdef-shared\"]\n");
  auto loaded = load(dir);
  const auto messages = texts(loaded.diagnostics);
  REQUIRE(messages.size() == 1);
  CHECK_THAT(messages[0], Catch::Contains("also a key of client 'a'"));
}

TEST_CASE("pressure for a channel the client lacks is a typo, with a suggestion") {
  TemporaryConfig dir;
  dir.write("clients/acme/client.toml", R"([pressure.channels.smss]
max_per_week = 1
[channels.sms]
plugin = "file"
path = "x"
)");
  auto loaded = load(dir);
  const auto messages = texts(loaded.diagnostics);
  REQUIRE(messages.size() == 1);
  CHECK_THAT(messages[0],
             Catch::Contains("[pressure.channels.smss] names no channel of this client (did you mean 'sms'?)"));
}
