// Splits an expression's text into tokens, one at a time as the parser asks, so that
// the first error reported is the leftmost one whether it is a bad token or bad
// grammar. Private to core/journey.
#pragma once

#include <string>
#include <string_view>

#include "journey/value.hpp"

namespace parcours::journey {

enum class TokenKind {
  end,
  error,     // `text` is the offending text, `message` says what was expected
  number,    // 3, 2.5
  duration,  // 7d, 1d12h
  string,    // "TV", 'TV'
  name,      // contact.consent.sms, now, exists (a dotted name is one token)
  keyword_and,
  keyword_or,
  keyword_not,
  keyword_in,
  keyword_contains,
  keyword_true,
  keyword_false,
  keyword_null,
  left_paren,
  right_paren,
  left_bracket,
  right_bracket,
  comma,
  plus,
  minus,
  equal,
  not_equal,
  less,
  less_equal,
  greater,
  greater_equal,
};

struct Token {
  TokenKind kind = TokenKind::end;
  std::string_view text;  // as written, quotes included
  int column = 0;         // 1-based, in code points
  double number = 0;      // number
  Duration duration{};    // duration
  std::string string;     // string: the unescaped content
  std::string message;    // error
};

class Lexer {
 public:
  explicit Lexer(std::string_view text) : text_(text) {}
  // The next token; `end` at the end of the text, and for ever after.
  Token next();
  // The column just past the last character, where "end of expression" is reported.
  int end_column() const { return column_at(text_.size()); }

 private:
  int column_at(std::size_t offset) const;
  Token make(TokenKind kind, std::size_t start, std::size_t end) const;
  Token error(std::size_t offset, std::size_t length, std::string message) const;
  Token lex_number(std::size_t start);
  Token lex_string(std::size_t start);
  Token lex_name(std::size_t start);

  std::string_view text_;
  std::size_t pos_ = 0;
};

}  // namespace parcours::journey
