// A DOT graph laid out by Graphviz's own library (gvc and its `dot` layout, Debian's
// libgraphviz-dev) and rendered to SVG in memory, ready to inline in an HTML page.
#pragma once

#include <stdexcept>
#include <string>

namespace parcours::dashboard {

class GraphError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The <svg> element alone: no XML prologue, DOCTYPE or comments, and no namespace
// declarations (an <svg> inside HTML needs none, and the page must name no outside
// URL). Graphviz escapes every text and id it writes. Safe to call from any thread
// (Graphviz is not: calls are serialised). Throws GraphError when Graphviz refuses.
std::string svg_from_dot(const std::string& dot);

}  // namespace parcours::dashboard
