// The arm of a `split` a contact lands in: a stable hash of client, journey and
// contact, so the same contact always gets the same arm (A/B tests and holdouts stay
// clean across re-entries and restarts), and arms fill in proportion to their weights.
#pragma once

#include <cstdint>
#include <string_view>

#include "journey/journey.hpp"

namespace parcours::engine {

// FNV-1a, 64 bits: stable across platforms and releases, unlike std::hash.
std::uint64_t stable_hash(std::string_view client, std::string_view journey, std::string_view contact);

// Index into split.arms.
std::size_t split_arm(std::string_view client, std::string_view journey, std::string_view contact,
                      const journey::SplitStep& split);

}  // namespace parcours::engine
