#include <catch2/catch.hpp>

#include "contact_identifiers.hpp"

using parcours::facebook_ads::contact_keys;
using parcours::facebook_ads::normalise_email;
using parcours::facebook_ads::normalise_phone;
using parcours::facebook_ads::sha256_hex;

// Meta's own example ("Custom Audiences" guide): hash("sha256", "mary@example.com").
constexpr const char* kMaryDigest = "f1904cf1a9d73a55fa5de0ac823c4403ded71afd4c3248d00bdcd0866552bb79";
// sha256("33612345678") and sha256("16505551234"), computed with Python's hashlib.
constexpr const char* kFrenchMobileDigest = "8a3e7886c9335e82e02299fa3e87b46e2de3b0c63d56003e30a5029394a47661";
constexpr const char* kUsNumberDigest = "6069d14bf122fdfd931dc7beb58e5dfbba395b1faf05bdcd42d12358d63d8599";

TEST_CASE("an email is trimmed and lower-cased before hashing, giving Meta's documented digest") {
  CHECK(normalise_email("mary@example.com").value == "mary@example.com");
  CHECK(normalise_email("  Mary@Example.COM\t\n").value == "mary@example.com");
  CHECK(sha256_hex(normalise_email(" MARY@example.com ").value) == kMaryDigest);
}

TEST_CASE("SHA-256 is 64 lower-case hex digits of the UTF-8 bytes") {
  CHECK(sha256_hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(sha256_hex("mary@example.com") == kMaryDigest);
  const std::string digest = sha256_hex("zoé@exemple.fr");
  CHECK(digest.size() == 64);
  CHECK(digest.find_first_not_of("0123456789abcdef") == std::string::npos);
}

TEST_CASE("a value that is not an email address is refused, without repeating it") {
  for (const char* bad : {"", "   ", "mary", "mary@", "@example.com", "mary@example", "ma ry@example.com",
                          "mary@ex@ample.com", "mary@example.", "mary@.com"}) {
    INFO(bad);
    const auto normalised = normalise_email(bad);
    CHECK_FALSE(normalised.usable());
    CHECK(normalised.value.empty());
  }
  CHECK(normalise_email("not-an-email").problem.find("not-an-email") == std::string::npos);
}

TEST_CASE("a phone keeps its digits with the country code, without '+', \"00\" or a written trunk 0") {
  CHECK(normalise_phone("+33 6 12 34 56 78").value == "33612345678");
  CHECK(normalise_phone("+33 (0)6 12 34 56 78").value == "33612345678");
  CHECK(normalise_phone("0033 6 12 34 56 78").value == "33612345678");
  CHECK(normalise_phone("33612345678").value == "33612345678");
  CHECK(normalise_phone(" +1 (650) 555-1234 ").value == "16505551234");
  CHECK(normalise_phone("+1.650.555.1234").value == "16505551234");
  CHECK(sha256_hex(normalise_phone("+33 6 12 34 56 78").value) == kFrenchMobileDigest);
  CHECK(sha256_hex(normalise_phone("1-650-555-1234").value) == kUsNumberDigest);
}

TEST_CASE("a phone in national form or of an impossible length is refused, saying how to write it") {
  const auto national = normalise_phone("06 12 34 56 78");
  CHECK_FALSE(national.usable());
  CHECK(national.problem.find("country code") != std::string::npos);
  CHECK(national.problem.find("+33 6 12 34 56 78") != std::string::npos);  // the example of the fix
  CHECK_FALSE(normalise_phone("+33 6").usable());
  CHECK_FALSE(normalise_phone("+1234567890123456").usable());  // 16 digits: more than E.164 allows
  CHECK_FALSE(normalise_phone("call me").usable());
  CHECK_FALSE(normalise_phone("").usable());
}

TEST_CASE("a contact's keys hash what is usable and say why the rest is not") {
  const auto both = contact_keys("Mary@Example.com", "+33 6 12 34 56 78");
  CHECK(both.email_sha256 == kMaryDigest);
  CHECK(both.phone_sha256 == kFrenchMobileDigest);
  CHECK(both.problems.empty());

  const auto email_only = contact_keys("mary@example.com", "06 12 34 56 78");
  CHECK(email_only.email_sha256 == kMaryDigest);
  CHECK(email_only.phone_sha256.empty());
  CHECK_FALSE(email_only.empty());
  REQUIRE(email_only.problems.size() == 1);

  const auto nothing = contact_keys("", "");
  CHECK(nothing.empty());
  CHECK(nothing.why_unusable().find("neither an 'email' nor a 'phone'") != std::string::npos);

  const auto unusable = contact_keys("mary", "0612345678");
  CHECK(unusable.empty());
  CHECK(unusable.why_unusable().find("'email' is not an email address") != std::string::npos);
  CHECK(unusable.why_unusable().find("country code") != std::string::npos);
}
