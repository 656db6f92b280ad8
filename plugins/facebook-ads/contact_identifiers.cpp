#include "contact_identifiers.hpp"

#include <openssl/evp.h>

#include <cctype>
#include <stdexcept>

namespace parcours::facebook_ads {
namespace {

bool is_space(char c) {
  return std::isspace(static_cast<unsigned char>(c)) != 0;
}
bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

std::string_view trimmed(std::string_view text) {
  while (!text.empty() && is_space(text.front())) text.remove_prefix(1);
  while (!text.empty() && is_space(text.back())) text.remove_suffix(1);
  return text;
}

// E.164 allows 15 digits at most, country code included; the shortest numbers in
// service with their country code have 7 or 8 (e.g. Niue, the Falklands).
constexpr std::size_t kMinPhoneDigits = 7;
constexpr std::size_t kMaxPhoneDigits = 15;

}  // namespace

Normalised normalise_email(std::string_view raw) {
  const std::string_view text = trimmed(raw);
  if (text.empty()) return {{}, "'email' is empty"};
  std::string email;
  email.reserve(text.size());
  // ASCII lower-casing: the byte-wise rule Meta's own SDKs apply; non-ASCII (UTF-8)
  // bytes are kept as they are.
  for (const char c : text) email += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));

  const auto at = email.find('@');
  const bool one_at = at != std::string::npos && email.find('@', at + 1) == std::string::npos;
  const std::string_view domain = one_at ? std::string_view(email).substr(at + 1) : std::string_view();
  const auto dot = domain.find('.');
  bool shaped = one_at && at > 0 && dot != std::string_view::npos && dot > 0 && domain.back() != '.';
  for (const char c : email)
    if (is_space(c)) shaped = false;
  if (!shaped) return {{}, "'email' is not an email address (expected name@domain.tld)"};
  return {std::move(email), {}};
}

Normalised normalise_phone(std::string_view raw) {
  const std::string_view text = trimmed(raw);
  if (text.empty()) return {{}, "'phone' is empty"};
  // Meta: "remove symbols, letters, and any leading zeros". The '+' (or the "00" that
  // stands for it) says the country code follows; without either, a number that
  // starts with a single 0 is in national form and has no country code to match on.
  // "+33 (0)6 12 34 56 78": the "(0)" is the national trunk prefix, written for
  // callers inside the country, and is not part of the international number.
  std::string written(text);
  for (auto trunk = written.find("(0)"); trunk != std::string::npos; trunk = written.find("(0)"))
    written.erase(trunk, 3);
  std::string digits;
  for (const char c : written)
    if (is_digit(c)) digits += c;
  const bool plus = text.front() == '+';
  const bool double_zero = !plus && digits.starts_with("00");
  if (!plus && !double_zero && digits.starts_with('0'))
    return {{},
            "'phone' is written without its country code (it starts with a single 0): write it as "
            "+<country code><number>, e.g. +33 6 12 34 56 78"};
  const auto first = digits.find_first_not_of('0');
  digits.erase(0, first == std::string::npos ? digits.size() : first);
  if (digits.size() < kMinPhoneDigits || digits.size() > kMaxPhoneDigits)
    return {{},
            "'phone' has " + std::to_string(digits.size()) +
                " digits after its prefix; a number with its country code has " + std::to_string(kMinPhoneDigits) +
                " to " + std::to_string(kMaxPhoneDigits)};
  return {std::move(digits), {}};
}

std::string sha256_hex(std::string_view text) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (EVP_Digest(text.data(), text.size(), digest, &length, EVP_sha256(), nullptr) != 1)
    throw std::runtime_error("OpenSSL could not compute a SHA-256 digest");
  static const char* const hex = "0123456789abcdef";
  std::string out;
  out.reserve(length * 2);
  for (unsigned int i = 0; i < length; ++i) {
    out += hex[digest[i] >> 4];
    out += hex[digest[i] & 15];
  }
  return out;
}

ContactKeys contact_keys(std::string_view email, std::string_view phone) {
  ContactKeys keys;
  if (!trimmed(email).empty()) {
    const Normalised normalised = normalise_email(email);
    if (normalised.usable())
      keys.email_sha256 = sha256_hex(normalised.value);
    else
      keys.problems.push_back(normalised.problem);
  }
  if (!trimmed(phone).empty()) {
    const Normalised normalised = normalise_phone(phone);
    if (normalised.usable())
      keys.phone_sha256 = sha256_hex(normalised.value);
    else
      keys.problems.push_back(normalised.problem);
  }
  return keys;
}

std::string ContactKeys::why_unusable() const {
  if (problems.empty())
    return "the contact has neither an 'email' nor a 'phone' attribute, so Meta cannot match it: "
           "set one of them (the phone with its country code)";
  std::string out = "the contact cannot be matched by Meta: ";
  for (std::size_t i = 0; i < problems.size(); ++i) out += (i ? "; " : "") + problems[i];
  return out;
}

}  // namespace parcours::facebook_ads
