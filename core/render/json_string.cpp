#include "render/json_string.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>

namespace parcours::render {

void append_json_string(std::string& out, std::string_view text, InvalidUtf8 invalid) {
  if (std::any_of(text.begin(), text.end(), [](char c) { return static_cast<unsigned char>(c) >= 0x80; })) {
    // UTF-8 to check (and maybe replace): nlohmann's own work.
    out += nlohmann::json(std::string(text))
               .dump(-1, ' ', false,
                     invalid == InvalidUtf8::replace ? nlohmann::json::error_handler_t::replace
                                                     : nlohmann::json::error_handler_t::strict);
    return;
  }
  static const char* const hex = "0123456789abcdef";
  out.reserve(out.size() + text.size() + 2);
  out += '"';
  std::size_t plain = 0;  // start of the run of bytes copied as they are
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out.append(text.data() + plain, i - plain);
    plain = i + 1;
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:  // the other control characters, as nlohmann writes them: \u00XX
        out += "\\u00";
        out += hex[c >> 4];
        out += hex[c & 15];
    }
  }
  out.append(text.data() + plain, text.size() - plain);
  out += '"';
}

}  // namespace parcours::render
