// A throw-away config directory for loader tests: files are written under a fresh
// temporary folder, removed when the object goes.
#pragma once

#include <filesystem>
#include <fstream>
#include <string>

#include "support/temp_dir.hpp"

class TemporaryConfig {
 public:
  void write(const std::string& relative, const std::string& text) const {
    const auto path = root() / relative;
    std::filesystem::create_directories(path.parent_path());
    std::ofstream(path) << text;
  }
  const std::filesystem::path& root() const { return folder_.path(); }
  // How loaders name a file of this directory in messages.
  std::string display(const std::string& relative) const { return (root() / relative).lexically_normal().string(); }

 private:
  parcours::test_support::TempDir folder_;
};
