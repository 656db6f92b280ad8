// host::parse_send_result: what a channel answered for one message (plugin.h), read as
// nlohmann would read it — a member given twice counts as its last — whether simdjson
// reads the text or leaves it to nlohmann.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>
#include <string>

#include "host/plugin_channels.hpp"

using parcours::engine::SendOutcome;
using parcours::host::parse_send_result;

namespace {

using Status = SendOutcome::Status;

void check_outcome(const std::string& text, Status status, const std::string& error, std::int64_t retry_after,
                   const std::string& provider_id, const std::string& answer) {
  INFO(text);
  const SendOutcome got = parse_send_result(text);
  CHECK(got.status == status);
  CHECK(got.error == error);
  CHECK(got.retry_after == retry_after);
  CHECK(got.provider_id == provider_id);
  CHECK(got.answer == answer);
}

}  // namespace

TEST_CASE("a send result's members are read, the provider's answer kept as compact JSON with sorted keys") {
  check_outcome(R"({"answer":{"reply":"250 2.0.0 OK","code":250},"provider_id":"<id@x>","status":"delivered"})",
                Status::delivered, "", 0, "<id@x>", R"({"code":250,"reply":"250 2.0.0 OK"})");
  check_outcome(R"({"status":"retry","error":"busy","retry_after_ms":1500})", Status::retry, "busy", 1500, "", "{}");
  check_outcome(R"({"status":"failed","error":"Zoé, Noël","answer":{"n":[1,2.5,null,true]}})", Status::failed,
                "Zoé, Noël", 0, "", R"({"n":[1,2.5,null,true]})");
  // Mistyped members count as absent; a negative delay as none.
  check_outcome(R"({"status":"retry","error":3,"retry_after_ms":-20,"provider_id":["x"],"answer":"250"})",
                Status::retry, "", 0, "", "{}");
  check_outcome(R"({"status":"retry","retry_after_ms":1.5})", Status::retry, "", 0, "", "{}");
  // A member given twice: the last one.
  check_outcome(R"({"status":"failed","status":"delivered","answer":{"a":1},"answer":{"b":2},"error":"x","error":1})",
                Status::delivered, "", 0, "", R"({"b":2})");
  // What simdjson leaves to nlohmann (-0), read all the same.
  check_outcome(R"({"status":"delivered","answer":{"z":-0}})", Status::delivered, "", 0, "", R"({"z":0})");
}

TEST_CASE("an answer that is not a send result fails the message, saying what came") {
  for (const std::string text : {"", "[]", "\"delivered\"", "{}", R"({"status":1})", R"({"status":"sent","status":2})",
                                 "{\"status\":\"delivered\"", "{\"status\":\"\xff\"}"}) {
    INFO(text);
    const SendOutcome got = parse_send_result(text);
    CHECK(got.status == Status::failed);
    CHECK(got.error == "the plugin answered something that is not a send result: " + text);
  }
  const SendOutcome unknown = parse_send_result(R"({"status":"sent"})");
  CHECK(unknown.status == Status::failed);
  CHECK(unknown.error == "the plugin answered an unknown status 'sent'");
}

TEST_CASE("a provider's answer is stored exactly as nlohmann writes it, whatever it holds") {
  // Written straight from simdjson's document (or, with a floating-point number, through
  // nlohmann's tree): either way the bytes nlohmann's compact dump gives.
  for (const std::string answer : {
           R"({})",
           R"({"reply":"250 2.0.0 OK queued","code":250})",
           R"({"z":1,"a":{"y":[],"b":{},"a":[{"d":1,"c":2}]},"m":null,"t":true,"f":false})",
           R"({"b":1,"a":2,"b":3,"a":{"x":1,"x":[2]}})",
           R"({"big":18446744073709551615,"low":-9223372036854775808,"zero":0,"neg":-12})",
           R"({"text":"quote \" backslash \\ tab \t line \n ctl \u0001 del \u007f slash \/ Zoé €"})",
           R"({"é":1,"e":2,"E":3,"":4,"ab":5,"a":6})",
           R"({"rate":2.5,"list":[1e3,0.1,-0.0,1.0]})",
           R"({"sid":"SM123","error_code":null,"price":"-0.0075","num_segments":"1"})",
       }) {
    INFO(answer);
    const SendOutcome got = parse_send_result(R"({"status":"delivered","answer":)" + answer + "}");
    CHECK(got.status == Status::delivered);
    CHECK(got.answer == nlohmann::json::parse(answer).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  }
}
