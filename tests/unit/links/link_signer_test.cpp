#include <catch2/catch.hpp>

#include "links/link_signer.hpp"

using parcours::links::LinkSigner;
using parcours::links::LinkTarget;

TEST_CASE("a signed link verifies back to its target, with any characters in the ids") {
  const LinkSigner signer("secret", "https://parcours.example/");
  const LinkTarget target{"u", "acme", "ann|\"é\".@x/?&", "email"};
  const auto token = signer.token(target);
  CHECK(token.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.") ==
        std::string::npos);  // safe in a URL path as is
  const auto back = signer.verify(token);
  REQUIRE(back);
  CHECK(back->purpose == "u");
  CHECK(back->client == "acme");
  CHECK(back->contact == target.contact);
  CHECK(back->channel == "email");
  CHECK(signer.unsubscribe_url("acme", "ann", "email") ==
        "https://parcours.example/u/" + signer.token({"u", "acme", "ann", "email"}));
}

TEST_CASE("an altered, truncated or foreign token does not verify") {
  const LinkSigner signer("secret", "http://x");
  const auto token = signer.token({"u", "acme", "ann", "email"});
  for (std::size_t i = 0; i < token.size(); ++i) {
    std::string altered = token;
    altered[i] = altered[i] == 'A' ? 'B' : 'A';
    INFO(altered);
    CHECK_FALSE(signer.verify(altered));
  }
  CHECK_FALSE(signer.verify(token.substr(0, token.size() - 1)));
  CHECK_FALSE(signer.verify(""));
  CHECK_FALSE(signer.verify("."));
  CHECK_FALSE(signer.verify("not-a-token"));
  CHECK_FALSE(LinkSigner("another secret", "http://x").verify(token));
  // Someone else's contact in a payload signed for ann: the signature no longer fits.
  const auto bob = signer.token({"u", "acme", "bob", "email"});
  CHECK_FALSE(signer.verify(bob.substr(0, bob.find('.')) + token.substr(token.find('.'))));
}

TEST_CASE("random secrets are 64 hex digits and differ") {
  const auto a = parcours::links::random_secret(), b = parcours::links::random_secret();
  CHECK(a.size() == 64);
  CHECK(a != b);
}
