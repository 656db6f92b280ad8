// The words that name statuses in the store, in messages and in `--format json`
// timelines: one table each, read both ways.
#include <array>
#include <utility>

#include "store/store.hpp"

namespace parcours::store {
namespace {

constexpr std::array<std::pair<EnrollmentStatus, std::string_view>, 5> kEnrollmentStatuses{{
    {EnrollmentStatus::active, "active"},
    {EnrollmentStatus::waiting, "waiting"},
    {EnrollmentStatus::completed, "completed"},
    {EnrollmentStatus::exited, "exited"},
    {EnrollmentStatus::converted, "converted"},
}};

constexpr std::array<std::pair<MessageStatus, std::string_view>, 5> kMessageStatuses{{
    {MessageStatus::queued, "queued"},
    {MessageStatus::sent, "sent"},
    {MessageStatus::delivered, "delivered"},
    {MessageStatus::failed, "failed"},
    {MessageStatus::suppressed, "suppressed"},
}};

template <typename Enum, std::size_t N>
std::string_view name_of(const std::array<std::pair<Enum, std::string_view>, N>& table, Enum value) {
  for (const auto& [candidate, name] : table)
    if (candidate == value) return name;
  return "unknown";
}

template <typename Enum, std::size_t N>
std::optional<Enum> value_of(const std::array<std::pair<Enum, std::string_view>, N>& table, std::string_view text) {
  for (const auto& [value, name] : table)
    if (name == text) return value;
  return std::nullopt;
}

}  // namespace

std::string_view to_string(EnrollmentStatus status) {
  return name_of(kEnrollmentStatuses, status);
}
std::optional<EnrollmentStatus> parse_enrollment_status(std::string_view text) {
  return value_of(kEnrollmentStatuses, text);
}

std::string_view to_string(MessageStatus status) {
  return name_of(kMessageStatuses, status);
}
std::optional<MessageStatus> parse_message_status(std::string_view text) {
  return value_of(kMessageStatuses, text);
}

}  // namespace parcours::store
