// Mustache rendering through mstch, with data given as JSON so that callers never see
// mstch's (Boost.Variant) node type.
#pragma once

#include <map>
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <set>
#include <string>
#include <string_view>

namespace parcours::render {

enum class Escape {
  html,  // `{{name}}` escapes & < > " as HTML, as Mustache says: for HTML parts
  none,  // for plain text, subjects and SMS: `&` must stay `&`
};

using Partials = std::map<std::string, std::string>;

// The root context of renders: a JSON document converted once, for every text of a
// message rendered with the same data.
class RenderData {
 public:
  explicit RenderData(const std::string& data_json);
  explicit RenderData(const nlohmann::json& data);
  // Only the top-level members of `data` named in `names`: for texts whose tags look up
  // nothing else (template_root_names()). mstch copies the root for every render, so a
  // smaller root costs less to convert and to render with.
  RenderData(const nlohmann::json& data, const std::set<std::string>& names);
  ~RenderData();
  RenderData(const RenderData&) = delete;
  RenderData& operator=(const RenderData&) = delete;

 private:
  struct Node;  // mstch's node, kept out of this header
  std::unique_ptr<Node> node_;
  friend std::string render_mustache(const std::string& text, const RenderData& data, const Partials& partials,
                                     Escape escape);
};

// & < > " as HTML entities: what `{{name}}` does in HTML, for pages the host writes.
std::string escape_html(const std::string& text);

// Renders `text` with `data_json` (a JSON document) as the root context. Thread-safe:
// the escaping mode is per call, although mstch keeps its escape function global.
std::string render_mustache(const std::string& text, const std::string& data_json, const Partials& partials = {},
                            Escape escape = Escape::html);
std::string render_mustache(const std::string& text, const RenderData& data, const Partials& partials = {},
                            Escape escape = Escape::html);

// `text` rendered with `data` as the root context without mstch, when its only tags
// interpolate a name or a dotted name (`{{name}}`, `{{ contact.first_name }}`): the
// text render_mustache() gives, for a small part of the work — mstch parses the
// template again on every render, and its parser is not public. Nothing for any other
// tag (sections, partials, comments, `{{{ }}}`, `&`, delimiters, `.`), or an unclosed
// one: render_mustache() then.
std::optional<std::string> render_interpolations(std::string_view text, const nlohmann::json& data, Escape escape);

// Whether `text` has a Mustache tag at all: a text without one renders as itself.
bool has_tags(const std::string& text);

// The names `text` can look up in the root context: the first part ("contact" of
// "contact.first_name") of every variable and section tag. Inside a section a name is
// looked up in the section's value first, then outward to the root, so every tag counts.
// Nothing (render with all the data) when the text can reach names it does not spell:
// a partial, a change of delimiters, the implicit iterator `.`, or an unclosed tag.
std::optional<std::set<std::string>> template_root_names(std::string_view text);

}  // namespace parcours::render
