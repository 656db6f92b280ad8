// ASCII character classes without the C library's locale: the names, tokens and
// headers of mail and HTML are ASCII, and std::isalnum and std::tolower ask the
// locale for every byte (and, in some locales, accept bytes that are not ASCII).
#pragma once

namespace parcours::email {

constexpr bool ascii_alnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

constexpr char ascii_lower(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

}  // namespace parcours::email
