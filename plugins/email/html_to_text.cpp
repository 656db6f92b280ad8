#include "html_to_text.hpp"

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <string_view>

#include "ascii.hpp"

namespace parcours::email {
namespace {

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = ascii_lower(c);
  return out;
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

// The character references templates produce (Mustache escapes & < > " ' and =, `),
// the common named ones, and numeric ones. An unknown one stays as written.
std::size_t decode_reference(std::string_view html, std::size_t at, std::string& out) {
  const std::size_t semicolon = html.find(';', at);
  if (semicolon == std::string_view::npos || semicolon - at > 12) {
    out += '&';
    return at + 1;
  }
  const std::string name(html.substr(at + 1, semicolon - at - 1));
  static const std::pair<const char*, std::uint32_t> kNamed[] = {
      {"amp", '&'},     {"lt", '<'},      {"gt", '>'},       {"quot", '"'},      {"apos", '\''},    {"nbsp", 0xA0},
      {"copy", 0xA9},   {"reg", 0xAE},    {"euro", 0x20AC},  {"hellip", 0x2026}, {"mdash", 0x2014}, {"ndash", 0x2013},
      {"laquo", 0xAB},  {"raquo", 0xBB},  {"rsquo", 0x2019}, {"lsquo", 0x2018},  {"rdquo", 0x201D}, {"ldquo", 0x201C},
      {"eacute", 0xE9}, {"egrave", 0xE8}, {"agrave", 0xE0},  {"ccedil", 0xE7},   {"ecirc", 0xEA},   {"ocirc", 0xF4},
      {"uuml", 0xFC},   {"ouml", 0xF6},   {"auml", 0xE4},    {"szlig", 0xDF},    {"middot", 0xB7},  {"bull", 0x2022}};
  for (const auto& [entity, code] : kNamed)
    if (name == entity) {
      append_utf8(out, code == 0xA0 ? ' ' : code);
      return semicolon + 1;
    }
  if (name.size() > 1 && name[0] == '#') {
    const bool hex = name[1] == 'x' || name[1] == 'X';
    const std::string digits = name.substr(hex ? 2 : 1);
    bool valid = !digits.empty() && digits.size() <= 7;
    for (const char c : digits)
      valid =
          valid && (hex ? std::isxdigit(static_cast<unsigned char>(c)) : std::isdigit(static_cast<unsigned char>(c)));
    if (valid) {
      append_utf8(out, static_cast<std::uint32_t>(std::stoul(digits, nullptr, hex ? 16 : 10)));
      return semicolon + 1;
    }
  }
  out += '&';
  return at + 1;
}

// Where `lower_needle` (lower case) first occurs in `text` from `from`, whatever the
// case of `text`: no lower-cased copy of a tag, or of the rest of a document.
std::size_t find_ignoring_case(std::string_view text, std::string_view lower_needle, std::size_t from = 0) {
  if (lower_needle.empty() || lower_needle.size() > text.size()) return std::string_view::npos;
  const char lower_first = lower_needle[0];
  const char upper_first =
      lower_first >= 'a' && lower_first <= 'z' ? static_cast<char>(lower_first - 'a' + 'A') : lower_first;
  for (std::size_t at = from; at + lower_needle.size() <= text.size(); ++at) {
    // The first character compared in both cases: no call per character of the text.
    if (text[at] != lower_first && text[at] != upper_first) continue;
    std::size_t k = 1;
    while (k < lower_needle.size() && ascii_lower(text[at + k]) == lower_needle[k]) ++k;
    if (k == lower_needle.size()) return at;
  }
  return std::string_view::npos;
}

// The value of attribute `name` (lower case) in a tag's text (`<a href="x" ...>`), decoded.
std::string attribute(std::string_view tag, std::string_view name) {
  for (std::size_t at = find_ignoring_case(tag, name); at != std::string_view::npos;
       at = find_ignoring_case(tag, name, at + 1)) {
    if (at == 0 || !std::isspace(static_cast<unsigned char>(tag[at - 1]))) continue;
    std::size_t i = at + name.size();
    while (i < tag.size() && std::isspace(static_cast<unsigned char>(tag[i]))) ++i;
    if (i >= tag.size() || tag[i] != '=') continue;
    ++i;
    while (i < tag.size() && std::isspace(static_cast<unsigned char>(tag[i]))) ++i;
    std::size_t end;
    if (i < tag.size() && (tag[i] == '"' || tag[i] == '\'')) {
      end = tag.find(tag[i], i + 1);
      ++i;
    } else {
      end = tag.find_first_of(" \t\r\n>", i);
    }
    if (end == std::string_view::npos) end = tag.size();
    std::string value;
    const std::string_view raw = tag.substr(i, end - i);
    for (std::size_t k = 0; k < raw.size();) {
      if (raw[k] == '&') {
        k = decode_reference(raw, k, value);
        continue;
      }
      const std::size_t next = std::min(raw.find('&', k), raw.size());
      value.append(raw.substr(k, next - k));
      k = next;
    }
    return value;
  }
  return {};
}

class Converter {
 public:
  std::string run(std::string_view html) {
    out_.reserve(html.size());
    std::size_t at = 0;
    while (at < html.size()) {
      const char c = html[at];
      if (c == '<') {
        at = tag(html, at);
      } else if (c == '&') {
        std::string decoded;
        at = decode_reference(html, at, decoded);
        text(decoded);
      } else {
        // The text up to the next tag or reference, in one go.
        // (find_first_of would call memchr on "<&" for every character.)
        std::size_t next = at;
        while (next < html.size() && html[next] != '<' && html[next] != '&') ++next;
        text(html.substr(at, next - at));
        at = next;
      }
    }
    // No trailing blank lines or spaces.
    while (!out_.empty() && (out_.back() == '\n' || out_.back() == ' ')) out_.pop_back();
    return std::move(out_);
  }

