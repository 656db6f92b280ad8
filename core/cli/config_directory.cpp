#include "cli/config_directory.hpp"

#include <cstdlib>

namespace parcours::cli {

std::filesystem::path config_directory(const std::string& option_value) {
  if (!option_value.empty()) return option_value;
  if (const char* env = std::getenv("PARCOURS_CONFIG"); env != nullptr && *env != '\0') return env;
  return "config";
}

}  // namespace parcours::cli
