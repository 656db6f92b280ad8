#include <catch2/catch.hpp>

#include <ctime>
#include <random>
#include <string>

#include "mime_message.hpp"

using namespace parcours::email;

namespace {

bool lines_short(const std::string& text, std::size_t limit) {
  std::size_t start = 0;
  for (std::size_t end; (end = text.find("\r\n", start)) != std::string::npos; start = end + 2)
    if (end - start > limit) return false;
  return text.size() - start <= limit;
}

}  // namespace

TEST_CASE("mailboxes are read as users write them, and refused when they are not addresses") {
  const auto named = parse_mailbox(" Acme Shop <hello@acme.test> ");
  CHECK(named.name == "Acme Shop");
  CHECK(named.address == "hello@acme.test");
  CHECK(parse_mailbox("\"Zoé, Inc.\" <z@x.test>").name == "Zoé, Inc.");
  CHECK(parse_mailbox("ann@example.test").name.empty());
  CHECK_THROWS_WITH(parse_mailbox("Ann <ann@example.test"), Catch::Contains("without a closing '>'"));
  for (const char* bad : {"ann", "@x.test", "ann@", "ann@x..test", "a nn@x.test", "ann@x.test\r\nBcc: y@z"})
    CHECK_THROWS_WITH(parse_mailbox(bad), Catch::Contains("is not an email address"));
}

TEST_CASE("header text: ASCII stays readable, anything else becomes RFC 2047 encoded-words") {
  CHECK(encode_header_text("Your cart is waiting", 9) == "Your cart is waiting");
  const std::string subject = encode_header_text("Zoé, Noël approche", 9);
  CHECK(subject == "=?UTF-8?B?Wm/DqSwgTm/Dq2wgYXBwcm9jaGU=?=");
  // Long text: several words of at most 75 characters, none splitting a character.
  std::string long_text;
  for (int i = 0; i < 30; ++i) long_text += "é€";
  const std::string encoded = encode_header_text(long_text, 9);
  CHECK(encoded.find("\r\n ") != std::string::npos);
  CHECK(lines_short(encoded, 76));
  // A line break in a value can never start a new header.
  CHECK(encode_header_text("hi\r\nBcc: x@y", 9).find("\r\nBcc") == std::string::npos);
  CHECK(format_mailbox({"Zoé", "z@x.test"}) == "=?UTF-8?B?Wm/DqQ==?= <z@x.test>");
  CHECK(format_mailbox({"Acme, Inc.", "a@x.test"}) == "\"Acme, Inc.\" <a@x.test>");
  CHECK(format_mailbox({"", "a@x.test"}) == "<a@x.test>");
}

TEST_CASE("quoted-printable keeps lines short, encodes '=', non-ASCII, trailing spaces and leading dots") {
  CHECK(quoted_printable("a=b") == "a=3Db");
  CHECK(quoted_printable("é") == "=C3=A9");
  CHECK(quoted_printable("end \nnext") == "end=20\r\nnext");
  CHECK(quoted_printable(".\nx") == "=2E\r\nx");
  const std::string long_line(200, 'x');
  const std::string encoded = quoted_printable(long_line);
  CHECK(lines_short(encoded, 76));
  CHECK(encoded.find("=\r\n") != std::string::npos);
}

namespace {

// Quoted-printable read back (RFC 2045 §6.7): soft breaks dropped, =XX to its byte.
std::string qp_decoded(const std::string& encoded) {
  std::string out;
  for (std::size_t i = 0; i < encoded.size(); ++i) {
    if (encoded.compare(i, 3, "=\r\n") == 0) {
      i += 2;
    } else if (encoded[i] == '=' && i + 2 < encoded.size()) {
      out += static_cast<char>(std::stoi(encoded.substr(i + 1, 2), nullptr, 16));
      i += 2;
    } else {
      out += encoded[i];
    }
  }
  return out;
}

}  // namespace

