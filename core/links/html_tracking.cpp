#include "links/html_tracking.hpp"

#include <cctype>
#include <cstdint>
#include <string_view>
#include <vector>

namespace parcours::links {
namespace {

char lower(char c) {
  return static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
}

bool starts_with_nocase(std::string_view text, std::size_t at, std::string_view prefix) {
  if (text.size() - at < prefix.size() || at > text.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i)
    if (lower(text[at + i]) != prefix[i]) return false;
  return true;
}

bool space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

void append_utf8(std::string& out, std::uint32_t code) {
  if (code == 0 || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF)) code = 0xFFFD;
  if (code < 0x80) {
    out += static_cast<char>(code);
  } else if (code < 0x800) {
    out += static_cast<char>(0xC0 | (code >> 6));
    out += static_cast<char>(0x80 | (code & 0x3F));
  } else if (code < 0x10000) {
    out += static_cast<char>(0xE0 | (code >> 12));
    out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (code & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (code >> 18));
    out += static_cast<char>(0x80 | ((code >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (code & 0x3F));
  }
}

// One attribute of a start tag, as found by scan_attributes.
struct Attribute {
  std::string_view name;
  std::size_t value_begin = 0;  // offsets in the html; begin == end for no value
  std::size_t value_end = 0;
  char quote = 0;  // '"', '\'' or 0 (unquoted)
};

// Reads the attributes of the start tag whose name ends at `at`; returns the offset
// of its closing '>' (or npos when the tag never closes).
std::size_t scan_attributes(std::string_view html, std::size_t at, std::vector<Attribute>& out) {
  while (at < html.size()) {
    while (at < html.size() && (space(html[at]) || html[at] == '/')) ++at;
    if (at >= html.size()) return std::string_view::npos;
    if (html[at] == '>') return at;
    const std::size_t name_begin = at;
    while (at < html.size() && !space(html[at]) && html[at] != '=' && html[at] != '>' && html[at] != '/') ++at;
    Attribute attribute{html.substr(name_begin, at - name_begin)};
    while (at < html.size() && space(html[at])) ++at;
    if (at < html.size() && html[at] == '=') {
      ++at;
      while (at < html.size() && space(html[at])) ++at;
      if (at < html.size() && (html[at] == '"' || html[at] == '\'')) {
        attribute.quote = html[at];
        attribute.value_begin = ++at;
        at = html.find(attribute.quote, at);
        if (at == std::string_view::npos) return at;
        attribute.value_end = at++;
      } else {
        attribute.value_begin = at;
        while (at < html.size() && !space(html[at]) && html[at] != '>') ++at;
        attribute.value_end = at;
      }
    }
    out.push_back(attribute);
  }
  return std::string_view::npos;
}

bool named(std::string_view name, std::string_view expected) {
  return name.size() == expected.size() && starts_with_nocase(name, 0, expected);
}

bool trackable(const std::string& url) {
  return starts_with_nocase(url, 0, "http://") || starts_with_nocase(url, 0, "https://");
}

}  // namespace

std::string decode_html_attribute(const std::string& value) {
  std::string out;
  out.reserve(value.size());
  for (std::size_t i = 0; i < value.size(); ++i) {
    if (value[i] != '&') {
      out += value[i];
      continue;
    }
    const std::size_t semicolon = value.find(';', i);
    if (semicolon == std::string::npos || semicolon - i > 10) {
      out += '&';
      continue;
    }
    const std::string entity = value.substr(i + 1, semicolon - i - 1);
    std::uint32_t code = 0;
    bool known = true;
    if (entity == "amp")
      code = '&';
    else if (entity == "quot")
      code = '"';
    else if (entity == "apos")
      code = '\'';
    else if (entity == "lt")
      code = '<';
    else if (entity == "gt")
      code = '>';
    else if (entity.size() > 1 && entity[0] == '#') {
      const bool hex = entity[1] == 'x' || entity[1] == 'X';
      const std::string digits = entity.substr(hex ? 2 : 1);
      known = !digits.empty() && digits.size() <= 7;
      for (const char c : digits) {
        if (!(hex ? std::isxdigit(static_cast<unsigned char>(c)) : std::isdigit(static_cast<unsigned char>(c)))) {
          known = false;
          break;
        }
      }
      if (known) code = static_cast<std::uint32_t>(std::stoul(digits, nullptr, hex ? 16 : 10));
    } else {
      known = false;
    }
    if (!known) {
      out += '&';
      continue;
    }
    append_utf8(out, code);
    i = semicolon;
  }
  return out;
}

std::string add_tracking(const std::string& html, const LinkSigner& signer, const LinkTarget& message) {
  std::string out;
  out.reserve(html.size() + 512);
  std::size_t copied = 0;
  std::vector<Attribute> attributes;
  for (std::size_t at = html.find('<'); at != std::string::npos; at = html.find('<', at + 1)) {
    if (starts_with_nocase(html, at, "<!--")) {  // links in comments stay as they are
      at = html.find("-->", at);
      if (at == std::string::npos) break;
      continue;
    }
    if (!starts_with_nocase(html, at, "<a") || at + 2 >= html.size() || !space(html[at + 2])) continue;
    attributes.clear();
    const std::size_t end = scan_attributes(html, at + 2, attributes);
    if (end == std::string::npos) break;
    const Attribute* href = nullptr;
    bool excluded = false;
    for (const auto& attribute : attributes) {
      if (named(attribute.name, "href") && href == nullptr) href = &attribute;
      if (named(attribute.name, "data-no-track")) excluded = true;
    }
    if (href == nullptr || excluded) continue;
    std::string url = decode_html_attribute(html.substr(href->value_begin, href->value_end - href->value_begin));
    const auto first = url.find_first_not_of(" \t\r\n");
    url = first == std::string::npos ? "" : url.substr(first, url.find_last_not_of(" \t\r\n") - first + 1);
    if (!trackable(url) || signer.is_own(url)) continue;
    // The tracking address holds only [A-Za-z0-9_./:-]: it needs no escaping, and the
    // original quote (or its absence) stays valid around it.
    out.append(html, copied, href->value_begin - copied);
    out += signer.click_url(message, url);
    copied = href->value_end;
    at = end;
  }
  out.append(html, copied, std::string::npos);

  const std::string pixel =
      "<img src=\"" + signer.open_url(message) +
      "\" width=\"1\" height=\"1\" alt=\"\" style=\"display:block;width:1px;height:1px;border:0\">";
  std::size_t body_end = std::string::npos;
  for (std::size_t at = out.rfind('<'); at != std::string::npos;
       at = at == 0 ? std::string::npos : out.rfind('<', at - 1))
    if (starts_with_nocase(out, at, "</body")) {
      body_end = at;
      break;
    }
  if (body_end == std::string::npos)
    out += pixel;
  else
    out.insert(body_end, pixel);
  return out;
}

}  // namespace parcours::links
