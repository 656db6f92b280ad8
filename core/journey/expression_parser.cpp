// Recursive descent, one function per precedence level, loosest first:
//   or  ->  and  ->  not  ->  comparison (one, not chained)  ->  + -  ->  unary -  ->  primary
// Every check the language can make without data happens here, so that evaluation
// never has anything left to complain about.
#include <algorithm>
#include <array>
#include <cctype>
#include <utility>

#include "config/suggestion.hpp"
#include "journey/expression.hpp"
#include "journey/expression_ast.hpp"
#include "journey/expression_lexer.hpp"

namespace parcours::journey {
namespace {

// Deeper nesting and longer chains of operators are refused: the parser and the
// evaluator recurse, and no real condition comes near.
constexpr int kMaxNesting = 200;

const std::vector<std::string> kRoots{"contact", "event", "journey", "data", "now"};
const std::vector<std::string> kJourneyNames{"journey.id", "journey.entered_at"};
const std::vector<std::string> kFunctions{"exists", "days_since"};
// What may follow a complete operand, for "did you mean" on a misspelt operator.
const std::vector<std::string> kOperatorWords{"and", "or", "in", "contains"};
const std::vector<std::string> kKeywords{"and", "or", "not", "in", "contains", "true", "false", "null"};

struct Function {
  std::string_view name;
  NodeKind kind;
  std::string_view usage;
};
constexpr std::array<Function, 2> kFunctionTable{{
    {"exists", NodeKind::exists, "exists(contact.phone)"},
    {"days_since", NodeKind::days_since, "days_since(contact.last_purchase)"},
}};

// Thrown inside the parser only, once the error is recorded, to unwind the recursion;
// parse_expression catches it, so nothing escapes.
struct ParseFailure {};

// " (keywords are lowercase: write 'and')" for AND, True ...; "" otherwise.
std::string uppercase_keyword_hint(std::string_view word) {
  std::string lowercase(word);
  std::transform(lowercase.begin(), lowercase.end(), lowercase.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  const bool keyword = std::find(kKeywords.begin(), kKeywords.end(), lowercase) != kKeywords.end();
  return keyword && lowercase != word ? " (keywords are lowercase: write '" + lowercase + "')" : std::string();
}

bool is_comparison(TokenKind kind) {
  switch (kind) {
    case TokenKind::equal:
    case TokenKind::not_equal:
    case TokenKind::less:
    case TokenKind::less_equal:
    case TokenKind::greater:
    case TokenKind::greater_equal:
    case TokenKind::keyword_in:
    case TokenKind::keyword_contains: return true;
    default: return false;
  }
}

NodeKind comparison_kind(TokenKind kind) {
  switch (kind) {
    case TokenKind::equal: return NodeKind::equal;
    case TokenKind::not_equal: return NodeKind::not_equal;
    case TokenKind::less: return NodeKind::less;
    case TokenKind::less_equal: return NodeKind::less_equal;
    case TokenKind::greater: return NodeKind::greater;
    case TokenKind::greater_equal: return NodeKind::greater_equal;
    case TokenKind::keyword_in: return NodeKind::in;
    default: return NodeKind::contains;
  }
}

std::vector<std::string> split_path(std::string_view dotted) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (true) {
    const std::size_t dot = dotted.find('.', start);
    parts.emplace_back(dotted.substr(start, dot - start));
    if (dot == std::string_view::npos) return parts;
    start = dot + 1;
  }
}

class Parser {
 public:
  explicit Parser(std::string_view text) : lexer_(text) {}

  std::shared_ptr<const Expression::Compiled> parse(std::string_view text) {
    compiled_ = std::make_shared<Expression::Compiled>();
    compiled_->text = std::string(text);
    advance();
    if (current_.kind == TokenKind::end)
      fail(current_.column, "empty expression: expected a condition such as contact.orders > 0");
    compiled_->root = parse_or();
    if (current_.kind != TokenKind::end) {
      if (current_.kind == TokenKind::right_paren) fail(current_.column, "unexpected ')': there is no '(' to close");
      fail(current_.column, "unexpected " + describe(current_) +
                                ": expected an operator (and, or, ==, <, in, contains, + ...) or "
                                "the end of the expression");
    }
    return compiled_;
  }

