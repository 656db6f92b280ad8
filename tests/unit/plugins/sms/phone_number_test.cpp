#include <catch2/catch.hpp>

#include <string>

#include "phone_number.hpp"

using parcours::phone::known_region;
using parcours::phone::sender_problem;
using parcours::phone::to_e164;

namespace {

// The E.164 form, or "refused: <problem>".
std::string e164(const std::string& number, const std::string& region) {
  const auto result = to_e164(number, region);
  return result.valid() ? result.e164 : "refused: " + result.problem;
}

}  // namespace

TEST_CASE("a national number is read in the default region and written in E.164") {
  CHECK(e164("06 12 34 56 78", "FR") == "+33612345678");
  CHECK(e164("06.12.34.56.78", "FR") == "+33612345678");
  CHECK(e164("0612345678", "FR") == "+33612345678");
  CHECK(e164("(0)6-12-34-56-78", "FR") == "+33612345678");
  CHECK(e164("07911 123456", "GB") == "+447911123456");
  CHECK(e164("(415) 555-2671", "US") == "+14155552671");
  CHECK(e164("0470 12 34 56", "BE") == "+32470123456");
  CHECK(e164("06 12 34 56 78", "fr") == "+33612345678");  // the region's case does not matter
}

TEST_CASE("a number with its country code keeps it, whatever the default region") {
  CHECK(e164("+33 6 12 34 56 78", "FR") == "+33612345678");
  CHECK(e164("+33612345678", "") == "+33612345678");
  CHECK(e164("+44 7911 123456", "FR") == "+447911123456");
  CHECK(e164("0033 6 12 34 56 78", "FR") == "+33612345678");    // France's international prefix, 00
  CHECK(e164("011 33 6 12 34 56 78", "US") == "+33612345678");  // ... and the United States', 011
  CHECK(e164("  +33612345678 ", "DE") == "+33612345678");
}

TEST_CASE("a number without its country code needs a region to be read in") {
  const auto result = to_e164("06 12 34 56 78", "");
  CHECK_FALSE(result.valid());
  CHECK(result.e164.empty());
  CHECK_THAT(result.problem,
             Catch::Contains("no country code") && Catch::Contains("`country`") && Catch::Contains("+<country code>"));
  // A region libphonenumber does not know is as good as none.
  CHECK_THAT(e164("06 12 34 56 78", "XX"), Catch::Contains("no country code"));
}

TEST_CASE("a number that cannot be valid is refused with the reason") {
  CHECK(e164("", "FR") == "refused: it is empty");
  CHECK(e164("   ", "FR") == "refused: it is empty");
  CHECK(e164("n/a", "FR") == "refused: it is not a phone number");
  CHECK(e164("call me", "FR") == "refused: it is not a phone number");
  CHECK(e164("06 12 34", "FR") == "refused: it is too short for a FR number");
  CHECK(e164("06 12 34 56 78 90", "FR") == "refused: it is too long for a FR number");
  CHECK(e164("+33 6 12", "US") == "refused: it is too short for a FR number");
  CHECK(e164("+999 612345678", "FR") == "refused: it does not start with a country code in use");
  CHECK(e164("0612345678901234567890", "FR") == "refused: it is too long");
  // The right length, in ranges no operator is given (04 00..., 555 in North America).
  CHECK(e164("04 00 00 00 00", "FR") == "refused: it is in no range of the FR numbering plan");
  CHECK(e164("+1 555 123 4567", "FR") == "refused: it is in no range of the US numbering plan");
}

TEST_CASE("a region is known by its ISO 3166 code, in any case") {
  CHECK(known_region("FR") == "FR");
  CHECK(known_region("fr") == "FR");
  CHECK(known_region("BE") == "BE");
  CHECK_FALSE(known_region(""));
  CHECK_FALSE(known_region("XX"));
  CHECK_FALSE(known_region("France"));
  CHECK_FALSE(known_region("F"));
}

TEST_CASE("a sender is an E.164 number, a short code or an alphanumeric id") {
  CHECK_FALSE(sender_problem("+33600000000"));
  CHECK_FALSE(sender_problem("+15005550006"));
  CHECK_FALSE(sender_problem("12345"));  // a short code
  CHECK_FALSE(sender_problem("Acme"));
  CHECK_FALSE(sender_problem("Acme Shop"));
  CHECK_FALSE(sender_problem("ACME-2026"));
  CHECK_FALSE(sender_problem("A&B_Co+"));
  CHECK_FALSE(sender_problem("ABCDEFGHIJK"));  // 11 characters
}

TEST_CASE("a sender that no gateway would take is refused with the rule") {
  CHECK_THAT(*sender_problem(""), Catch::Contains("empty"));
  CHECK_THAT(*sender_problem("0600000000"), Catch::Contains("E.164") && Catch::Contains("short codes"));
  CHECK_THAT(*sender_problem("+33 6 00 00 00 00"), Catch::Contains("digits only"));
  CHECK_THAT(*sender_problem("+0600000000"), Catch::Contains("E.164"));
  CHECK_THAT(*sender_problem("+1234567890123456"), Catch::Contains("E.164"));  // 16 digits
  CHECK_THAT(*sender_problem("ABCDEFGHIJKL"), Catch::Contains("1 to 11"));     // 12 characters
  CHECK_THAT(*sender_problem("Acme!"), Catch::Contains("letters, digits"));
  CHECK_THAT(*sender_problem("Café"), Catch::Contains("letters, digits"));  // letters are ASCII only
  CHECK_THAT(*sender_problem("06 00 00 00 00"), Catch::Contains("E.164"));  // a national number, spaced
  CHECK_THAT(*sender_problem("(555) 123-4567"), Catch::Contains("E.164"));
  CHECK_THAT(*sender_problem("__&&"), Catch::Contains("at least one letter"));
}
