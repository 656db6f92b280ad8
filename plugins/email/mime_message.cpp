#include "mime_message.hpp"

#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <cstring>
#include <stdexcept>

#include "ascii.hpp"
#include "html_to_text.hpp"

namespace parcours::email {
namespace {

constexpr std::size_t kMaxLine = 76;  // quoted-printable's limit, RFC 2045 §6.7 (5)

std::string base64(const std::string& bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  const int length =
      EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                      reinterpret_cast<const unsigned char*>(bytes.data()), static_cast<int>(bytes.size()));
  out.resize(static_cast<std::size_t>(length));
  return out;
}

std::string trim(const std::string& text) {
  const auto first = text.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) return {};
  return text.substr(first, text.find_last_not_of(" \t\r\n") - first + 1);
}

bool needs_encoding(const std::string& text) {
  for (const char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if (c >= 0x80 || (c < 0x20 && c != '\t') || c == 0x7f) return true;
  }
  return text.find("=?") != std::string::npos;
}

// The length of the UTF-8 sequence starting with `lead` (1 for a stray byte).
std::size_t utf8_length(unsigned char lead) {
  if (lead >= 0xF0 && lead < 0xF8) return 4;
  if (lead >= 0xE0) return lead < 0xF0 ? 3 : 1;
  if (lead >= 0xC0) return 2;
  return 1;
}

// RFC 2047 encoded-words ("B" encoding), each at most 75 characters and holding whole
// UTF-8 characters only, separated by folding white space.
std::string encoded_words(const std::string& text) {
  constexpr std::size_t kBytesPerWord = 45;  // 60 base64 characters + 12 of "=?UTF-8?B?" and "?="
  std::string out;
  std::size_t at = 0;
  while (at < text.size()) {
    std::size_t end = at;
    while (end < text.size()) {
      const std::size_t next = std::min(text.size(), end + utf8_length(static_cast<unsigned char>(text[end])));
      if (next - at > kBytesPerWord) break;
      end = next;
    }
    if (!out.empty()) out += "\r\n ";
    out += "=?UTF-8?B?" + base64(text.substr(at, end - at)) + "?=";
    at = end;
  }
  return out;
}

// ASCII text folded at spaces so that lines stay under 78 characters where words allow.
std::string folded(const std::string& text, std::size_t first_line_used) {
  std::string out;
  std::size_t line = first_line_used;
  std::size_t at = 0;
  while (at < text.size()) {
    std::size_t space = text.find(' ', at + 1);
    if (space == std::string::npos) space = text.size();
    const std::string word = text.substr(at, space - at);  // starts with its space, except the first
    if (line + word.size() > 78 && !out.empty() && word.front() == ' ') {
      out += "\r\n";
      line = 0;
    }
    out += word;
    line += word.size();
    at = space;
  }
  return out;
}

bool is_atext_phrase(const std::string& name) {
  return std::all_of(name.begin(), name.end(), [](char ch) {
    return ascii_alnum(ch) || std::string_view(" !#$%&'*+-/=?^_`{|}~").find(ch) != std::string_view::npos;
  });
}

// Appends a part's headers and body.
void append_part(std::string& out, std::string_view type, const std::string& content) {
  out.append("Content-Type: ").append(type).append("; charset=UTF-8\r\n");
  out.append("Content-Transfer-Encoding: quoted-printable\r\n\r\n");
  out.append(quoted_printable(content)).append("\r\n");
}

// Appends a header line, `value` as it is.
void append_header(std::string& out, std::string_view name, std::string_view value) {
  out.append(name).append(": ").append(value).append("\r\n");
}

std::string boundary_for(const std::string& message_id) {
  // "=_" never occurs in quoted-printable text (a literal '=' is written =3D), so the
  // boundary cannot occur in a part.
  std::uint64_t hash = 1469598103934665603ULL;
  for (const char c : message_id) hash = (hash ^ static_cast<unsigned char>(c)) * 1099511628211ULL;
  static const char* const hex = "0123456789abcdef";
  std::string out = "=_parcours_";
  for (int shift = 60; shift >= 0; shift -= 4) out += hex[(hash >> shift) & 15];
  return out;
}

}  // namespace

bool plausible_address(const std::string& address) {
  const auto at = address.rfind('@');
  if (at == std::string::npos || at == 0 || at + 1 >= address.size() || address.size() > 254) return false;
  for (const char ch : address) {
    const auto c = static_cast<unsigned char>(ch);
    if (c <= 0x20 || c == 0x7f || ch == '<' || ch == '>' || ch == '(' || ch == ')' || ch == ',' || ch == ';' ||
        ch == ':' || ch == '\\' || ch == '"' || ch == '[' || ch == ']')
      return false;
  }
  const std::string domain = address.substr(at + 1);
  return domain.front() != '.' && domain.back() != '.' && domain.find("..") == std::string::npos &&
         domain.find('@') == std::string::npos;
}

