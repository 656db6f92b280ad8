// The `http-json` source, loaded through the host's plugin loader, against a real
// HTTP server on 127.0.0.1: rows found with a JSON Pointer and keyed by a field or a
// pointer, headers sent but never logged, conditional requests, and every kind of
// failure — an error status, a body that is not JSON, no array at `rows`, a server
// that hangs past the timeout — counted and logged while the last good rows stay.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include <chrono>
#include <string>

#include "http_test_server.hpp"
#include "source_host.hpp"

using Catch::Matchers::Contains;
using nlohmann::json;
using namespace parcours::sources::test;

namespace {

std::filesystem::path http_json_plugin() {
  return PARCOURS_HTTP_JSON_PLUGIN;
}

json settings(const std::string& url, const std::string& rows, const std::string& key, int timeout_ms = 2000) {
  return {
      {"url", url},     {"rows", rows},          {"key", key},
      {"refresh", 100}, {"timeout", timeout_ms}, {"headers", {"Authorization: Bearer tok-123456", "X-Client: acme"}}};
}

const json kCustomers = {{"data",
                          {{"items",
                            {{{"id", "c-1"}, {"name", "Ann"}, {"customer", {{"ref", 101}}}, {"orders", 3}},
                             {{"id", "c-2"}, {"name", "Bob"}, {"customer", {{"ref", 102}}}},
                             {{"id", "c-1"}, {"name", "Ann again"}},
                             {{"name", "no id"}},
                             "not an object"}}}},
                         {"next", nullptr}};

HttpResponse json_answer(const json& body) {
  return {200, body.dump(), {{"Content-Type", "application/json"}}, {}};
}

}  // namespace

TEST_CASE("The http-json source serves the rows at its JSON Pointer, keyed by a field, sending its headers") {
  HttpTestServer server;
  server.answer([](const HttpRequest&) { return json_answer(kCustomers); });
  RecordingHost host;
  auto registry = registry_with(http_json_plugin());
  auto source = registry.create(
      "http-json", settings(server.url("/api/customers?page=all"), "/data/items", "id").dump(), host.table());

  REQUIRE(eventually([&] { return !lookup(*source, "c-1").is_null(); }));
  CHECK(lookup(*source, "c-1") == kCustomers["data"]["items"][0]);
  CHECK(lookup(*source, "c-2")["name"] == "Bob");
  const json rows = json::parse(source->scan());
  REQUIRE(rows.size() == 2);
  CHECK(rows[1] == json{{"contact", "c-2"}, {"data", kCustomers["data"]["items"][1]}});

  const auto request = server.requests().front();
  CHECK(request.method == "GET");
  CHECK(request.target == "/api/customers?page=all");
  CHECK(request.headers.at("authorization") == "Bearer tok-123456");
  CHECK(request.headers.at("x-client") == "acme");
  CHECK(request.headers.at("accept") == "application/json");

  CHECK(host.find(PARCOURS_LOG_WARN, "1 rows repeat a key already seen (first: 'c-1')"));
  CHECK(host.find(PARCOURS_LOG_WARN, "1 rows have no key"));
  CHECK(host.find(PARCOURS_LOG_WARN, "element 4 is a string, not an object"));
  CHECK(host.metric_value("source_rows_skipped") == 2);
  CHECK(host.all_text().find("tok-123456") == std::string::npos);
  // Log lines name the url without its query string.
  CHECK(host.all_text().find("page=all") == std::string::npos);
}

TEST_CASE("The http-json key may be a JSON Pointer into each row, and rows may be the whole document") {
  HttpTestServer server;
  server.answer([](const HttpRequest&) { return json_answer(kCustomers["data"]["items"]); });
  RecordingHost host;
  auto registry = registry_with(http_json_plugin());
  auto source = registry.create("http-json", settings(server.url("/all"), "", "/customer/ref").dump(), host.table());
  REQUIRE(eventually([&] { return !lookup(*source, "101").is_null(); }));
  CHECK(lookup(*source, "101")["name"] == "Ann");
  CHECK(lookup(*source, "102")["name"] == "Bob");
  CHECK(json::parse(source->scan()).size() == 2);
}

