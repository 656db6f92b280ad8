// Where the test plugins are (tests/plugins/CMakeLists.txt builds them), and small
// helpers shared by the loader's tests.
#pragma once

#include <chrono>
#include <filesystem>
#include <random>
#include <string>

namespace parcours::plugin::test {

// <build>/tests/plugins: one folder per case.
inline std::filesystem::path fixture_dir(const std::string& name) {
  return std::filesystem::path(PARCOURS_TEST_PLUGIN_DIR) / name;
}

// <build>/lib/parcours/plugins/parcours-file.so
inline std::filesystem::path file_plugin() {
  return PARCOURS_FILE_PLUGIN;
}

// A fresh, empty folder under the system's temp folder, removed at scope exit.
class TempDir {
 public:
  TempDir() {
    std::random_device random;
    path_ = std::filesystem::temp_directory_path() /
            ("parcours-test-" + std::to_string(random()) + "-" +
             std::to_string(std::chrono::steady_clock::now().time_since_epoch().count()));
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

}  // namespace parcours::plugin::test