  const ParseError& error() const { return error_; }

 private:
  using NodePtr = std::unique_ptr<const Node>;

  [[noreturn]] void fail(int column, std::string message) {
    error_ = {column, std::move(message)};
    throw ParseFailure{};
  }

  void advance() {
    previous_ = std::move(current_);
    current_ = lexer_.next();
    if (current_.kind == TokenKind::error) fail(current_.column, current_.message);
  }

  Token take() {
    Token taken = current_;
    advance();
    return taken;
  }

  // "'x'", "'adn' (did you mean 'and'?)" or "the end of the expression".
  std::string describe(const Token& token) const {
    if (token.kind == TokenKind::end) return "the end of the expression";
    std::string text = "'" + std::string(token.text) + "'";
    if (token.kind != TokenKind::name) return text;
    if (const std::string hint = uppercase_keyword_hint(token.text); !hint.empty()) return text + hint;
    // Short words are too close to everything for a suggestion to help.
    if (token.text.size() >= 3) text += config::did_you_mean(token.text, kOperatorWords);
    return text;
  }

  NodePtr make(NodeKind kind, int column, std::vector<NodePtr> operands = {}) {
    auto node = std::make_unique<Node>();
    node->kind = kind;
    node->column = column;
    node->operands = std::move(operands);
    return node;
  }

  NodePtr make_constant(Value value, int column) {
    auto node = std::make_unique<Node>();
    node->kind = NodeKind::constant;
    node->column = column;
    node->constant = std::move(value);
    return node;
  }

  // Nesting (parentheses, lists, calls: each goes through parse_or; and chains of
  // `not` and unary minus) is counted on the way down, so that the recursion of the
  // parser itself stays bounded too.
  struct Nesting {
    explicit Nesting(Parser& parser) : parser_(parser) {
      if (++parser_.depth_ > kMaxNesting)
        parser_.fail(parser_.current_.column, "expression nested too deeply (more than " + std::to_string(kMaxNesting) +
                                                  " levels): split it into simpler conditions");
    }
    ~Nesting() { --parser_.depth_; }
    Nesting(const Nesting&) = delete;
    Nesting& operator=(const Nesting&) = delete;
    Parser& parser_;
  };

  // A left-associative chain (a or b or c) is a tree as deep as it is long, so the
  // number of binary operators is bounded too.
  NodePtr binary(NodeKind kind, const Token& op, NodePtr left, NodePtr right) {
    if (++binary_operators_ > kMaxNesting)
      fail(op.column, "expression too long (more than " + std::to_string(kMaxNesting) +
                          " operators): split it into simpler conditions");
    std::vector<NodePtr> operands;
    operands.push_back(std::move(left));
    operands.push_back(std::move(right));
    return make(kind, op.column, std::move(operands));
  }

  NodePtr parse_or() {
    Nesting nesting(*this);
    NodePtr left = parse_and();
    while (current_.kind == TokenKind::keyword_or) {
      const Token op = take();
      left = binary(NodeKind::logical_or, op, std::move(left), parse_and());
    }
    return left;
  }

  NodePtr parse_and() {
    NodePtr left = parse_not();
    while (current_.kind == TokenKind::keyword_and) {
      const Token op = take();
      left = binary(NodeKind::logical_and, op, std::move(left), parse_not());
    }
    return left;
  }

  NodePtr parse_not() {
    if (current_.kind != TokenKind::keyword_not) return parse_comparison();
    Nesting nesting(*this);
    const Token op = take();
    std::vector<NodePtr> operand;
    operand.push_back(parse_not());
    return make(NodeKind::logical_not, op.column, std::move(operand));
  }

  NodePtr parse_comparison() {
    NodePtr left = parse_additive();
    if (!is_comparison(current_.kind)) return left;
    const Token op = take();
    NodePtr right = parse_additive();
    if (is_comparison(current_.kind))
      fail(current_.column, "comparisons cannot be chained: '" + std::string(current_.text) + "' follows '" +
                                std::string(op.text) + "' (column " + std::to_string(op.column) +
                                "); combine two comparisons with 'and', e.g. a < b and b < c");
    return binary(comparison_kind(op.kind), op, std::move(left), std::move(right));
  }

