#include "config/toml_reader.hpp"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "config/byte_size.hpp"
#include "config/duration.hpp"
#include "config/suggestion.hpp"

namespace parcours::config {

std::optional<toml::table> read_toml_file(const std::filesystem::path& file, const std::string& display,
                                          Diagnostics& diagnostics) {
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    diagnostics.error({display, 0, 0}, "cannot read the file: " + std::string(std::strerror(errno)));
    return std::nullopt;
  }
  std::ostringstream text;
  text << in.rdbuf();
  try {
    return toml::parse(text.str(), display);
  } catch (const toml::parse_error& error) {
    diagnostics.error(location_of(error.source(), display), "TOML syntax error: " + std::string(error.description()));
    return std::nullopt;
  }
}

SourceLocation location_of(const toml::source_region& source, const std::string& file) {
  return {file, static_cast<int>(source.begin.line), static_cast<int>(source.begin.column)};
}

std::string_view describe_type(const toml::node& node) {
  switch (node.type()) {
    case toml::node_type::string: return "a string";
    case toml::node_type::integer: return "an integer";
    case toml::node_type::floating_point: return "a number";
    case toml::node_type::boolean: return "a boolean";
    case toml::node_type::array: return "a list";
    case toml::node_type::table: return "a table";
    case toml::node_type::date: return "a date";
    case toml::node_type::time: return "a time";
    case toml::node_type::date_time: return "a date-time";
    default: return "nothing";
  }
}

std::optional<std::string> expand_environment(std::string_view text, const SourceLocation& where,
                                              Diagnostics& diagnostics) {
  std::string out;
  bool ok = true;
  std::size_t i = 0;
  while (i < text.size()) {
    if (text[i] != '$' || i + 1 >= text.size() || text[i + 1] != '{') {
      out += text[i++];
      continue;
    }
    const std::size_t close = text.find('}', i + 2);
    if (close == std::string_view::npos) {
      diagnostics.error(where, "unterminated '${' in \"" + std::string(text) + "\": write ${NAME} or ${NAME:-default}");
      return std::nullopt;
    }
    const std::string_view inner = text.substr(i + 2, close - i - 2);
    const std::size_t dash = inner.find(":-");
    const std::string name(inner.substr(0, dash));
    if (name.empty()) {
      diagnostics.error(where, "empty variable name in \"" + std::string(text) + "\"");
      ok = false;
    } else if (const char* value = std::getenv(name.c_str()); value != nullptr) {
      const std::string_view v(value);
      if (v.find('\n') != std::string_view::npos || v.find('\r') != std::string_view::npos) {
        diagnostics.error(where,
                          "environment variable " + name + " contains a newline, which is refused in a config value");
        ok = false;
      } else {
        out += v;
      }
    } else if (dash != std::string_view::npos) {
      out += inner.substr(dash + 2);
    } else {
      diagnostics.error(where,
                        "environment variable " + name + " is not set (set it, or write ${" + name + ":-default})");
      ok = false;
    }
    i = close + 1;
  }
  if (!ok) return std::nullopt;
  return out;
}

namespace {

bool to_json(const toml::node& node, const std::string& file, Diagnostics& diagnostics, nlohmann::json& out) {
  switch (node.type()) {
    case toml::node_type::string: {
      auto text = expand_environment(node.as_string()->get(), location_of(node.source(), file), diagnostics);
      if (!text) return false;
      out = std::move(*text);
      return true;
    }
    case toml::node_type::integer: out = node.as_integer()->get(); return true;
    case toml::node_type::floating_point: out = node.as_floating_point()->get(); return true;
    case toml::node_type::boolean: out = node.as_boolean()->get(); return true;
    case toml::node_type::array: {
      out = nlohmann::json::array();
      bool ok = true;
      for (const toml::node& element : *node.as_array()) {
        nlohmann::json item;
        ok = to_json(element, file, diagnostics, item) && ok;
        out.push_back(std::move(item));
      }
      return ok;
    }
    case toml::node_type::table: {
      out = nlohmann::json::object();
      bool ok = true;
      for (const auto& [key, value] : *node.as_table()) {
        nlohmann::json item;
        ok = to_json(value, file, diagnostics, item) && ok;
        out[std::string(key.str())] = std::move(item);
      }
      return ok;
    }
    default: {
      // Dates and times: their TOML spelling is already ISO 8601.
      std::ostringstream text;
      node.visit([&text](const auto& value) {
        if constexpr (toml::is_date<decltype(value)> || toml::is_time<decltype(value)> ||
                      toml::is_date_time<decltype(value)>)
          text << value;
      });
      out = text.str();
      return true;
    }
  }
}

}  // namespace

std::optional<std::string> toml_to_json(const toml::node& node, const std::string& file, Diagnostics& diagnostics) {
  nlohmann::json out;
  if (!to_json(node, file, diagnostics, out)) return std::nullopt;
  return out.dump();
}

TableReader::TableReader(const toml::table& table, std::string file, std::string context, Diagnostics& diagnostics)
    : table_(table), file_(std::move(file)), context_(std::move(context)), diagnostics_(diagnostics) {}

bool TableReader::has(std::string_view key) const {
  return table_.contains(key);
}

void TableReader::mark_known(std::string_view key) {
  known_.emplace(key);
}

SourceLocation TableReader::where() const {
  return location_of(table_.source(), file_);
}

