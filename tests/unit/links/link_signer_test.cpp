#include <catch2/catch.hpp>

#include "links/link_signer.hpp"

#include <openssl/evp.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

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

TEST_CASE("tokens keep the exact bytes of links already sent, plain or escaped") {
  // Signed by the first version, which wrote the payload with nlohmann's dump(): links in
  // mail already delivered must keep verifying, so the payload's bytes may never change.
  const LinkSigner signer("secret", "https://parcours.example");
  const LinkTarget message{"", "acme", "ann|\"é\".@x/?&\t", "email", "acme/1/0/5/1", "welcome", "step 1", ""};
  CHECK(signer.click_url(message, "https://shop.test/a?b=1&c=é") ==
        "https://parcours.example/t/c/"
        "WyJjIiwiYWNtZSIsImFubnxcIsOpXCIuQHgvPyZcdCIsImVtYWlsIiwiYWNtZS8xLzAvNS8xIiwid2VsY29tZSIsInN0ZXAgMSIsImh0dHBz"
        "Oi8vc2hvcC50ZXN0L2E_Yj0xJmM9w6kiXQ.O2Qq1Ubdv1T9mHo6yfXx5w");
  CHECK(signer.open_url(message) ==
        "https://parcours.example/t/o/"
        "WyJvIiwiYWNtZSIsImFubnxcIsOpXCIuQHgvPyZcdCIsImVtYWlsIiwiYWNtZS8xLzAvNS8xIiwid2VsY29tZSIsInN0ZXAgMSJd."
        "HWwOxctN3ppRB2Z4Y_RHUA");
  CHECK(signer.unsubscribe_url("acme", "ann", "email") ==
        "https://parcours.example/u/WyJ1IiwiYWNtZSIsImFubiIsImVtYWlsIl0.l-yAcJtSMR9K9_VzDuxvTg");
}

TEST_CASE("signing from many threads at once gives the same tokens as one thread") {
  const LinkSigner signer("secret", "http://x");
  const auto expected = signer.token({"u", "acme", "ann", "email", {}, {}, {}, {}});
  std::vector<std::thread> threads;
  std::atomic<int> wrong{0};
  for (int t = 0; t < 8; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 500; ++i) {
        if (signer.token({"u", "acme", "ann", "email", {}, {}, {}, {}}) != expected) ++wrong;
        if (!signer.verify(expected)) ++wrong;
      }
    });
  for (auto& thread : threads) thread.join();
  CHECK(wrong == 0);
}

namespace {

// base64url as OpenSSL's base64 writes it, mapped to the URL alphabet and unpadded: the
// tokens of links already sent were written this way.
std::string openssl_base64url(const std::string& bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  const int length =
      EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                      reinterpret_cast<const unsigned char*>(bytes.data()), static_cast<int>(bytes.size()));
  out.resize(static_cast<std::size_t>(length));
  while (!out.empty() && out.back() == '=') out.pop_back();
  for (char& c : out) c = c == '+' ? '-' : c == '/' ? '_' : c;
  return out;
}

std::string decode_base64url(std::string text) {
  for (char& c : text) c = c == '-' ? '+' : c == '_' ? '/' : c;
  const std::size_t padding = (4 - text.size() % 4) % 4;
  text.append(padding, '=');
  std::string out(text.size() / 4 * 3, '\0');
  const int length =
      EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()), reinterpret_cast<const unsigned char*>(text.data()),
                      static_cast<int>(text.size()));
  REQUIRE(length >= 0);
  out.resize(static_cast<std::size_t>(length) - padding);
  return out;
}

}  // namespace

TEST_CASE("tokens are written in base64url exactly as OpenSSL's base64 would, for every length") {
  const LinkSigner signer("secret", "http://x");
  std::string contact;
  for (int length = 0; length < 12; ++length, contact += static_cast<char>('a' + length)) {
    const auto token = signer.token({"u", "acme", contact, "email", {}, {}, {}, {}});
    const auto dot = token.find('.');
    REQUIRE(dot != std::string::npos);
    for (const std::string& part : {token.substr(0, dot), token.substr(dot + 1)}) {
      INFO(part);
      CHECK(openssl_base64url(decode_base64url(part)) == part);
    }
    CHECK(signer.verify(token));
  }
}
