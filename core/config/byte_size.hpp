// Sizes as users write them: "10MiB", "16KiB", "512B", "1GB". The one way Parcours
// reads a size in bytes (the server's body and header limits).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace parcours::config {

struct ByteSizeError {
  std::size_t offset = 0;  // 0-based offset of the offending character in the text
  std::string message;     // what was expected
};

// A positive whole number followed by a unit: B; KiB, MiB, GiB (powers of 1024); KB,
// MB, GB (powers of 1000, `kB` too). No spaces, no fractions, no sign; a number without
// a unit is refused (is "10" ten bytes or ten megabytes?). On error returns nothing and
// fills `error`.
std::optional<std::uint64_t> parse_byte_size(std::string_view text, ByteSizeError* error = nullptr);

// The shortest exact spelling: 10485760 -> "10MiB", 1500 -> "1500B".
std::string format_byte_size(std::uint64_t bytes);

}  // namespace parcours::config
