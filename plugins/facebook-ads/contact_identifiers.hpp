// How a contact's email and phone become the identifiers Meta matches people on:
// normalised as Meta documents for Customer File Custom Audiences and the Conversions
// API ("Hashing and Normalizing Data"), then SHA-256 hashed, lower-case hex. Meta
// hashes its own users' data the same way, so a single differing character (a capital,
// a space, a '+') is a person who is never matched.
//
// Pure functions, no I/O: tests/unit/plugins/facebook-ads/ checks them against known
// digests. Nothing here logs or returns the raw identifier in an error message.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace parcours::facebook_ads {

// One identifier after normalisation: its text, or why it cannot be used.
struct Normalised {
  std::string value;
  std::string problem;  // empty when `value` can be hashed
  bool usable() const { return problem.empty(); }
};

// EMAIL: leading and trailing whitespace trimmed, lower-cased. Refused when it is not
// shaped like name@domain.tld (Meta would count it as an invalid entry anyway).
Normalised normalise_email(std::string_view raw);

// PHONE: digits only, with the country code and without a leading '+' or "00" (the
// international prefixes) or other leading zeros, e.g. "+33 6 12 34 56 78" →
// "33612345678". A number written in national form (one leading 0, no country code)
// is refused: Meta matches only numbers with their country code.
Normalised normalise_phone(std::string_view raw);

// SHA-256 of `text` (its UTF-8 bytes), as 64 lower-case hex digits (OpenSSL EVP).
std::string sha256_hex(std::string_view text);

// The hashed identifiers of one contact, from its `email` and `phone` attributes ("" when
// absent). An identifier that cannot be used is left out and its problem noted.
struct ContactKeys {
  std::string email_sha256;  // "" when the contact has no usable email
  std::string phone_sha256;  // "" when the contact has no usable phone
  std::vector<std::string> problems;

  bool empty() const { return email_sha256.empty() && phone_sha256.empty(); }
  // Why the contact cannot be matched at all, for a failed send: what is missing or
  // wrong, and what to do.
  std::string why_unusable() const;
};

ContactKeys contact_keys(std::string_view email, std::string_view phone);

}  // namespace parcours::facebook_ads