Mailbox parse_mailbox(const std::string& input) {
  const std::string text = trim(input);
  Mailbox mailbox;
  const auto open = text.rfind('<');
  if (open != std::string::npos) {
    if (text.back() != '>')
      throw std::invalid_argument("'" + text + "' has a '<' without a closing '>': write \"Name <name@domain>\"");
    mailbox.address = trim(text.substr(open + 1, text.size() - open - 2));
    mailbox.name = trim(text.substr(0, open));
    if (mailbox.name.size() >= 2 && mailbox.name.front() == '"' && mailbox.name.back() == '"')
      mailbox.name = mailbox.name.substr(1, mailbox.name.size() - 2);
  } else {
    mailbox.address = text;
  }
  if (!plausible_address(mailbox.address))
    throw std::invalid_argument("'" + text + "' is not an email address: write name@domain or \"Name <name@domain>\"");
  return mailbox;
}

std::string encode_header_text(const std::string& text, std::size_t name_length) {
  if (needs_encoding(text)) return encoded_words(text);
  return folded(text, name_length);
}

std::string format_mailbox(const Mailbox& mailbox) {
  if (mailbox.name.empty()) return "<" + mailbox.address + ">";
  std::string name;
  if (needs_encoding(mailbox.name)) {
    name = encoded_words(mailbox.name);
  } else if (is_atext_phrase(mailbox.name)) {
    name = mailbox.name;
  } else {
    name = "\"";
    for (const char c : mailbox.name) {
      if (c == '"' || c == '\\') name += '\\';
      name += c;
    }
    name += '"';
  }
  return name + " <" + mailbox.address + ">";
}

