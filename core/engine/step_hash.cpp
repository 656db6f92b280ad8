#include "engine/step_hash.hpp"

namespace parcours::engine {

std::uint64_t stable_hash(std::string_view client, std::string_view journey, std::string_view contact) {
  std::uint64_t hash = 14695981039346656037ull;
  const auto mix = [&hash](std::string_view part) {
    for (unsigned char c : part) {
      hash ^= c;
      hash *= 1099511628211ull;
    }
    hash ^= 0xff;  // a separator no UTF-8 text contains, so ("ab","c") != ("a","bc")
    hash *= 1099511628211ull;
  };
  mix(client);
  mix(journey);
  mix(contact);
  return hash;
}

std::size_t split_arm(std::string_view client, std::string_view journey, std::string_view contact,
                      const journey::SplitStep& split) {
  std::uint64_t total = 0;
  for (const auto& arm : split.arms) total += static_cast<std::uint64_t>(arm.weight);
  if (total == 0) return 0;
  std::uint64_t point = stable_hash(client, journey, contact) % total;
  for (std::size_t i = 0; i < split.arms.size(); ++i) {
    const auto weight = static_cast<std::uint64_t>(split.arms[i].weight);
    if (point < weight) return i;
    point -= weight;
  }
  return split.arms.size() - 1;
}

}  // namespace parcours::engine
