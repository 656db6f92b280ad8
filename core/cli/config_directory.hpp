// Which config directory a command works on: --config DIR, else $PARCOURS_CONFIG,
// else ./config (CLI.md).
#pragma once

#include <filesystem>
#include <string>

namespace parcours::cli {

std::filesystem::path config_directory(const std::string& option_value);

}  // namespace parcours::cli
