// The plugin registry: finds plugin libraries, checks them before trusting them, and
// creates instances. It is the only part of the host that opens a shared library.
//
// Discovery: the install's own plugin folder (<prefix>/lib/parcours/plugins, found
// from the running executable's location) plus the folders of `[plugins] paths`.
// Every *.so there is inspected without running it (boost::dll::library_info); a file
// that does not export parcours_plugin_entry, was built for another ABI, returns a
// null or malformed descriptor, or repeats an id already loaded is *refused*: it is
// listed with the reason and otherwise ignored. It never crashes the host.
//
// Lifetime: each library stays loaded while the registry or any instance created
// from it is alive (instances hold a shared reference to their library).
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/plugin_declaration.hpp"

struct parcours_plugin;
struct parcours_host;
struct parcours_instance;

namespace parcours::plugin {

class Library;  // a loaded shared library and its descriptor (library.hpp)

struct LoadedPlugin {
  config::PluginDeclaration declaration;
  std::filesystem::path file;
  int abi_major = 0;
  int abi_minor = 0;
  std::shared_ptr<Library> library;
};

struct RefusedFile {
  std::filesystem::path file;
  std::string reason;  // e.g. "built for plugin ABI 2.0, this host speaks 1.0"
};

// A live plugin instance. Destroying it calls the plugin's destroy(); the library
// is released only after that.
class Instance {
 public:
  Instance(std::shared_ptr<Library> library, parcours_instance* handle);
  ~Instance();
  Instance(const Instance&) = delete;
  Instance& operator=(const Instance&) = delete;

  // Channels: hands the message (JSON) to the plugin; returns its result JSON. A
  // plugin that returns nothing reads as {"status":"failed", ...}.
  std::string send(const std::string& message_json);

  const parcours_plugin& descriptor() const;

 private:
  std::shared_ptr<Library> library_;
  parcours_instance* handle_;
};

class Registry : public config::PluginCatalog {
 public:
  // The install's own plugin folder: <dir of the executable>/../lib/parcours/plugins.
  static std::filesystem::path builtin_directory();

  // Scans `directories` in order (missing folders are skipped silently, except the
  // ones the user listed, which are refused with a reason).
  void discover(const std::vector<std::filesystem::path>& directories);
  // Loads one file; returns false (and records why under refused()) when refused.
  bool load_file(const std::filesystem::path& file);

  const std::vector<LoadedPlugin>& plugins() const { return plugins_; }
  const std::vector<RefusedFile>& refused() const { return refused_; }
  const LoadedPlugin* find_plugin(std::string_view id) const;

  // config::PluginCatalog
  const config::PluginDeclaration* find(std::string_view id) const override;
  std::vector<std::string> ids() const override;
  std::optional<std::string> validate_params(std::string_view id,
                                             const std::string& params_json) const override;

  // Creates an instance of plugin `id` from its complete settings (JSON object,
  // defaults applied). Throws std::runtime_error with the plugin's own message
  // when create() fails or throws.
  std::unique_ptr<Instance> create(std::string_view id, const std::string& settings_json,
                                   const parcours_host* host) const;

 private:
  std::vector<LoadedPlugin> plugins_;
  std::vector<RefusedFile> refused_;
};

// Reads a plugin file's declaration without keeping it in a registry (for
// `parcours plugins inspect PATH`). Throws std::runtime_error with the refusal reason.
LoadedPlugin inspect_file(const std::filesystem::path& file);

}  // namespace parcours::plugin
