// Where the test plugins are (tests/plugins/CMakeLists.txt builds them), and small
// helpers shared by the loader's tests.
#pragma once

#include <chrono>
#include <filesystem>
#include <random>
#include <string>

#include "support/temp_dir.hpp"

namespace parcours::plugin::test {

// <build>/tests/plugins: one folder per case.
inline std::filesystem::path fixture_dir(const std::string& name) {
  return std::filesystem::path(PARCOURS_TEST_PLUGIN_DIR) / name;
}

// <build>/lib/parcours/plugins/parcours-file.so
inline std::filesystem::path file_plugin() {
  return PARCOURS_FILE_PLUGIN;
}

using test_support::TempDir;

}  // namespace parcours::plugin::test
