// JSON text to and from nlohmann::json, with nlohmann's results and errors but not
// its speed: the host parses and writes a few documents for every message (events,
// contacts, parameters, what channels answer), and nlohmann's parser and serializer
// take about 100 and 50 instructions a byte.
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json_fwd.hpp>

namespace parcours::render {

// nlohmann::json::parse(text), through simdjson (parcours/json_parse.hpp): the same
// document, and nlohmann's parse_error for text that is not JSON.
nlohmann::json parse_json(std::string_view text);

// nlohmann::json::parse(text, nullptr, false): a discarded value for text that is not JSON.
nlohmann::json parse_json_or_discarded(std::string_view text);

// value.dump(): the same bytes, strings escaped by append_json_string; throws
// nlohmann's type_error on invalid UTF-8, as dump() does.
std::string dump_json(const nlohmann::json& value);

}  // namespace parcours::render
