// One plugin library, opened and checked — the only place in the host that touches
// Boost.DLL (library.cpp). Opening a file goes through every check a user may need
// explained, in this order, and stops at the first that fails:
//   1. it is an ELF shared library (read from its header, nothing is run);
//   2. it exports parcours_plugin_entry (boost::dll::library_info: still nothing run);
//   3. dlopen succeeds with RTLD_NOW (so a missing symbol fails here, with dlerror's
//      text, and not as a crash at first call);
//   4. the entry returns a descriptor of an ABI this host speaks, large enough;
//   5. the descriptor is well formed (descriptor.hpp).
#pragma once

#include <parcours/plugin.h>

#include <filesystem>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>

#include "config/plugin_declaration.hpp"

namespace parcours::plugin {

// Why a file is not loaded. what() is the reason as the user reads it, without the
// file name (the caller shows the file beside it).
class Refusal : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class Library {
 public:
  // Opens and checks `file` (steps 1–5 above). Throws Refusal with the reason.
  static std::shared_ptr<Library> open(const std::filesystem::path& file);

  ~Library();
  Library(const Library&) = delete;
  Library& operator=(const Library&) = delete;

  const std::filesystem::path& file() const { return file_; }
  // The plugin's descriptor, copied into a host-sized, zeroed struct: a callback
  // an older plugin does not know about is NULL. Its strings point into the
  // library, so they live as long as this object.
  const parcours_plugin& descriptor() const { return descriptor_; }
  const config::PluginDeclaration& declaration() const { return declaration_; }
  // The ABI version the plugin was built for.
  int abi_major() const { return abi_major_; }
  int abi_minor() const { return abi_minor_; }

  // Copies a string the plugin returned and frees it with the plugin's free_string.
  // Null gives nothing.
  std::optional<std::string> take_string(char* text) const;

 private:
  struct Handle;  // the boost::dll::shared_library, kept out of this header
  explicit Library(std::filesystem::path file);

  std::filesystem::path file_;
  std::unique_ptr<Handle> handle_;
  parcours_plugin descriptor_{};
  config::PluginDeclaration declaration_;
  int abi_major_ = 0;
  int abi_minor_ = 0;
};

// The running executable's path (boost::dll::program_location()).
std::filesystem::path running_executable();

}  // namespace parcours::plugin
