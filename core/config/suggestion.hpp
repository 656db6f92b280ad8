// "Did you mean" suggestions for unknown keys and names: the closest candidate by
// edit distance, if it is close enough to be a plausible typo.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace parcours::config {

// The candidate closest to `word` (Damerau–Levenshtein: a swapped pair counts as one
// edit), or nothing when none is within max(2, word.size() / 3) edits — or within
// `max_edits`, when given, for callers that must only catch the likeliest typos.
std::optional<std::string> closest_match(std::string_view word, const std::vector<std::string>& candidates,
                                         std::optional<std::size_t> max_edits = std::nullopt);

// " (did you mean 'x'?)" or "" — ready to append to an error message.
std::string did_you_mean(std::string_view word, const std::vector<std::string>& candidates);

}  // namespace parcours::config
