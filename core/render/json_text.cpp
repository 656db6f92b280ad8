#include "render/json_text.hpp"

#include <nlohmann/json.hpp>
#include <parcours/json_parse.hpp>
#include <parcours/json_write.hpp>

#include "render/json_string.hpp"

namespace parcours::render {

nlohmann::json parse_json(std::string_view text) {
  return json_text::parse(text);
}

nlohmann::json parse_json_or_discarded(std::string_view text) {
  return json_text::parse_or_discarded(text);
}

std::string dump_json(const nlohmann::json& value) {
  std::string out;
  json_text::append_json(out, value,
                         [](std::string& text, const std::string& string) { append_json_string(text, string); });
  return out;
}

}  // namespace parcours::render