SourceLocation TableReader::where(std::string_view key) const {
  if (const toml::node* node = table_.get(key)) return location_of(node->source(), file_);
  return where();
}

void TableReader::type_error(std::string_view key, std::string_view expected) const {
  const toml::node* node = table_.get(key);
  diagnostics_.error(where(key), "'" + std::string(key) + "' in " + context_ + " must be " + std::string(expected) +
                                     ", not " + std::string(node ? describe_type(*node) : "nothing"));
}

const toml::node* TableReader::node(std::string_view key) {
  mark_known(key);
  return table_.get(key);
}

std::optional<std::string> TableReader::string(std::string_view key, bool required) {
  const toml::node* node = this->node(key);
  if (node == nullptr) {
    if (required) diagnostics_.error(where(), "missing required key '" + std::string(key) + "' in " + context_);
    return std::nullopt;
  }
  const auto* value = node->as_string();
  if (value == nullptr) {
    type_error(key, "a string");
    return std::nullopt;
  }
  return expand_environment(value->get(), where(key), diagnostics_);
}

std::optional<bool> TableReader::boolean(std::string_view key) {
  const toml::node* node = this->node(key);
  if (node == nullptr) return std::nullopt;
  if (const auto* value = node->as_boolean()) return value->get();
  type_error(key, "true or false");
  return std::nullopt;
}

std::optional<std::int64_t> TableReader::integer(std::string_view key, std::int64_t minimum, std::int64_t maximum) {
  const toml::node* node = this->node(key);
  if (node == nullptr) return std::nullopt;
  const auto* value = node->as_integer();
  if (value == nullptr) {
    type_error(key, "a whole number");
    return std::nullopt;
  }
  if (value->get() < minimum || value->get() > maximum) {
    diagnostics_.error(where(key), "'" + std::string(key) + "' in " + context_ + " must be between " +
                                       std::to_string(minimum) + " and " + std::to_string(maximum) + ", not " +
                                       std::to_string(value->get()));
    return std::nullopt;
  }
  return value->get();
}

namespace {

// The position of the character at `offset` inside a quoted string value at `where`.
SourceLocation inside_string(SourceLocation where, std::size_t offset) {
  where.column += static_cast<int>(offset) + 1;  // past the opening quote
  return where;
}

}  // namespace

std::optional<std::chrono::seconds> TableReader::duration(std::string_view key, std::chrono::seconds maximum) {
  const auto text = string(key);
  if (!text) return std::nullopt;
  DurationError error;
  const auto value = parse_duration(*text, &error);
  if (!value) {
    diagnostics_.error(inside_string(where(key), error.offset),
                       "'" + std::string(key) + "' in " + context_ + ": " + error.message);
    return std::nullopt;
  }
  if (*value > maximum) {
    diagnostics_.error(where(key), "'" + std::string(key) + "' in " + context_ + " must be at most " +
                                       format_duration(maximum) + ", not " + *text);
    return std::nullopt;
  }
  return value;
}

std::optional<std::uint64_t> TableReader::byte_size(std::string_view key, std::uint64_t minimum,
                                                    std::uint64_t maximum) {
  const auto text = string(key);
  if (!text) return std::nullopt;
  ByteSizeError error;
  const auto value = parse_byte_size(*text, &error);
  if (!value) {
    diagnostics_.error(inside_string(where(key), error.offset),
                       "'" + std::string(key) + "' in " + context_ + ": " + error.message);
    return std::nullopt;
  }
  if (*value < minimum || *value > maximum) {
    diagnostics_.error(where(key), "'" + std::string(key) + "' in " + context_ + " must be from " +
                                       format_byte_size(minimum) + " to " + format_byte_size(maximum) + ", not " +
                                       *text);
    return std::nullopt;
  }
  return value;
}

std::optional<std::vector<std::string>> TableReader::string_list(std::string_view key) {
  const toml::node* node = this->node(key);
  if (node == nullptr) return std::nullopt;
  const auto* array = node->as_array();
  if (array == nullptr) {
    type_error(key, "a list of strings");
    return std::nullopt;
  }
  std::vector<std::string> out;
  bool ok = true;
  for (const toml::node& element : *array) {
    const auto* text = element.as_string();
    if (text == nullptr) {
      diagnostics_.error(location_of(element.source(), file_), "'" + std::string(key) + "' in " + context_ +
                                                                   " must hold strings only, not " +
                                                                   std::string(describe_type(element)));
      ok = false;
      continue;
    }
    auto expanded = expand_environment(text->get(), location_of(element.source(), file_), diagnostics_);
    if (expanded)
      out.push_back(std::move(*expanded));
    else
      ok = false;
  }
  if (!ok) return std::nullopt;
  return out;
}

const toml::table* TableReader::table(std::string_view key) {
  const toml::node* node = this->node(key);
  if (node == nullptr) return nullptr;
  if (const auto* table = node->as_table()) return table;
  type_error(key, "a table");
  return nullptr;
}

void TableReader::finish(const std::vector<std::string>& also_known) {
  std::vector<std::string> candidates(known_.begin(), known_.end());
  candidates.insert(candidates.end(), also_known.begin(), also_known.end());
  for (const auto& [key, value] : table_) {
    if (known_.count(key.str()) != 0) continue;
    diagnostics_.error(location_of(key.source(), file_), "unknown key '" + std::string(key.str()) + "' in " + context_ +
                                                             did_you_mean(key.str(), candidates));
  }
}

}  // namespace parcours::config
