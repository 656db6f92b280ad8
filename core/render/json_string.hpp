// JSON strings written without building a JSON document: for the texts a message
// carries (its HTML, its links), which nlohmann's serializer escapes at about fifty
// instructions a byte, while most of them are plain ASCII.
#pragma once

#include <string>
#include <string_view>

namespace parcours::render {

enum class InvalidUtf8 {
  fail,    // throw, as nlohmann's dump() does by default
  replace  // U+FFFD, as dump(..., error_handler_t::replace)
};

// Appends `text` to `out` as a JSON string, quotes included: the same bytes as
// nlohmann's dump() of it (ASCII is escaped here, anything else goes through nlohmann).
void append_json_string(std::string& out, std::string_view text, InvalidUtf8 invalid = InvalidUtf8::fail);

}  // namespace parcours::render
