// JSON text written from an nlohmann::json exactly as its compact dump() writes it,
// without setting up nlohmann's serializer (a locale lookup and a buffer each time):
// the host and the SDK write small documents for every message sent. Objects come out
// in their own (sorted) order, integers through std::to_chars, strings through the
// caller's `append_string` (which escapes them as dump() does, and says what invalid
// UTF-8 becomes), and floating-point numbers through nlohmann's own algorithm.
#pragma once

#include <charconv>
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

namespace parcours::json_text {

template <typename AppendString>
void append_json(std::string& out, const nlohmann::json& value, const AppendString& append_string) {
  using Type = nlohmann::json::value_t;
  const auto append_integer = [&out](auto number) {
    char digits[24];
    out.append(digits, std::to_chars(digits, digits + sizeof digits, number).ptr);
  };
  switch (value.type()) {
    case Type::object: {
      out += '{';
      bool first = true;
      for (const auto& [name, member] : value.get_ref<const nlohmann::json::object_t&>()) {
        if (!first) out += ',';
        first = false;
        append_string(out, name);
        out += ':';
        append_json(out, member, append_string);
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
        append_json(out, item, append_string);
      }
      out += ']';
      return;
    }
    case Type::string: append_string(out, value.get_ref<const std::string&>()); return;
    case Type::number_integer: append_integer(value.get<std::int64_t>()); return;
    case Type::number_unsigned: append_integer(value.get<std::uint64_t>()); return;
    case Type::boolean: out += value.get<bool>() ? "true" : "false"; return;
    case Type::null: out += "null"; return;
    default: out += value.dump(); return;  // floating point (its shortest round-trip form), binary, discarded
  }
}

}  // namespace parcours::json_text