TEST_CASE("http-json failures keep the last good rows: an error status, not JSON, no rows, a hang") {
  HttpTestServer server;
  server.answer([](const HttpRequest&) { return json_answer(kCustomers); });
  RecordingHost host;
  auto registry = registry_with(http_json_plugin());
  auto source =
      registry.create("http-json", settings(server.url("/api"), "/data/items", "id", 300).dump(), host.table());
  REQUIRE(eventually([&] { return !lookup(*source, "c-1").is_null(); }));
  double failures = 0;
  const auto next_failure = [&](const std::string& fragment) {
    const bool failed = eventually([&] {
      return host.metric_value("source_refresh_failures_total") > failures &&
             host.find(PARCOURS_LOG_WARN, fragment).has_value();
    });
    failures = host.metric_value("source_refresh_failures_total");
    CHECK(lookup(*source, "c-1")["name"] == "Ann");  // the last good rows are still served
    CHECK(json::parse(source->scan()).size() == 2);
    return failed;
  };

  const std::string long_body = "Service Unavailable: " + std::string(300, 'x') + "TAIL";
  server.answer([&](const HttpRequest&) { return HttpResponse{503, long_body, {}, {}}; });
  REQUIRE(next_failure("the server answered HTTP 503: \"Service Unavailable: xxx"));
  const auto status_line = *host.find(PARCOURS_LOG_WARN, "HTTP 503");
  CHECK_THAT(status_line,
             Contains("refresh of " + server.url("/api") + " failed") && Contains("still serving the 2 rows"));
  CHECK(status_line.find("TAIL") == std::string::npos);  // only the first 200 bytes of the body
  CHECK(status_line.find(long_body.substr(0, 200) + "...") != std::string::npos);

  server.answer([](const HttpRequest&) { return HttpResponse{200, "<html>maintenance</html>", {}, {}}; });
  REQUIRE(next_failure("the answer is not JSON"));
  CHECK_THAT(*host.find(PARCOURS_LOG_WARN, "the answer is not JSON"), Contains("<html>maintenance</html>"));

  server.answer([](const HttpRequest&) { return json_answer({{"error", "quota"}}); });
  REQUIRE(
      next_failure("the answer has nothing at 'rows' (/data/items); its top level is an object with the keys error"));

  server.answer([](const HttpRequest&) { return json_answer({{"data", {{"items", {{"id", "c-1"}}}}}}); });
  REQUIRE(next_failure("the answer has an object at 'rows' (/data/items), not an array of rows"));

  server.answer([](const HttpRequest&) { return HttpResponse{200, "[]", {}, std::chrono::milliseconds(5000)}; });
  REQUIRE(next_failure("no complete answer within the timeout of 300 ms"));

  // The server recovers: the new rows replace the old.
  server.answer([](const HttpRequest&) { return json_answer({{"data", {{"items", {{{"id", "c-9"}}}}}}}); });
  REQUIRE(eventually([&] { return !lookup(*source, "c-9").is_null(); }));
  CHECK(lookup(*source, "c-1").is_null());
  CHECK(host.find(PARCOURS_LOG_INFO, "again after"));
}

TEST_CASE("http-json asks with If-None-Match once it has a version, and a 304 keeps the rows") {
  HttpTestServer server;
  server.answer([](const HttpRequest& request) {
    if (request.headers.count("if-none-match") != 0 && request.headers.at("if-none-match") == "\"v1\"")
      return HttpResponse{304, "", {{"ETag", "\"v1\""}}, {}};
    return HttpResponse{200, kCustomers.dump(), {{"ETag", "\"v1\""}}, {}};
  });
  RecordingHost host;
  auto registry = registry_with(http_json_plugin());
  auto source = registry.create("http-json", settings(server.url("/api"), "/data/items", "id").dump(), host.table());
  REQUIRE(eventually([&] { return server.requests().size() >= 3; }));
  CHECK(server.requests().front().headers.count("if-none-match") == 0);
  CHECK(server.requests().back().headers.at("if-none-match") == "\"v1\"");
  CHECK(lookup(*source, "c-2")["name"] == "Bob");
  CHECK(host.metric_value("source_refresh_failures_total") == 0);
  CHECK(host.count(PARCOURS_LOG_DEBUG, "loaded 2 rows") == 1);
}

TEST_CASE(
    "An http-json server down at start is no failure to create, and a source destroyed mid-request stops at once") {
  RecordingHost host;
  auto registry = registry_with(http_json_plugin());
  // Nothing listens on port 1 of 127.0.0.1: the connection is refused.
  auto down = registry.create("http-json", settings("http://127.0.0.1:1/api", "", "id").dump(), host.table());
  CHECK_THROWS_WITH(down->scan(), Contains("no data from http://127.0.0.1:1/api yet: the request failed"));
  CHECK(host.find(PARCOURS_LOG_ERROR, "cannot load http://127.0.0.1:1/api"));

  HttpTestServer server;
  server.answer([](const HttpRequest&) { return HttpResponse{200, "[]", {}, std::chrono::milliseconds(30000)}; });
  auto hanging = registry.create("http-json", settings(server.url("/slow"), "", "id", 60000).dump(), host.table());
  // Not looked up: a lookup would wait for the first load; the refresher starts it
  // by itself a second after creation.
  REQUIRE(eventually([&] { return !server.requests().empty(); }));
  const auto start = std::chrono::steady_clock::now();
  hanging.reset();
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(3));
}

TEST_CASE("The http-json source refuses settings that can never work, naming the setting and not the secrets") {
  auto registry = registry_with(http_json_plugin());
  CHECK_THAT(create_error(registry, "http-json", settings("ftp://files.test/x.json", "", "id")),
             Contains("setting 'url' must start with http:// or https://, not 'ftp://'"));
  CHECK_THAT(create_error(registry, "http-json", settings("https://", "", "id")),
             Contains("setting 'url' names no host"));
  CHECK_THAT(create_error(registry, "http-json", settings("https://crm.test/x", "data/items", "id")),
             Contains("setting 'rows' must be a JSON Pointer"));
  CHECK_THAT(create_error(registry, "http-json", settings("https://crm.test/x", "/data/~2", "id")),
             Contains("setting 'rows' is not a valid JSON Pointer"));
  CHECK_THAT(create_error(registry, "http-json", settings("https://crm.test/x", "", "")),
             Contains("setting 'key' is empty"));
  CHECK_THAT(create_error(registry, "http-json", settings("https://crm.test/x", "", "/a~9")),
             Contains("setting 'key' is not a valid JSON Pointer"));
  json bad_header = settings("https://crm.test/x", "", "id");
  bad_header["headers"] = {"X-Ok: 1", "Authorization Bearer tok-secret"};
  const std::string header_error = create_error(registry, "http-json", bad_header);
  CHECK_THAT(header_error, Contains("setting 'headers': item 2 must read \"Name: value\""));
  CHECK(header_error.find("tok-secret") == std::string::npos);
  CHECK_THAT(create_error(registry, "http-json",
                          [] {
                            json s = settings("https://crm.test/x", "", "id");
                            s["timeout"] = 0;
                            return s;
                          }()),
             Contains("setting 'timeout' must be a duration"));
}
