#include "render/mustache.hpp"

#include <mstch/mstch.hpp>

#include <limits>
#include <mutex>
#include <nlohmann/json.hpp>
#include <sstream>

namespace parcours::render {

namespace {

using nlohmann::json;

// mstch keeps one global escape function; each call sets the mode for its own thread.
thread_local Escape current_escape = Escape::html;

// Installed on first use, not at static initialisation: mstch's own initialiser of the
// global may run after ours.
void install_escape() {
  static std::once_flag once;
  std::call_once(once, [] {
    mstch::config::escape = [](const std::string& text) {
      return current_escape == Escape::html ? escape_html(text) : text;
    };
  });
}

mstch::node to_node(const json& value) {
  switch (value.type()) {
    case json::value_t::object: {
      mstch::map map;
      for (const auto& [key, item] : value.items()) map.emplace(key, to_node(item));
      return map;
    }
    case json::value_t::array: {
      mstch::array array;
      array.reserve(value.size());
      for (const auto& item : value) array.push_back(to_node(item));
      return array;
    }
    case json::value_t::string: return value.get<std::string>();
    case json::value_t::boolean: return value.get<bool>();
    case json::value_t::number_integer:
    case json::value_t::number_unsigned: {
      // mstch's integers are `int`; larger ones (ids, epoch ms) are printed as JSON does.
      const auto number = value.get<long long>();
      if (number >= std::numeric_limits<int>::min() && number <= std::numeric_limits<int>::max())
        return static_cast<int>(number);
      return value.dump();
    }
    case json::value_t::number_float: return value.get<double>();
    default: return nullptr;
  }
}

}  // namespace

std::string escape_html(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

struct RenderData::Node {
  mstch::node node;
};

namespace {

// What mstch 1.0.2 writes for an interpolated value, as to_node() converts it: an
// integer within `int` by std::to_string (others as JSON text, escaped), a double
// through a stringstream, true/false, and nothing for null, objects and arrays.
void append_value(std::string& out, const json& value, Escape escape) {
  switch (value.type()) {
    case json::value_t::string: {
      const auto& text = value.get_ref<const std::string&>();
      out += escape == Escape::html ? escape_html(text) : text;
      return;
    }
    case json::value_t::number_integer:
    case json::value_t::number_unsigned: {
      const auto number = value.get<long long>();
      if (number >= std::numeric_limits<int>::min() && number <= std::numeric_limits<int>::max())
        out += std::to_string(static_cast<int>(number));
      else
        out += escape == Escape::html ? escape_html(value.dump()) : value.dump();
      return;
    }
    case json::value_t::number_float: {
      std::stringstream text;
      text << value.get<double>();
      out += text.str();
      return;
    }
    case json::value_t::boolean: out += value.get<bool>() ? "true" : "false"; return;
    default: return;
  }
}

bool is_name_byte(char c) {
  return c != '.' && c != '{' && c != '}' && c != ' ' && c != '\t' && c != '\r' && c != '\n';
}

}  // namespace

std::optional<std::string> render_interpolations(std::string_view text, const json& data, Escape escape) {
  std::string out;
  out.reserve(text.size() + 32);
  std::size_t from = 0;
  while (true) {
    const std::size_t open = text.find("{{", from);
    out.append(text.substr(from, open == std::string_view::npos ? std::string_view::npos : open - from));
    if (open == std::string_view::npos) return out;
    const std::size_t close = text.find("}}", open + 2);
    if (close == std::string_view::npos) return std::nullopt;
    std::string_view tag = text.substr(open + 2, close - open - 2);
    // Spaces around the name, as mstch trims them (not tabs: mstch reads those as part of it).
    while (!tag.empty() && tag.front() == ' ') tag.remove_prefix(1);
    while (!tag.empty() && tag.back() == ' ') tag.remove_suffix(1);
    // A name, or names joined by single dots; a sigil, a space inside or an empty part
    // is mstch's to read.
    if (tag.empty() || tag.front() == '!' || tag.front() == '#' || tag.front() == '^' || tag.front() == '/' ||
        tag.front() == '>' || tag.front() == '=' || tag.front() == '&' || tag.front() == '{')
      return std::nullopt;
    const json* value = &data;
    std::size_t part = 0;
    while (true) {
      std::size_t end = part;
      while (end < tag.size() && is_name_byte(tag[end])) ++end;
      if (end == part || (end < tag.size() && tag[end] != '.') || end + 1 == tag.size()) return std::nullopt;
      if (value != nullptr) {
        const auto it = value->is_object() ? value->find(tag.substr(part, end - part)) : value->end();
        value = value->is_object() && it != value->end() ? &*it : nullptr;
      }
      if (end == tag.size()) break;
      part = end + 1;
    }
    if (value != nullptr) append_value(out, *value, escape);
    from = close + 2;
  }
}

RenderData::RenderData(const std::string& data_json) : RenderData(json::parse(data_json)) {}

RenderData::RenderData(const json& data) : node_(std::make_unique<Node>()) {
  node_->node = to_node(data);
}

RenderData::RenderData(const json& data, const std::set<std::string>& names) : node_(std::make_unique<Node>()) {
  mstch::map root;
  if (data.is_object())
    for (const auto& name : names)
      if (const auto it = data.find(name); it != data.end()) root.emplace(name, to_node(*it));
  node_->node = std::move(root);
}

RenderData::~RenderData() = default;

bool has_tags(const std::string& text) {
  return text.find("{{") != std::string::npos;
}

std::optional<std::set<std::string>> template_root_names(std::string_view text) {
  constexpr std::string_view kSpace = " \t\r\n";
  std::set<std::string> names;
  std::size_t from = 0;
  while (true) {
    const std::size_t open = text.find("{{", from);
    if (open == std::string_view::npos) return names;
    const bool triple = text.substr(open + 2, 1) == "{";
    const std::string_view end = triple ? "}}}" : "}}";
    const std::size_t start = open + (triple ? 3 : 2);
    const std::size_t close = text.find(end, start);
    if (close == std::string_view::npos) return std::nullopt;
    from = close + end.size();
    std::string_view tag = text.substr(start, close - start);
    const std::size_t first = tag.find_first_not_of(kSpace);
    if (first == std::string_view::npos) return std::nullopt;
    tag.remove_prefix(first);
    if (!triple) {
      switch (tag.front()) {
        case '!': continue;  // a comment
        case '>':            // a partial: its own tags are not here
        case '=':            // new delimiters: the tags after it are not found by "{{"
          return std::nullopt;
        case '#':
        case '^':
        case '/':
        case '&': tag.remove_prefix(1); break;
        default: break;
      }
    }
    const std::size_t begin = tag.find_first_not_of(kSpace);
    if (begin == std::string_view::npos) return std::nullopt;
    tag = tag.substr(begin, tag.find_last_not_of(kSpace) - begin + 1);
    const std::string_view root = tag.substr(0, tag.find('.'));
    if (root.empty()) return std::nullopt;  // `.`, the current item, can be the whole root
    names.emplace(root);
  }
}

std::string render_mustache(const std::string& text, const RenderData& data, const Partials& partials, Escape escape) {
  install_escape();
  const Escape previous = current_escape;
  current_escape = escape;
  try {
    auto out = mstch::render(text, data.node_->node, partials);
    current_escape = previous;
    return out;
  } catch (...) {
    current_escape = previous;
    throw;
  }
}

std::string render_mustache(const std::string& text, const std::string& data_json, const Partials& partials,
                            Escape escape) {
  return render_mustache(text, RenderData(data_json), partials, escape);
}

}  // namespace parcours::render