 private:
  std::string out_;
  bool space_pending_ = false;
  int newlines_ = 2;  // newlines at the end of out_ (2 at the start: no leading blank line)
  std::string link_;  // the href of the <a> being read, shown after its text
  std::size_t link_start_ = 0;

  // Appends `chunk` with its whitespace collapsed: runs of visible characters are
  // copied at once (this sees every character of every message's text).
  void text(std::string_view chunk) {
    const auto blank = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
    std::size_t at = 0;
    while (at < chunk.size()) {
      if (blank(chunk[at])) {
        space_pending_ = newlines_ == 0;
        ++at;
        continue;
      }
      std::size_t end = at + 1;
      while (end < chunk.size() && !blank(chunk[end])) ++end;
      if (space_pending_) out_ += ' ';
      space_pending_ = false;
      out_.append(chunk.substr(at, end - at));
      newlines_ = 0;
      at = end;
    }
  }

  void line_break(int wanted) {
    space_pending_ = false;
    while (!out_.empty() && out_.back() == ' ') out_.pop_back();
    while (newlines_ < wanted) {
      out_ += '\n';
      ++newlines_;
    }
  }

  // Reads the tag at `at`, acts on it, returns where the text goes on.
  std::size_t tag(std::string_view html, std::size_t at) {
    if (html.substr(at, 4) == "<!--") {
      const auto end = html.find("-->", at + 4);
      return end == std::string_view::npos ? html.size() : end + 3;
    }
    const auto end = html.find('>', at);
    if (end == std::string_view::npos) return html.size();
    const std::string_view whole = html.substr(at + 1, end - at - 1);
    const bool closing = !whole.empty() && whole.front() == '/';
    std::size_t name_end = closing ? 1 : 0;
    while (name_end < whole.size() && ascii_alnum(whole[name_end])) ++name_end;
    const std::string lowered = lower(whole.substr(closing ? 1 : 0, name_end - (closing ? 1 : 0)));
    const std::string_view name = lowered;

    // Whole elements whose content is not text for the reader.
    if (!closing && (name == "head" || name == "style" || name == "script" || name == "title")) {
      const auto close = find_ignoring_case(html.substr(end), "</" + lowered);
      if (close == std::string_view::npos) return html.size();
      const auto after = html.find('>', end + close);
      return after == std::string_view::npos ? html.size() : after + 1;
    }
    if (name == "br") {
      line_break(newlines_ + 1 > 2 ? 2 : newlines_ + 1);
    } else if (name == "p" || name == "div" || name == "table" || name == "h1" || name == "h2" || name == "h3" ||
               name == "h4" || name == "h5" || name == "h6" || name == "ul" || name == "ol" || name == "blockquote") {
      line_break(2);
    } else if (name == "tr" || name == "li" || name == "hr") {
      line_break(1);
      if (name == "li" && !closing) text("- ");
    } else if (name == "td" || name == "th") {
      if (closing) space_pending_ = true;
    } else if (name == "img" && !closing) {
      const std::string alt = attribute(whole, "alt");
      if (!alt.empty()) text(alt);
    } else if (name == "a") {
      if (!closing) {
        link_ = attribute(whole, "href");
        link_start_ = out_.size();
      } else if (!link_.empty()) {
        const std::string_view shown = std::string_view(out_).substr(link_start_);
        // "text (address)", unless the text already is the address or it is an anchor.
        const bool mailto_shown = link_.starts_with("mailto:") && std::string_view(link_).substr(7).starts_with(shown);
        if (link_.front() != '#' && shown.find(link_) == std::string_view::npos && !mailto_shown) {
          space_pending_ = !shown.empty();  // `shown` is not read after this: text() may move out_
          text("(");
          text(link_);
          text(")");
        }
        link_.clear();
      }
    }
    return end + 1;
  }
};

}  // namespace

std::string html_to_text(const std::string& html) {
  return Converter().run(html);
}

}  // namespace parcours::email