  NodePtr parse_additive() {
    NodePtr left = parse_unary();
    while (current_.kind == TokenKind::plus || current_.kind == TokenKind::minus) {
      const Token op = take();
      const NodeKind kind = op.kind == TokenKind::plus ? NodeKind::add : NodeKind::subtract;
      left = binary(kind, op, std::move(left), parse_unary());
    }
    return left;
  }

  NodePtr parse_unary() {
    if (current_.kind != TokenKind::minus) return parse_primary();
    Nesting nesting(*this);
    const Token op = take();
    NodePtr operand = parse_unary();
    // -5 and -7d are literals: fold them so that `in [-1, 0]` stays a constant list.
    if (operand->kind == NodeKind::constant) {
      const Value& value = operand->constant;
      if (value.kind() == Value::Kind::number) return make_constant(-value.as_number(), op.column);
      if (value.kind() == Value::Kind::duration) return make_constant(-value.as_duration(), op.column);
    }
    std::vector<NodePtr> operands;
    operands.push_back(std::move(operand));
    return make(NodeKind::negate, op.column, std::move(operands));
  }

  NodePtr parse_primary() {
    switch (current_.kind) {
      case TokenKind::number: {
        const Token token = take();
        return make_constant(token.number, token.column);
      }
      case TokenKind::duration: {
        const Token token = take();
        return make_constant(token.duration, token.column);
      }
      case TokenKind::string: {
        Token token = take();
        return make_constant(std::move(token.string), token.column);
      }
      case TokenKind::keyword_true:
      case TokenKind::keyword_false: {
        const Token token = take();
        return make_constant(token.kind == TokenKind::keyword_true, token.column);
      }
      case TokenKind::keyword_null: {
        const Token token = take();
        return make_constant(Value(), token.column);
      }
      case TokenKind::name: {
        const Token token = take();
        if (current_.kind == TokenKind::left_paren) return parse_call(token);
        return parse_name(token);
      }
      case TokenKind::left_paren: {
        const Token open = take();
        NodePtr inner = parse_or();
        expect_closing(TokenKind::right_paren, open, "')'");
        return inner;
      }
      case TokenKind::left_bracket: return parse_list();
      default: break;
    }
    std::string message = "expected an operand";
    if (previous_.kind != TokenKind::end)
      message += " after '" + std::string(previous_.text) + "' at column " + std::to_string(previous_.column);
    message += ", found " + describe(current_);
    if (current_.kind == TokenKind::keyword_not) message += " (put a 'not' inside an operand in parentheses)";
    fail(current_.column, message);
  }

  void expect_closing(TokenKind closing, const Token& open, std::string_view what) {
    if (current_.kind == closing) {
      advance();
      return;
    }
    fail(current_.column, "unclosed '" + std::string(open.text) + "' opened at column " + std::to_string(open.column) +
                              ": expected " + std::string(what) + ", found " + describe(current_));
  }

  NodePtr parse_list() {
    const Token open = take();
    std::vector<NodePtr> items;
    while (current_.kind != TokenKind::right_bracket) {
      items.push_back(parse_or());
      if (current_.kind != TokenKind::comma) break;
      advance();  // a trailing comma before ']' is allowed, as in TOML arrays
    }
    expect_closing(TokenKind::right_bracket, open, "',' or ']'");

    // A list of literals is built once here, not at every evaluation.
    const bool all_constant =
        std::all_of(items.begin(), items.end(), [](const NodePtr& item) { return item->kind == NodeKind::constant; });
    if (!all_constant) return make(NodeKind::list, open.column, std::move(items));
    Value::List values;
    values.reserve(items.size());
    for (const NodePtr& item : items) values.push_back(item->constant);
    return make_constant(std::move(values), open.column);
  }

