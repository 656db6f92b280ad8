// Phone numbers for the channels that reach people by number (sms, and facebook-ads,
// which matches audiences on them): a contact's number as people write it
// ("06 12 34 56 78", "+33 6 12 34 56 78", "0033612345678") brought to E.164
// ("+33612345678") with Google's libphonenumber, and the check of the sender a channel
// sends from.
//
// A number written without its country code is read in a default region, which the
// caller gives (the plugin passes the contact's own `country`, else the client's). A
// number that libphonenumber does not hold valid for its country — too short, too long,
// or in a range no operator uses — is refused here, so that no request is spent on it.
// Validity follows the metadata of the libphonenumber the system has (Debian bookworm:
// 8.12).
//
// Pure computation, a static library linked by those plugins and by the unit tests
// (tests/unit/plugins/sms/). libphonenumber is thread-safe; so is everything here.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace parcours::phone {

// A number in E.164, or why it is not a valid one.
struct NormalisedNumber {
  std::string e164;     // "+33612345678" when valid, else ""
  std::string problem;  // "" when valid, else a clause such as "too short for a FR number"
  bool valid() const noexcept { return problem.empty(); }
};

// `number` in E.164. `default_region` is an ISO 3166 alpha-2 code ("FR") in which a
// number without its country code is read, or "" when there is none (then only
// numbers written with +country code, or 00 and a country code, are accepted).
NormalisedNumber to_e164(std::string_view number, std::string_view default_region);

// `region` in capitals ("fr" → "FR") when libphonenumber knows it as a region, else
// nothing ("XX", "France", "").
std::optional<std::string> known_region(std::string_view region);

// Why `from` cannot be the sender of a message, or nothing when it can: an E.164 number
// ("+33600000000"), a short code (3 to 8 digits) or an alphanumeric sender id (1 to 11
// letters, digits, spaces, + - _ &, with at least one letter: Twilio's rule).
std::optional<std::string> sender_problem(std::string_view from);

}  // namespace parcours::phone