TEST_CASE("quoted-printable, over random texts: reads back as written, lines short, no space at a line end") {
  // Runs of literal bytes are copied at once: every rule must hold wherever a run ends.
  std::mt19937 random(2026);
  const char* const pieces[] = {"a", " ", "\t", "=", ".", "\n", "\r", "\r\n", "\xc3\xa9", "~", "!", "bcdefghij"};
  for (int round = 0; round < 5000; ++round) {
    std::string text;
    for (std::size_t n = random() % 300; n > 0; --n) text += pieces[random() % std::size(pieces)];
    const std::string encoded = quoted_printable(text);
    INFO(text);
    std::string expected;  // every line end as CRLF
    for (std::size_t i = 0; i < text.size(); ++i) {
      if (text[i] == '\r' || text[i] == '\n') {
        if (text[i] == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
        expected += "\r\n";
      } else {
        expected += text[i];
      }
    }
    REQUIRE(qp_decoded(encoded) == expected);
    REQUIRE(lines_short(encoded, 76));
    for (std::size_t end = encoded.find("\r\n"); end != std::string::npos; end = encoded.find("\r\n", end + 1))
      REQUIRE((end == 0 || (encoded[end - 1] != ' ' && encoded[end - 1] != '\t')));
    REQUIRE((encoded.empty() || (encoded.back() != ' ' && encoded.back() != '\t')));
    for (std::size_t start = 0; start < encoded.size(); start = encoded.find("\r\n", start) + 2) {
      REQUIRE(encoded[start] != '.');
      if (encoded.find("\r\n", start) == std::string::npos) break;
    }
    for (const char c : encoded) REQUIRE(((c >= 33 && c <= 126) || c == ' ' || c == '\t' || c == '\r' || c == '\n'));
  }
}

TEST_CASE("a message with html and text is multipart/alternative with both, and every header") {
  MimeMessage message;
  message.from = {"Acme", "hello@acme.test"};
  message.to = {"Zoé", "zoe@example.test"};
  message.reply_to = {{"", "help@acme.test"}};
  message.subject = "Zoé, Noël approche";
  message.text = "Bonjour Zoé";
  message.html = "<p>Bonjour <b>Zoé</b></p>";
  message.message_id = "m-1@acme.test";
  message.date_ms = 1'796'205'600'000;  // 2026-12-02 10:00:00 UTC
  message.unsubscribe_url = "http://localhost:8080/u/abc.def";
  const std::string mail = render(message);
  CHECK(mail.find("Date: Wed, 02 Dec 2026 10:00:00 +0000\r\n") == 0);
  CHECK(mail.find("From: Acme <hello@acme.test>\r\n") != std::string::npos);
  CHECK(mail.find("To: =?UTF-8?B?Wm/DqQ==?= <zoe@example.test>\r\n") != std::string::npos);
  CHECK(mail.find("Reply-To: <help@acme.test>\r\n") != std::string::npos);
  CHECK(mail.find("Message-ID: <m-1@acme.test>\r\n") != std::string::npos);
  CHECK(mail.find("List-Unsubscribe: <http://localhost:8080/u/abc.def>\r\n") != std::string::npos);
  CHECK(mail.find("List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n") != std::string::npos);
  CHECK(mail.find("Content-Type: multipart/alternative; boundary=") != std::string::npos);
  CHECK(mail.find("Content-Type: text/plain; charset=UTF-8") < mail.find("Content-Type: text/html; charset=UTF-8"));
  CHECK(mail.find("Bonjour Zo=C3=A9") != std::string::npos);
  CHECK(mail.find('\n') == mail.find("\r\n") + 1);                        // CRLF line ends
  for (const char c : mail) CHECK(static_cast<unsigned char>(c) < 0x80);  // 7-bit clean
}

TEST_CASE("html only: the text part is derived; text only: one text/plain part; neither: refused") {
  MimeMessage message;
  message.from = {"", "a@x.test"};
  message.to = {"", "b@x.test"};
  message.message_id = "k@x.test";
  message.html = "<p>Hello <a href=\"https://shop.test/cart\">your cart</a></p>";
  const std::string derived = render(message);
  CHECK(derived.find("your cart (https://shop.test/cart)") != std::string::npos);
  CHECK(derived.find("multipart/alternative") != std::string::npos);

  message.html.clear();
  message.text = "Just text";
  const std::string plain = render(message);
  CHECK(plain.find("multipart") == std::string::npos);
  CHECK(plain.find("Content-Type: text/plain; charset=UTF-8") != std::string::npos);

  message.text.clear();
  CHECK_THROWS_WITH(render(message), Catch::Contains("neither text nor html"));
}

TEST_CASE("the Date header is the time in UTC as RFC 5322 writes it, as gmtime reads it") {
  CHECK(rfc5322_date(0) == "Thu, 01 Jan 1970 00:00:00 +0000");
  CHECK(rfc5322_date(1796239517466) == "Wed, 02 Dec 2026 19:25:17 +0000");
  CHECK(rfc5322_date(951782400000) == "Tue, 29 Feb 2000 00:00:00 +0000");  // a leap day in a year % 400
  CHECK(rfc5322_date(-1) == "Wed, 31 Dec 1969 23:59:59 +0000");
  // Every kind of day from 1901 to 2400, against the C library.
  std::mt19937_64 random(5322);
  for (int i = 0; i < 20000; ++i) {
    const auto ms = static_cast<std::int64_t>(random() % 15'800'000'000'000ULL) - 2'200'000'000'000LL;
    const std::time_t seconds = static_cast<std::time_t>(ms >= 0 ? ms / 1000 : (ms - 999) / 1000);
    std::tm tm{};
    gmtime_r(&seconds, &tm);
    char expected[64];
    std::strftime(expected, sizeof expected, "%a, %d %b %Y %H:%M:%S +0000", &tm);  // the C locale's names
    INFO(ms);
    REQUIRE(rfc5322_date(ms) == expected);
  }
}
