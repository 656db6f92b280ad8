// A throw-away config directory for loader tests: files are written under a fresh
// temporary folder, removed when the object goes.
#pragma once

#include <filesystem>
#include <fstream>
#include <random>
#include <string>

class TemporaryConfig {
 public:
  TemporaryConfig() {
    std::random_device random;
    root_ = std::filesystem::temp_directory_path() / ("parcours-test-" + std::to_string(random()));
    std::filesystem::create_directories(root_);
  }
  ~TemporaryConfig() {
    std::error_code ignored;
    std::filesystem::remove_all(root_, ignored);
  }
  TemporaryConfig(const TemporaryConfig&) = delete;
  TemporaryConfig& operator=(const TemporaryConfig&) = delete;

  void write(const std::string& relative, const std::string& text) const {
    const auto path = root_ / relative;
    std::filesystem::create_directories(path.parent_path());
    std::ofstream(path) << text;
  }
  const std::filesystem::path& root() const { return root_; }
  // How loaders name a file of this directory in messages.
  std::string display(const std::string& relative) const { return (root_ / relative).lexically_normal().string(); }

 private:
  std::filesystem::path root_;
};
