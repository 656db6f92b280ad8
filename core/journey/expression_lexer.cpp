#include "journey/expression_lexer.hpp"

#include <array>
#include <charconv>
#include <chrono>
#include <limits>
#include <utility>

#include "config/duration.hpp"

namespace parcours::journey {
namespace {

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
bool is_letter(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
bool is_word(char c) {
  return is_letter(c) || is_digit(c);
}
bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

// Keywords are lowercase words; `AND` is a name (and then an unknown one, with a hint).
constexpr std::array<std::pair<std::string_view, TokenKind>, 8> kKeywords{{
    {"and", TokenKind::keyword_and},
    {"or", TokenKind::keyword_or},
    {"not", TokenKind::keyword_not},
    {"in", TokenKind::keyword_in},
    {"contains", TokenKind::keyword_contains},
    {"true", TokenKind::keyword_true},
    {"false", TokenKind::keyword_false},
    {"null", TokenKind::keyword_null},
}};

// Operators from other languages that users will try, and what to write instead.
constexpr std::array<std::pair<std::string_view, std::string_view>, 5> kForeignOperators{{
    {"&&", "use 'and'"},
    {"||", "use 'or'"},
    {"!", "use 'not' (or '!=' to compare)"},
    {"=", "use '==' to compare"},
    {"<>", "use '!='"},
}};

}  // namespace

int Lexer::column_at(std::size_t offset) const {
  // Count code points, not bytes: editors show "é" as one column.
  int column = 1;
  for (std::size_t i = 0; i < offset && i < text_.size(); ++i)
    if ((static_cast<unsigned char>(text_[i]) & 0xC0) != 0x80) ++column;
  return column;
}

Token Lexer::make(TokenKind kind, std::size_t start, std::size_t end) const {
  Token token;
  token.kind = kind;
  token.text = text_.substr(start, end - start);
  token.column = column_at(start);
  return token;
}

Token Lexer::error(std::size_t offset, std::size_t length, std::string message) const {
  Token token = make(TokenKind::error, offset, offset + length);
  token.message = std::move(message);
  return token;
}

Token Lexer::next() {
  while (pos_ < text_.size() && is_space(text_[pos_])) ++pos_;
  if (pos_ >= text_.size()) return make(TokenKind::end, text_.size(), text_.size());

  const std::size_t start = pos_;
  const char c = text_[pos_];
  if (is_digit(c)) return lex_number(start);
  if (c == '"' || c == '\'') return lex_string(start);
  if (is_letter(c)) return lex_name(start);

  for (const auto& [spelling, hint] : kForeignOperators) {
    if (text_.substr(start, spelling.size()) == spelling &&
        // '=' and '!' are only foreign when not part of '==' / '!='
        text_.substr(start, 2) != "==" && text_.substr(start, 2) != "!=") {
      pos_ += spelling.size();
      return error(start, spelling.size(), "unexpected '" + std::string(spelling) + "': " + std::string(hint));
    }
  }

  // Two-character operators first, so that "<=" is not read as "<" then "=".
  const std::string_view two = text_.substr(start, 2);
  const std::pair<std::string_view, TokenKind> operators[] = {
      {"==", TokenKind::equal},         {"!=", TokenKind::not_equal},  {"<=", TokenKind::less_equal},
      {">=", TokenKind::greater_equal}, {"<", TokenKind::less},        {">", TokenKind::greater},
      {"(", TokenKind::left_paren},     {")", TokenKind::right_paren}, {"[", TokenKind::left_bracket},
      {"]", TokenKind::right_bracket},  {",", TokenKind::comma},       {"+", TokenKind::plus},
      {"-", TokenKind::minus},
  };
  for (const auto& [spelling, kind] : operators) {
    if (two.substr(0, spelling.size()) == spelling) {
      pos_ += spelling.size();
      return make(kind, start, pos_);
    }
  }

  // One whole code point, so that the message shows "é", not half of it.
  std::size_t length = 1;
  while (start + length < text_.size() && (static_cast<unsigned char>(text_[start + length]) & 0xC0) == 0x80) ++length;
  pos_ += length;
  if (c == '.')
    return error(start, length,
                 "unexpected '.': a '.' only separates the parts of a name "
                 "(contact.orders) and a number needs a digit before it (0.5)");
  return error(start, length, "unexpected '" + std::string(text_.substr(start, length)) + "'");
}

Token Lexer::lex_number(std::size_t start) {
  while (pos_ < text_.size() && is_digit(text_[pos_])) ++pos_;
  bool has_fraction = false;
  if (pos_ + 1 < text_.size() && text_[pos_] == '.' && is_digit(text_[pos_ + 1])) {
    has_fraction = true;
    ++pos_;
    while (pos_ < text_.size() && is_digit(text_[pos_])) ++pos_;
  }

  // Digits immediately followed by a letter are a duration literal: 7d, 1d12h.
  if (pos_ < text_.size() && is_letter(text_[pos_])) {
    if (has_fraction)
      return error(pos_, 1,
                   "unexpected '" + std::string(1, text_[pos_]) + "' after the number " +
                       std::string(text_.substr(start, pos_ - start)) +
                       ": a duration is whole units, e.g. 1h30m rather than 1.5h");
    while (pos_ < text_.size() && is_word(text_[pos_])) ++pos_;
    const std::string_view spelling = text_.substr(start, pos_ - start);
    config::DurationError problem;
    const auto seconds = config::parse_duration(spelling, &problem);
    if (!seconds) return error(start + problem.offset, 1, problem.message);
    // Evaluation works in milliseconds; refuse what would overflow there.
    if (seconds->count() > std::numeric_limits<Duration::rep>::max() / 1000)
      return error(start, spelling.size(), "duration '" + std::string(spelling) + "' is too large");
    Token token = make(TokenKind::duration, start, pos_);
    token.duration = *seconds;
    return token;
  }

  Token token = make(TokenKind::number, start, pos_);
  // Digits and one '.' only, so from_chars cannot fail; a huge value becomes infinity.
  const auto result = std::from_chars(text_.data() + start, text_.data() + pos_, token.number);
  if (result.ec == std::errc::result_out_of_range) token.number = std::numeric_limits<double>::infinity();
  return token;
}

Token Lexer::lex_string(std::size_t start) {
  const char quote = text_[start];
  std::string content;
  ++pos_;
  while (pos_ < text_.size() && text_[pos_] != quote) {
    char c = text_[pos_];
    if (c == '\\') {
      if (pos_ + 1 >= text_.size()) break;  // reported as unterminated below
      const char escaped = text_[pos_ + 1];
      switch (escaped) {
        case '"':
        case '\'':
        case '\\': c = escaped; break;
        case 'n': c = '\n'; break;
        case 't': c = '\t'; break;
        default: {
          const std::size_t backslash = pos_;
          pos_ = text_.size();  // stop lexing: this error is the one reported
          return error(backslash, 2,
                       "unknown escape '" + std::string(text_.substr(backslash, 2)) +
                           "' in a string: write \\\" \\' \\\\ \\n or \\t");
        }
      }
      ++pos_;
    }
    content += c;
    ++pos_;
  }
  if (pos_ >= text_.size())
    return error(start, 1,
                 "unterminated string: the " + std::string(1, quote) + " at column " +
                     std::to_string(column_at(start)) + " has no closing " + std::string(1, quote));
  ++pos_;  // the closing quote
  Token token = make(TokenKind::string, start, pos_);
  token.string = std::move(content);
  return token;
}

Token Lexer::lex_name(std::size_t start) {
  while (pos_ < text_.size() && is_word(text_[pos_])) ++pos_;
  // A dotted name is one token: a '.' must be followed at once by the next part, which
  // may be any word (contact.in, event.items.0), since attribute names are the user's.
  while (pos_ < text_.size() && text_[pos_] == '.') {
    if (pos_ + 1 >= text_.size() || !is_word(text_[pos_ + 1]))
      return error(
          pos_ + 1, 1,
          "expected a name after '" + std::string(text_.substr(start, pos_ + 1 - start)) + "', e.g. contact.orders");
    ++pos_;
    while (pos_ < text_.size() && is_word(text_[pos_])) ++pos_;
  }
  const std::string_view word = text_.substr(start, pos_ - start);
  for (const auto& [spelling, kind] : kKeywords)
    if (word == spelling) return make(kind, start, pos_);
  return make(TokenKind::name, start, pos_);
}

}  // namespace parcours::journey
