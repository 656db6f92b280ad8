// The syntax tree of a parsed expression: written by expression_parser.cpp, walked by
// expression_evaluator.cpp. Private to core/journey. Names are split into their path
// segments once, at parse time, so that evaluating costs no string work.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "journey/expression.hpp"

namespace parcours::journey {

enum class NodeKind {
  constant,  // a literal, or a list of literals folded at parse time
  lookup,    // contact.*, event.*, journey.*
  now,
  list,    // a list literal with at least one non-constant item
  negate,  // unary -
  logical_not,
  logical_and,
  logical_or,
  equal,
  not_equal,
  less,
  less_equal,
  greater,
  greater_equal,
  in,
  contains,
  add,
  subtract,
  exists,
  days_since,
};

struct Node {
  NodeKind kind = NodeKind::constant;
  int column = 0;                                     // where the node starts, for messages
  Value constant;                                     // constant
  Root root = Root::contact;                          // lookup
  std::vector<std::string> path;                      // lookup: {"consent", "sms"}
  std::vector<std::unique_ptr<const Node>> operands;  // operators, calls and lists
};

struct Expression::Compiled {
  std::string text;
  std::unique_ptr<const Node> root;
  std::vector<NameUse> names;
  bool reads_root[4] = {false, false, false, false};  // indexed by Root
  bool depends_on_time = false;
};

}  // namespace parcours::journey
