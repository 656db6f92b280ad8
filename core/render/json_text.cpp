#include "render/json_text.hpp"

#include <charconv>

#include <nlohmann/json.hpp>
#include <parcours/json_parse.hpp>

#include "render/json_string.hpp"

namespace parcours::render {

nlohmann::json parse_json(std::string_view text) {
  return json_text::parse(text);
}

nlohmann::json parse_json_or_discarded(std::string_view text) {
  return json_text::parse_or_discarded(text);
}

namespace {

template <typename Integer>
void append_integer(std::string& out, Integer value) {
  char digits[24];
  const auto end = std::to_chars(digits, digits + sizeof digits, value).ptr;
  out.append(digits, end);
}

void append_value(std::string& out, const nlohmann::json& value) {
  using Type = nlohmann::json::value_t;
  switch (value.type()) {
    case Type::object: {
      out += '{';
      bool first = true;
      for (const auto& [key, member] : value.get_ref<const nlohmann::json::object_t&>()) {
        if (!first) out += ',';
        first = false;
        append_json_string(out, key);
        out += ':';
        append_value(out, member);
      }
      out += '}';
      return;
    }
    case Type::array: {
      out += '[';
      bool first = true;
      for (const auto& item : value.get_ref<const nlohmann::json::array_t&>()) {
        if (!first) out += ',';
        first = false;
        append_value(out, item);
      }
      out += ']';
      return;
    }
    case Type::string: append_json_string(out, value.get_ref<const std::string&>()); return;
    case Type::number_integer: append_integer(out, value.get<std::int64_t>()); return;
    case Type::number_unsigned: append_integer(out, value.get<std::uint64_t>()); return;
    case Type::boolean: out += value.get<bool>() ? "true" : "false"; return;
    case Type::null: out += "null"; return;
    default:  // doubles (nlohmann's shortest round-trip form), binary, discarded
      out += value.dump();
      return;
  }
}

}  // namespace

std::string dump_json(const nlohmann::json& value) {
  std::string out;
  append_value(out, value);
  return out;
}

}  // namespace parcours::render
