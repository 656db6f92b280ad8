#include <catch2/catch.hpp>

#include "http_client.hpp"
#include "status_callback.hpp"

using parcours::Request;
using parcours::sms_plugin::read_status_callback;
using parcours::sms_plugin::status_callback_url;
using parcours::sms_plugin::twilio_signature;
namespace http = parcours::http_client;

namespace {

const std::string kToken = "auth-token-0123";
const std::string kBase = "https://hooks.shop.test/v1/clients/shop/channels/sms/status";

// A post as Twilio makes it to the URL the channel gave for (contact, message).
Request signed_post(const std::vector<std::pair<std::string, std::string>>& fields, const std::string& contact = "c-1",
                    const std::string& message = "m-81f2", const std::string& token = kToken) {
  const std::string url = status_callback_url(kBase, contact, message);
  Request request;
  request.method = "POST";
  request.path = "/v1/clients/shop/channels/sms/status";
  request.query = url.substr(url.find('?') + 1);
  request.body = http::form_encode(fields);
  request.headers["x-twilio-signature"] = twilio_signature(token, url, fields);
  request.route = "status";
  return request;
}

}  // namespace

TEST_CASE("the signature is Twilio's: HMAC-SHA1 over the URL and the fields sorted by name, in base64") {
  // The example of Twilio's "Webhooks security" page, repeated by its helper libraries.
  CHECK(twilio_signature("12345", "https://mycompany.com/myapp.php?foo=1&bar=2",
                         {{"To", "+18005551212"},
                          {"CallSid", "CA1234567890ABCDE"},
                          {"Digits", "1234"},
                          {"From", "+12349013030"},
                          {"Caller", "+12349013030"}}) == "0/KCTR6DLpKmkAf8muzZqo1nDgQ=");
}

TEST_CASE("a message's callback URL carries its contact and key in the query, encoded") {
  CHECK(status_callback_url(kBase, "c 1&x", "m-1") == kBase + "?contact=c+1%26x&message=m-1");
  CHECK(status_callback_url("https://h.test/s?tenant=a", "c-1", "m-1") ==
        "https://h.test/s?tenant=a&contact=c-1&message=m-1");
}

TEST_CASE("form fields and queries are decoded: '+' a space, %XX a byte, a bad escape kept") {
  CHECK(http::form_decode("a=1&b=x+y%26z&c=&d&=e&&f=%zz%4") ==
        std::vector<std::pair<std::string, std::string>>{
            {"a", "1"}, {"b", "x y&z"}, {"c", ""}, {"d", ""}, {"", "e"}, {"f", "%zz%4"}});
  CHECK(http::form_decode("").empty());
}

TEST_CASE("a final status becomes one event for the contact, named by status and sid") {
  const auto response = read_status_callback(
      signed_post(
          {{"MessageSid", "SM9"}, {"MessageStatus", "undelivered"}, {"ErrorCode", "30003"}, {"To", "+33612345678"}}),
      kBase, kToken, "sms");
  REQUIRE(response.status == 202);
  REQUIRE(response.events.size() == 1);
  CHECK(response.events[0] == nlohmann::json{{"id", "sms.undelivered:SM9"},
                                             {"type", "sms.undelivered"},
                                             {"contact", "c-1"},
                                             {"properties",
                                              {{"channel", "sms"},
                                               {"message", "m-81f2"},
                                               {"sid", "SM9"},
                                               {"status", "undelivered"},
                                               {"error_code", "30003"}}}});
  const auto delivered =
      read_status_callback(signed_post({{"MessageSid", "SM9"}, {"MessageStatus", "delivered"}}), kBase, kToken, "sms");
  REQUIRE(delivered.events.size() == 1);
  CHECK(delivered.events[0]["type"] == "sms.delivered");
  CHECK_FALSE(delivered.events[0]["properties"].contains("error_code"));
  const auto failed =
      read_status_callback(signed_post({{"MessageSid", "SM9"}, {"MessageStatus", "failed"}}), kBase, kToken, "sms");
  CHECK(failed.events.at(0)["type"] == "sms.failed");
}

TEST_CASE("a status that is not final yet is acknowledged with no event") {
  for (const char* status : {"queued", "sending", "sent", "accepted"}) {
    INFO(status);
    const auto response =
        read_status_callback(signed_post({{"MessageSid", "SM9"}, {"MessageStatus", status}}), kBase, kToken, "sms");
    CHECK(response.status == 202);
    CHECK(response.events.empty());
  }
}

TEST_CASE("a post without the right signature is refused with no event, whatever was changed") {
  const std::vector<std::pair<std::string, std::string>> fields{{"MessageSid", "SM9"}, {"MessageStatus", "delivered"}};
  Request forged = signed_post(fields, "c-1", "m-1", "another-token");
  CHECK(read_status_callback(forged, kBase, kToken, "sms").status == 403);

  Request other_contact = signed_post(fields);
  other_contact.query = "contact=c-2&message=m-81f2";  // the signed URL named c-1
  CHECK(read_status_callback(other_contact, kBase, kToken, "sms").status == 403);

  Request other_status = signed_post(fields);
  other_status.body = http::form_encode({{"MessageSid", "SM9"}, {"MessageStatus", "failed"}});
  CHECK(read_status_callback(other_status, kBase, kToken, "sms").status == 403);

  Request unsigned_post = signed_post(fields);
  unsigned_post.headers.clear();
  const auto refused = read_status_callback(unsigned_post, kBase, kToken, "sms");
  CHECK(refused.status == 403);
  CHECK(refused.events.empty());
  CHECK(refused.error.find("X-Twilio-Signature") != std::string::npos);
}

TEST_CASE("a callback to a channel without status_callback, a GET, or one naming no contact is refused") {
  const std::vector<std::pair<std::string, std::string>> fields{{"MessageSid", "SM9"}, {"MessageStatus", "delivered"}};
  CHECK(read_status_callback(signed_post(fields), "", kToken, "sms").status == 404);
  Request get = signed_post(fields);
  get.method = "GET";
  CHECK(read_status_callback(get, kBase, kToken, "sms").status == 405);
  CHECK(read_status_callback(signed_post(fields, ""), kBase, kToken, "sms").status == 400);
  CHECK(read_status_callback(signed_post({{"MessageStatus", "delivered"}}), kBase, kToken, "sms").status == 400);
}

TEST_CASE("base64 is RFC 4648's, padded: the test vectors of its section 10") {
  using parcours::sms_plugin::base64;
  CHECK(base64("") == "");
  CHECK(base64("f") == "Zg==");
  CHECK(base64("fo") == "Zm8=");
  CHECK(base64("foo") == "Zm9v");
  CHECK(base64("foobar") == "Zm9vYmFy");
}
