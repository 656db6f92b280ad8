#include <catch2/catch.hpp>

#include "engine/incoming_event.hpp"

using Catch::Matchers::Contains;
using nlohmann::json;
using parcours::engine::EventError;
using parcours::engine::parse_event;
using parcours::engine::parse_ndjson;

TEST_CASE("a complete event is read") {
  const auto event = parse_event(json::parse(R"({"id":"e-1","type":"cart.updated","contact":"c-42",
      "time":"2026-11-22T10:00:00Z","properties":{"total":89.9},"attributes":{"first_name":"Ann"}})"),
                                 "event 0");
  CHECK(event.id == "e-1");
  CHECK(event.type == "cart.updated");
  CHECK(event.contact == "c-42");
  CHECK(event.time == 1795341600000);
  CHECK(event.properties["total"] == 89.9);
  CHECK(event.attributes["first_name"] == "Ann");
}

TEST_CASE("id, time, properties and attributes are optional") {
  const auto event = parse_event(json::parse(R"({"type":"a","contact":"b"})"), "event 0");
  CHECK(event.id.empty());
  CHECK_FALSE(event.time);
  CHECK(event.properties == json::object());
}

TEST_CASE("bad events are refused with where and what") {
  const auto refused = [](const char* text) {
    try {
      parse_event(json::parse(text), "event 3");
    } catch (const EventError& error) {
      return std::string(error.what());
    }
    return std::string("accepted");
  };
  CHECK(refused(R"({"contact":"b"})") == "event 3: 'type' is missing");
  CHECK(refused(R"({"type":"a"})") == "event 3: 'contact' is missing");
  CHECK(refused(R"({"type":"","contact":"b"})") == "event 3: 'type' is empty");
  CHECK(refused(R"({"type":5,"contact":"b"})") == "event 3: 'type' must be a string");
  CHECK_THAT(refused(R"({"type":"a","contact":"b","time":"yesterday"})"),
             Contains("'time' must be an RFC 3339 time like \"2026-11-22T10:00:00Z\", not \"yesterday\""));
  CHECK(refused(R"({"type":"a","contact":"b","attributes":[1]})") == "event 3: 'attributes' must be an object");
  CHECK(refused(R"({"type":"a","contact":"b","properties":"x"})") == "event 3: 'properties' must be an object");
  CHECK_THAT(refused(R"({"type":"a","contact":"b","atributes":{}})"), Contains("unknown field 'atributes'"));
  CHECK(refused(R"([1])") == "event 3: an event must be a JSON object");
}

TEST_CASE("NDJSON names the line of a bad event and skips blank lines") {
  CHECK(parse_ndjson("{\"type\":\"a\",\"contact\":\"b\"}\n\n{\"type\":\"c\",\"contact\":\"d\"}\n", "f").size() == 2);
  CHECK_THROWS_WITH(parse_ndjson("{\"type\":\"a\",\"contact\":\"b\"}\nnot json\n", "events.ndjson"),
                    Contains("events.ndjson:2: not a JSON object"));
  CHECK_THROWS_WITH(parse_ndjson("\n{\"contact\":\"b\"}\n", "events.ndjson"),
                    Contains("events.ndjson:2: 'type' is missing"));
}
