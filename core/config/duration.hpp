// Durations as users write them: "30s", "15m", "2h", "3d", "1w", combined from the
// largest unit down ("1d12h", "1h30m"). This is the one way Parcours reads a
// duration: plugin settings of type duration, `wait`, `timeout`, `refresh` and the
// `7d` literals of the expression language all come through here.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace parcours::config {

struct DurationError {
  std::size_t offset = 0;  // 0-based offset of the offending character in the text
  std::string message;     // what was expected, e.g. "unknown unit 'x' ..."
};

// Strict: positive whole numbers, each unit at most once, largest first, no spaces,
// no sign, nothing else. "5x", "1h1d", "1.5h", "" and "0s" are errors (a zero
// duration is never what the user meant). On error returns nothing and fills `error`.
std::optional<std::chrono::seconds> parse_duration(std::string_view text, DurationError* error = nullptr);

// The canonical spelling: 129600s -> "1d12h"; 0 -> "0s".
std::string format_duration(std::chrono::seconds value);

}  // namespace parcours::config
