// The shipped `file` channel: a message sent through the host's loader comes back,
// read from the file, as the same JSON on one line.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include <fstream>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "fixtures.hpp"
#include "plugin/registry.hpp"

using Catch::Matchers::Contains;
using nlohmann::json;
using parcours::plugin::Registry;
using parcours::plugin::test::file_plugin;
using parcours::plugin::test::TempDir;

namespace {

std::vector<std::string> read_lines(const std::filesystem::path& file) {
  std::ifstream in(file);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

Registry file_registry() {
  Registry registry;
  REQUIRE(registry.load_file(file_plugin()));
  return registry;
}

}  // namespace

TEST_CASE("The file plugin appends each message as one JSON line, creating its folder") {
  TempDir dir;
  const auto path = dir.path() / "nested" / "outbox.jsonl";
  auto registry = file_registry();
  auto instance = registry.create("file", json{{"path", path.string()}}.dump(), nullptr);

  const json first = {{"idempotency_key", "k-1"},
                      {"channel", "debug"},
                      {"client", "acme"},
                      {"contact", {{"id", "c-1"}, {"attributes", {{"email", "ann@acme.test"}}}}},
                      {"content", {{"subject", "Welcome,\nAnn"}, {"text", "Hi"}}},
                      {"params", {{"template", "welcome"}, {"anything", {1, 2}}}}};
  const json second = {{"idempotency_key", "k-2"}, {"params", json::object()}};
  CHECK(json::parse(instance->send(first.dump())) == json{{"status", "delivered"}});
  CHECK(json::parse(instance->send(second.dump()))["status"] == "delivered");

  const auto lines = read_lines(path);
  REQUIRE(lines.size() == 2);
  CHECK(json::parse(lines[0]) == first);
  CHECK(json::parse(lines[1]) == second);
}

TEST_CASE("The file plugin appends to what is already there") {
  TempDir dir;
  const auto path = dir.path() / "outbox.jsonl";
  std::ofstream(path) << R"({"earlier": true})" << '\n';
  auto registry = file_registry();
  auto instance = registry.create("file", json{{"path", path.string()}}.dump(), nullptr);
  instance->send(R"({"idempotency_key": "k-3"})");
  const auto lines = read_lines(path);
  REQUIRE(lines.size() == 2);
  CHECK(lines[0] == R"({"earlier": true})");
  CHECK(json::parse(lines[1])["idempotency_key"] == "k-3");
}

TEST_CASE("The file plugin records a message once per idempotency key, across restarts") {
  TempDir dir;
  const auto path = dir.path() / "outbox.jsonl";
  // A key recorded by an earlier run, a line cut short by a crash, a line without a key.
  std::ofstream(path) << R"({"idempotency_key": "k-old", "n": 1})" << '\n'
                      << R"({"idempotency_key": "k-cut)" << '\n'
                      << R"({"no key": true})" << '\n';
  auto registry = file_registry();
  auto instance = registry.create("file", json{{"path", path.string()}}.dump(), nullptr);
  CHECK(json::parse(instance->send(R"({"idempotency_key": "k-old", "n": 2})"))["status"] == "delivered");
  CHECK(json::parse(instance->send(R"({"idempotency_key": "k-new"})"))["status"] == "delivered");
  CHECK(json::parse(instance->send(R"({"idempotency_key": "k-new"})"))["status"] == "delivered");
  CHECK(json::parse(instance->send(R"({"idempotency_key": "k-cut"})"))["status"] == "delivered");
  const auto lines = read_lines(path);
  REQUIRE(lines.size() == 5);
  CHECK(json::parse(lines[0])["n"] == 1);  // the earlier record stands
  CHECK(json::parse(lines[3])["idempotency_key"] == "k-new");
  CHECK(json::parse(lines[4])["idempotency_key"] == "k-cut");  // its cut line was not a record
}

TEST_CASE("After a line cut short at the end of the file, the next message starts a line of its own") {
  TempDir dir;
  const auto path = dir.path() / "outbox.jsonl";
  // A host killed in the middle of writing its last line: no newline at the end.
  std::ofstream(path) << R"({"idempotency_key": "k-1"})" << '\n' << R"({"idempotency_key": "k-2", "par)";
  auto registry = file_registry();
  auto instance = registry.create("file", json{{"path", path.string()}}.dump(), nullptr);
  CHECK(json::parse(instance->send(R"({"idempotency_key": "k-2"})"))["status"] == "delivered");
  const auto lines = read_lines(path);
  REQUIRE(lines.size() == 3);
  CHECK(lines[1] == R"({"idempotency_key": "k-2", "par)");  // left as it was, for readers to skip
  CHECK(json::parse(lines[2])["idempotency_key"] == "k-2");
}

TEST_CASE("The file plugin writes whole lines when sends come from several threads") {
  TempDir dir;
  const auto path = dir.path() / "outbox.jsonl";
  auto registry = file_registry();
  auto instance = registry.create("file", json{{"path", path.string()}}.dump(), nullptr);
  const std::string padding(2000, 'x');  // long lines interleave if writes are not serialised
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < 50; ++i)
        instance->send(json{{"idempotency_key", std::to_string(t) + "-" + std::to_string(i)}, {"pad", padding}}.dump());
    });
  for (auto& thread : threads) thread.join();
  std::set<std::string> keys;
  for (const auto& line : read_lines(path)) keys.insert(json::parse(line)["idempotency_key"].get<std::string>());
  CHECK(keys.size() == 200);
}

TEST_CASE("The file plugin refuses a path it can never write, without creating anything") {
  TempDir dir;
  auto registry = file_registry();
  // The path is a folder: it cannot be appended to.
  CHECK_THROWS_WITH(registry.create("file", json{{"path", dir.path().string()}}.dump(), nullptr),
                    Contains("plugin 'file' could not create an instance: " + dir.path().string() + " is a folder"));
  // The path goes through a regular file: its folder can never be created.
  const auto blocker = dir.path() / "blocker";
  std::ofstream(blocker) << "x";
  CHECK_THROWS_WITH(registry.create("file", json{{"path", (blocker / "out.jsonl").string()}}.dump(), nullptr),
                    Contains(blocker.string() + " is not a folder"));
  CHECK_THROWS_WITH(registry.create("file", "{}", nullptr), Contains("setting 'path' is missing"));
}

TEST_CASE("Creating a file instance touches nothing; the first message creates folder and file") {
  TempDir dir;
  auto registry = file_registry();
  const auto path = dir.path() / "deep" / "er" / "out.jsonl";
  auto instance = registry.create("file", json{{"path", path.string()}}.dump(), nullptr);
  CHECK_FALSE(std::filesystem::exists(dir.path() / "deep"));  // `validate` creates instances: no side effects
  CHECK(json::parse(instance->send(json{{"idempotency_key", "k"}}.dump()))["status"] == "delivered");
  CHECK(std::filesystem::exists(path));
}
