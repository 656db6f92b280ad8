// An email as RFC 5322 + MIME text, ready for SMTP DATA or an .eml file: UTF-8
// throughout, non-ASCII header text as RFC 2047 encoded-words, bodies in
// quoted-printable (7-bit safe, lines under 78 characters, no line starting with a
// dot), CRLF line ends. Text and HTML go in a multipart/alternative, text first (the
// last part is the richest, RFC 2046 §5.1.4).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace parcours::email {

// "Acme Shop <hello@acme.test>" or "hello@acme.test", parsed.
struct Mailbox {
  std::string name;     // display name, may be empty; UTF-8
  std::string address;  // local@domain
};

// Reads a mailbox as users write it in settings and attributes; throws
// std::invalid_argument naming what is wrong.
Mailbox parse_mailbox(const std::string& text);

// Whether `address` is a plain local@domain address we can put in an SMTP envelope:
// no spaces, no angle brackets, no control characters, one '@' with text on each side
// and a dot-free-or-dotted domain.
bool plausible_address(const std::string& address);

struct MimeMessage {
  Mailbox from;
  Mailbox to;
  std::vector<Mailbox> reply_to;  // none: no Reply-To header
  std::string subject;            // UTF-8
  std::string text;               // UTF-8; empty: derived from `html` when there is one
  std::string html;               // UTF-8; may be empty
  std::string message_id;         // without angle brackets: local@domain
  std::int64_t date_ms = 0;       // the Date header, ms since the Unix epoch (UTC)
  std::string unsubscribe_url;    // List-Unsubscribe (+ one-click, RFC 8058) when not empty
  std::vector<std::pair<std::string, std::string>> extra_headers;  // ASCII name, UTF-8 value
};

// The whole message. Throws std::invalid_argument when it has neither text nor html.
std::string render(const MimeMessage& message);

// A header field's value, encoded as RFC 2047 needs (ASCII text stays as it is), and
// folded so that no line passes 78 characters. `name_length` is the field name's
// length plus ": ", for the first line.
std::string encode_header_text(const std::string& text, std::size_t name_length);

// A mailbox as a header shows it: `"Name" <addr>` or `=?UTF-8?B?...?= <addr>`.
std::string format_mailbox(const Mailbox& mailbox);

// RFC 5322 date in UTC: "Wed, 02 Dec 2026 10:00:00 +0000".
std::string rfc5322_date(std::int64_t ms);

// Quoted-printable (RFC 2045 §6.7) of UTF-8 text, its line breaks as CRLF.
std::string quoted_printable(const std::string& text);

}  // namespace parcours::email
