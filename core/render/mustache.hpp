// Mustache rendering through mstch, with data given as JSON so that callers never see
// mstch's (Boost.Variant) node type.
#pragma once

#include <map>
#include <string>

namespace parcours::render {

enum class Escape {
  html,  // `{{name}}` escapes & < > " as HTML, as Mustache says: for HTML parts
  none,  // for plain text, subjects and SMS: `&` must stay `&`
};

using Partials = std::map<std::string, std::string>;

// Renders `text` with `data_json` (a JSON document) as the root context. Thread-safe:
// the escaping mode is per call, although mstch keeps its escape function global.
std::string render_mustache(const std::string& text, const std::string& data_json, const Partials& partials = {},
                            Escape escape = Escape::html);

}  // namespace parcours::render