  NodePtr parse_call(const Token& name) {
    const auto function = std::find_if(kFunctionTable.begin(), kFunctionTable.end(),
                                       [&](const Function& candidate) { return candidate.name == name.text; });
    if (function == kFunctionTable.end())
      fail(name.column, "unknown function '" + std::string(name.text) + "'" +
                            config::did_you_mean(name.text, kFunctions) +
                            "; the functions are exists(x) and days_since(x)");

    const Token open = take();
    std::vector<NodePtr> arguments;
    while (current_.kind != TokenKind::right_paren) {
      arguments.push_back(parse_or());
      if (current_.kind != TokenKind::comma) break;
      advance();
    }
    expect_closing(TokenKind::right_paren, open, "',' or ')'");
    if (arguments.size() != 1)
      fail(name.column, std::string(function->name) + " takes 1 argument, not " + std::to_string(arguments.size()) +
                            ", e.g. " + std::string(function->usage));
    if (function->kind == NodeKind::days_since) compiled_->depends_on_time = true;
    return make(function->kind, name.column, std::move(arguments));
  }

  NodePtr parse_name(const Token& token) {
    std::vector<std::string> path = split_path(token.text);
    const std::string root_word = std::move(path.front());
    path.erase(path.begin());
    const std::string written(token.text);

    if (root_word == "now") {
      if (!path.empty()) fail(token.column, "'now' is a time and has no fields: found '" + written + "'");
      compiled_->depends_on_time = true;
      compiled_->names.push_back({written, token.column});
      return make(NodeKind::now, token.column);
    }

    Root root;
    if (root_word == "contact") {
      root = Root::contact;
    } else if (root_word == "event") {
      root = Root::event;
    } else if (root_word == "data") {
      root = Root::data;
      // Which sources exist is the client's business: the journey loader checks the
      // name. `data.bookings` alone is the row, for exists().
      if (path.empty())
        fail(token.column, "expected data.<source>.<field>, e.g. data.bookings.nights, found '" + written + "'");
    } else if (root_word == "journey") {
      root = Root::journey;
      if (path.size() != 1 || (path[0] != "id" && path[0] != "entered_at"))
        fail(token.column, (path.empty() ? "expected journey.id or journey.entered_at, found '" : "unknown name '") +
                               written + "'" + config::did_you_mean(written, kJourneyNames));
    } else if (std::find(kFunctions.begin(), kFunctions.end(), root_word) != kFunctions.end() && path.empty()) {
      const auto function = std::find_if(kFunctionTable.begin(), kFunctionTable.end(),
                                         [&](const Function& candidate) { return candidate.name == root_word; });
      fail(token.column, "'" + root_word + "' is a function: call it with '(', e.g. " + std::string(function->usage));
    } else {
      std::string hint = uppercase_keyword_hint(root_word);
      if (hint.empty()) hint = config::did_you_mean(root_word, kRoots);
      fail(token.column, "unknown name '" + root_word + "'" +
                             (hint.empty() ? ": a name is contact.<attribute>, event.<property>, "
                                             "data.<source>.<field>, journey.id, journey.entered_at or now"
                                           : hint));
    }

    if (path.empty())
      fail(token.column, "expected an attribute after '" + root_word + "', e.g. " + root_word +
                             (root == Root::contact ? ".orders" : ".total"));
    compiled_->names.push_back({written, token.column});
    compiled_->reads_root[static_cast<int>(root)] = true;
    auto node = std::make_unique<Node>();
    node->kind = NodeKind::lookup;
    node->column = token.column;
    node->root = root;
    node->path = std::move(path);
    return node;
  }

  Lexer lexer_;
  Token current_;
  Token previous_;  // kind `end` until a token has been taken
  std::shared_ptr<Expression::Compiled> compiled_;
  ParseError error_;
  int depth_ = 0;
  int binary_operators_ = 0;
};

}  // namespace

Expression::Expression(std::shared_ptr<const Compiled> compiled) : compiled_(std::move(compiled)) {}

const std::string& Expression::text() const {
  return compiled_->text;
}

const std::vector<NameUse>& Expression::names() const {
  return compiled_->names;
}

bool Expression::reads(Root root) const {
  return compiled_->reads_root[static_cast<int>(root)];
}

bool Expression::depends_on_time() const {
  return compiled_->depends_on_time;
}

std::optional<Expression> parse_expression(std::string_view text, ParseError* error) {
  Parser parser(text);
  try {
    return Expression(parser.parse(text));
  } catch (const ParseFailure&) {
    if (error) *error = parser.error();
    return std::nullopt;
  }
}

}  // namespace parcours::journey
