#include "dashboard/graph_svg.hpp"

#include <graphviz/cgraph.h>
#include <graphviz/gvc.h>
#include <spdlog/spdlog.h>

#include <mutex>
#include <string_view>

namespace parcours::dashboard {
namespace {

// Graphviz writes its warnings to stderr by default; they go to the host's log instead.
int log_graphviz_error(char* message) {
  std::string_view text(message);
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.remove_suffix(1);
  if (!text.empty()) spdlog::warn("dashboard: graphviz: {}", text);
  return 0;
}

// Graphviz keeps global state (the parser, the error handler): one caller at a time,
// and one context for the life of the process (it loads its plugins once).
std::mutex graphviz_mutex;

GVC_t* context() {
  static GVC_t* const gvc = [] {
    agseterrf(log_graphviz_error);
    GVC_t* created = gvContext();
    if (created == nullptr) throw GraphError("graphviz: no context (is libgvc6 installed with its plugins?)");
    return created;
  }();
  return gvc;
}

void erase_all(std::string& text, std::string_view what) {
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at)) text.erase(at, what.size());
}

// What an inline <svg> does not need: everything before it and every comment (Graphviz
// writes node names in them), and the namespace declarations, which are URLs.
std::string inline_svg(std::string svg) {
  const auto start = svg.find("<svg");
  if (start == std::string::npos) throw GraphError("graphviz wrote no <svg> element");
  svg.erase(0, start);
  for (auto open = svg.find("<!--"); open != std::string::npos; open = svg.find("<!--", open)) {
    const auto close = svg.find("-->", open);
    if (close == std::string::npos) throw GraphError("graphviz wrote an unterminated comment");
    auto end = close + 3;
    if (end < svg.size() && svg[end] == '\n') ++end;
    svg.erase(open, end - open);
  }
  erase_all(svg, " xmlns=\"http://www.w3.org/2000/svg\"");
  erase_all(svg, " xmlns:xlink=\"http://www.w3.org/1999/xlink\"");
  while (!svg.empty() && svg.back() == '\n') svg.pop_back();
  return svg;
}

}  // namespace

std::string svg_from_dot(const std::string& dot) {
  std::lock_guard lock(graphviz_mutex);
  GVC_t* gvc = context();
  Agraph_t* graph = agmemread(dot.c_str());
  if (graph == nullptr) throw GraphError("graphviz could not read the DOT it was given");
  std::string svg;
  const bool laid_out = gvLayout(gvc, graph, "dot") == 0;
  if (laid_out) {
    char* data = nullptr;
    unsigned int length = 0;
    if (gvRenderData(gvc, graph, "svg", &data, &length) == 0 && data != nullptr) svg.assign(data, length);
    gvFreeRenderData(data);
    gvFreeLayout(gvc, graph);
  }
  agclose(graph);
  if (!laid_out) throw GraphError("graphviz could not lay the graph out (is its `dot` layout plugin installed?)");
  if (svg.empty()) throw GraphError("graphviz rendered no SVG (is its core plugin installed?)");
  return inline_svg(std::move(svg));
}

}  // namespace parcours::dashboard
