#include "phone_number.hpp"

#include <phonenumbers/phonenumberutil.h>

#include <algorithm>
#include <cctype>

namespace parcours::phone {
namespace {

using i18n::phonenumbers::PhoneNumber;
using i18n::phonenumbers::PhoneNumberUtil;

std::string upper(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

bool digits_only(std::string_view text) {
  return !text.empty() &&
         std::all_of(text.begin(), text.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); });
}

// "FR" (or "+882" for a country code of no region), for the clauses below.
std::string plan_of(const PhoneNumberUtil& util, const PhoneNumber& number) {
  std::string region;
  util.GetRegionCodeForCountryCode(number.country_code(), &region);
  if (region.empty() || region == "ZZ" || region == "001") return "+" + std::to_string(number.country_code());
  return region;
}

}  // namespace

std::optional<std::string> known_region(std::string_view region) {
  if (region.size() != 2) return std::nullopt;
  std::string code = upper(region);
  if (PhoneNumberUtil::GetInstance()->GetCountryCodeForRegion(code) == 0) return std::nullopt;
  return code;
}

NormalisedNumber to_e164(std::string_view number, std::string_view default_region) {
  const PhoneNumberUtil& util = *PhoneNumberUtil::GetInstance();
  const auto first = number.find_first_not_of(" \t");
  if (first == std::string_view::npos) return {{}, "it is empty"};

  // "ZZ" is libphonenumber's unknown region: only an international form then parses.
  const std::string region = known_region(default_region).value_or("ZZ");
  PhoneNumber parsed;
  switch (util.Parse(std::string(number), region, &parsed)) {
    case PhoneNumberUtil::NO_PARSING_ERROR: break;
    case PhoneNumberUtil::INVALID_COUNTRY_CODE_ERROR:
      if (region == "ZZ" && number[first] != '+')
        return {{},
                "it has no country code, and there is no country to read it in: write it as +<country "
                "code><number>, or set `country` in client.toml"};
      return {{}, "it does not start with a country code in use"};
    case PhoneNumberUtil::NOT_A_NUMBER: return {{}, "it is not a phone number"};
    case PhoneNumberUtil::TOO_SHORT_AFTER_IDD:
    case PhoneNumberUtil::TOO_SHORT_NSN: return {{}, "it is too short"};
    case PhoneNumberUtil::TOO_LONG_NSN: return {{}, "it is too long"};
  }

  if (!util.IsValidNumber(parsed)) {
    switch (util.IsPossibleNumberWithReason(parsed)) {
      case PhoneNumberUtil::TOO_SHORT:
      case PhoneNumberUtil::IS_POSSIBLE_LOCAL_ONLY:
        return {{}, "it is too short for a " + plan_of(util, parsed) + " number"};
      case PhoneNumberUtil::TOO_LONG: return {{}, "it is too long for a " + plan_of(util, parsed) + " number"};
      case PhoneNumberUtil::INVALID_COUNTRY_CODE: return {{}, "it does not start with a country code in use"};
      default: return {{}, "it is in no range of the " + plan_of(util, parsed) + " numbering plan"};
    }
  }
  std::string e164;
  util.Format(parsed, PhoneNumberUtil::E164, &e164);
  return {e164, {}};
}

std::optional<std::string> sender_problem(std::string_view from) {
  if (from.empty()) return "it is empty: give an E.164 number (\"+33600000000\") or a sender id (\"Acme\")";
  if (from.front() == '+') {
    const std::string_view digits = from.substr(1);
    // E.164: a country code (never starting with 0) and at most 15 digits in all.
    if (!digits_only(digits) || digits.size() < 3 || digits.size() > 15 || digits.front() == '0')
      return "a number must be in E.164 form: '+', the country code, then the number, digits only (\"+33600000000\")";
    return std::nullopt;
  }
  if (digits_only(from)) {
    if (from.size() >= 3 && from.size() <= 8) return std::nullopt;  // a short code
    return "a number must be in E.164 form, starting with '+' and its country code (\"+33600000000\"); only short "
           "codes (3 to 8 digits) go without";
  }
  const bool has_letter =
      std::any_of(from.begin(), from.end(), [](char c) { return std::isalpha(static_cast<unsigned char>(c)); });
  const bool looks_like_a_number = std::all_of(from.begin(), from.end(), [](char c) {
    return std::isdigit(static_cast<unsigned char>(c)) || c == ' ' || c == '.' || c == '-' || c == '(' || c == ')';
  });
  if (!has_letter && looks_like_a_number)
    return "a number must be in E.164 form: '+', the country code, then the number, digits only "
           "(\"+33600000000\")";
  const bool allowed = std::all_of(from.begin(), from.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == ' ' || c == '+' || c == '-' || c == '_' || c == '&';
  });
  if (!allowed || !has_letter || from.size() > 11)
    return "a sender id is 1 to 11 letters, digits, spaces or + - _ &, with at least one letter (\"Acme Shop\")";
  return std::nullopt;
}

}  // namespace parcours::phone
