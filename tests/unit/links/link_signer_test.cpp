#include <catch2/catch.hpp>

#include "links/link_signer.hpp"

using parcours::links::LinkSigner;
using parcours::links::LinkTarget;

TEST_CASE("a signed link verifies back to its target, with any characters in the ids") {
  const LinkSigner signer("secret", "https://parcours.example/");
  const LinkTarget target{"u", "acme", "ann|\"é\".@x/?&", "email", {}, {}, {}, {}};
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
        "https://parcours.example/u/" + signer.token({"u", "acme", "ann", "email", {}, {}, {}, {}}));
}

TEST_CASE("an altered, truncated or foreign token does not verify") {
  const LinkSigner signer("secret", "http://x");
  const auto token = signer.token({"u", "acme", "ann", "email", {}, {}, {}, {}});
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
  const auto bob = signer.token({"u", "acme", "bob", "email", {}, {}, {}, {}});
  CHECK_FALSE(signer.verify(bob.substr(0, bob.find('.')) + token.substr(token.find('.'))));
}

TEST_CASE("open and click tokens carry the message, its step and the address, and keep their purpose") {
  const LinkSigner signer("secret", "https://parcours.example");
  const LinkTarget message{"", "acme", "ann", "email", "acme/1/0/5/1", "welcome", "step 1", ""};
  const std::string open = signer.open_url(message);
  const std::string click = signer.click_url(message, "https://shop.test/a?b=1&c=é");
  REQUIRE(open.starts_with("https://parcours.example/t/o/"));
  REQUIRE(click.starts_with("https://parcours.example/t/c/"));
  const auto opened = signer.verify(open.substr(open.rfind('/') + 1));
  const auto clicked = signer.verify(click.substr(click.rfind('/') + 1));
  REQUIRE(opened);
  REQUIRE(clicked);
  CHECK(opened->purpose == "o");
  CHECK(opened->message == "acme/1/0/5/1");
  CHECK(opened->journey == "welcome");
  CHECK(opened->step == "step 1");
  CHECK(opened->url.empty());
  CHECK(clicked->purpose == "c");
  CHECK(clicked->url == "https://shop.test/a?b=1&c=é");
  CHECK(signer.is_own("https://parcours.example/u/x"));
  CHECK_FALSE(signer.is_own("https://parcours.example.evil.test/u/x"));
}

TEST_CASE("random secrets are 64 hex digits and differ") {
  const auto a = parcours::links::random_secret(), b = parcours::links::random_secret();
  CHECK(a.size() == 64);
  CHECK(a != b);
}