std::string rfc5322_date(std::int64_t ms) {
  // The civil date of a day count (H. Hinnant's days_from_civil, inverted), not
  // gmtime_r: glibc's takes the time-zone lock, which every connection thread
  // building a message at once would queue on.
  std::int64_t seconds = ms / 1000;
  if (ms % 1000 < 0) --seconds;  // floor, for times before 1970
  std::int64_t days = seconds / 86400;
  std::int64_t second_of_day = seconds % 86400;
  if (second_of_day < 0) {
    second_of_day += 86400;
    --days;
  }
  const int weekday = static_cast<int>(((days % 7) + 11) % 7);  // 1970-01-01 was a Thursday
  const std::int64_t shifted = days + 719468;
  const std::int64_t era = (shifted >= 0 ? shifted : shifted - 146096) / 146097;
  const std::int64_t day_of_era = shifted - era * 146097;
  const std::int64_t year_of_era = (day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146096) / 365;
  const std::int64_t day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
  const std::int64_t month_index = (5 * day_of_year + 2) / 153;  // March = 0
  const int day = static_cast<int>(day_of_year - (153 * month_index + 2) / 5 + 1);
  const int month = static_cast<int>(month_index < 10 ? month_index + 3 : month_index - 9);
  const std::int64_t year = year_of_era + era * 400 + (month <= 2 ? 1 : 0);
  static const char* const days_of_week[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static const char* const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                       "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  // By hand, not snprintf: glibc's formatter took a microsecond of every message.
  std::string text;
  text.reserve(32);
  const auto two_digits = [&text](int value) {
    text += static_cast<char>('0' + value / 10);
    text += static_cast<char>('0' + value % 10);
  };
  text += days_of_week[weekday];
  text += ", ";
  two_digits(day);
  text += ' ';
  text += months[month - 1];
  text += ' ';
  char digits[24];
  text.append(digits, std::to_chars(digits, digits + sizeof digits, year).ptr);
  text += ' ';
  two_digits(static_cast<int>(second_of_day / 3600));
  text += ':';
  two_digits(static_cast<int>(second_of_day / 60 % 60));
  text += ':';
  two_digits(static_cast<int>(second_of_day % 60));
  text += " +0000";
  return text;
}

namespace {
// Bytes quoted-printable writes as they are wherever they fall (RFC 2045 §6.7 (2)):
// '!' to '~' but '='. A space or tab is literal too but not before a line end; a '.'
// opening a line is encoded (some relays mangle such lines).
constexpr std::array<bool, 256> kQpLiteral = [] {
  std::array<bool, 256> literal{};
  for (int c = 33; c <= 126; ++c) literal[c] = c != '=';
  literal[' '] = literal['\t'] = true;
  return literal;
}();
}  // namespace

std::string quoted_printable(const std::string& text) {
  // Written into a buffer sized for the worst case (every byte as =XX, plus soft
  // breaks), without std::string's checks, runs of literal bytes copied at once: this
  // runs over every part of every message.
  static const char* const hex = "0123456789ABCDEF";
  std::string out(text.size() * 3 + (text.size() * 3 / (kMaxLine - 1) + 1) * 3 + 2, '\0');
  char* const start = out.data();
  char* put = start;
  std::size_t line = 0;  // characters on the current output line
  const std::size_t size = text.size();
  const char* const in = text.data();
  const auto line_end_at = [&](std::size_t at) { return at == size || in[at] == '\r' || in[at] == '\n'; };
  for (std::size_t i = 0; i < size;) {
    // A run of literal bytes, as long as the line has room for it and its soft break.
    if (line < kMaxLine - 1 && !(line == 0 && in[i] == '.')) {
      const std::size_t limit = std::min(size, i + (kMaxLine - 1 - line));
      std::size_t j = i;
      while (j < limit && kQpLiteral[static_cast<unsigned char>(in[j])]) ++j;
      // A space or tab just before a line end is encoded: the byte-wise step below.
      if (j > i && line_end_at(j) && (in[j - 1] == ' ' || in[j - 1] == '\t')) --j;
      if (j > i) {
        std::memcpy(put, in + i, j - i);
        put += j - i;
        line += j - i;
        i = j;
        continue;
      }
    }
    const auto c = static_cast<unsigned char>(in[i]);
    if (c == '\r' || c == '\n') {
      if (c == '\r' && i + 1 < size && in[i + 1] == '\n') ++i;
      ++i;
      *put++ = '\r';
      *put++ = '\n';
      line = 0;
      continue;
    }
    const bool literal = kQpLiteral[c] && !((c == ' ' || c == '\t') && line_end_at(i + 1));
    std::size_t width = literal && !(c == '.' && line == 0) ? 1 : 3;
    if (line + width > kMaxLine - 1) {  // room for the soft break's '='
      *put++ = '=';
      *put++ = '\r';
      *put++ = '\n';
      line = 0;
      if (c == '.') width = 3;  // it opens the new line
    }
    if (width == 1) {
      *put++ = static_cast<char>(c);
    } else {
      *put++ = '=';
      *put++ = hex[c >> 4];
      *put++ = hex[c & 15];
    }
    line += width;
    ++i;
  }
  out.resize(static_cast<std::size_t>(put - start));
  return out;
}

std::string render(const MimeMessage& message) {
  const std::string text = message.text.empty() ? html_to_text(message.html) : message.text;
  if (text.empty() && message.html.empty())
    throw std::invalid_argument("the message has neither text nor html: give the send step a template, text or html");

  // Written into one buffer sized for the usual case (quoted-printable grows plain
  // text by a few per cent), not assembled from a temporary string per header.
  std::string out;
  out.reserve(1024 + message.unsubscribe_url.size() + message.subject.size() +
              (text.size() + message.html.size()) * 5 / 4);
  append_header(out, "Date", rfc5322_date(message.date_ms));
  append_header(out, "From", format_mailbox(message.from));
  append_header(out, "To", format_mailbox(message.to));
  if (!message.reply_to.empty()) {
    out += "Reply-To: ";
    for (std::size_t i = 0; i < message.reply_to.size(); ++i) {
      if (i > 0) out += ",\r\n ";
      out += format_mailbox(message.reply_to[i]);
    }
    out += "\r\n";
  }
  append_header(out, "Subject", encode_header_text(message.subject, 9));
  out.append("Message-ID: <").append(message.message_id).append(">\r\n");
  out += "MIME-Version: 1.0\r\n";
  if (!message.unsubscribe_url.empty()) {
    // RFC 2369 and RFC 8058: mail programs show an unsubscribe button, and the one-click
    // POST reaches the host's /u/ route without a page in between.
    out.append("List-Unsubscribe: <").append(message.unsubscribe_url).append(">\r\n");
    out += "List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n";
  }
  for (const auto& [name, value] : message.extra_headers)
    append_header(out, name, encode_header_text(value, name.size() + 2));

  if (message.html.empty()) {
    append_part(out, "text/plain", text);
    return out;
  }
  const std::string boundary = boundary_for(message.message_id);
  out.append("Content-Type: multipart/alternative; boundary=\"").append(boundary).append("\"\r\n\r\n");
  out += "This is a message in MIME format: text and HTML.\r\n";
  out.append("--").append(boundary).append("\r\n");
  append_part(out, "text/plain", text);
  out.append("--").append(boundary).append("\r\n");
  append_part(out, "text/html", message.html);
  out.append("--").append(boundary).append("--\r\n");
  return out;
}

}  // namespace parcours::email
