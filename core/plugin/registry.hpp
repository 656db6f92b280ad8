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
//
// It must never let a plugin take the host down: nothing from a plugin (strings,
// callbacks) outlives its library, and every failure comes back as a refusal or a
// std::runtime_error with the plugin's message. Callers: the CLI (`parcours plugins`,
// `validate`, `run`), through PluginCatalog the config checker, and the dispatcher
// through Instance. Boost.DLL stays inside library.cpp.
#pragma once

#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <set>
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
  std::string reason;  // e.g. "built for plugin ABI 2.0; this host speaks 1.0 (...)"
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
  // plugin that returns nothing reads as {"status":"failed", ...}. Thread-safe as
  // far as the plugin's send() is (plugin.h requires it).
  std::string send(const std::string& message_json);
  // Channels (ABI 1.4): whether the plugin sends without holding the caller's thread,
  // and that send. `done` gets the result JSON (as send() returns it) exactly once,
  // from any thread, maybe before send_async returns; it must not throw. Without the
  // plugin's send_async, sends with send() and calls `done` here.
  bool sends_async() const;
  void send_async(const std::string& message_json, std::function<void(std::string result_json)> done);

  // Triggers: starts producing events; throws std::runtime_error with the plugin's
  // message when it cannot. stop() returns when no emit is in flight.
  void start();
  void stop();

  // Sources: the attributes of one contact ({"id", "attributes"}) as a JSON object,
  // or "null"; every row as a JSON array. Throw std::runtime_error with the
  // plugin's message on failure, or when the source does not offer the call.
  std::string lookup(const std::string& contact_json);
  std::string scan();

  // Webhook triggers (ABI 1.1): whether the plugin takes requests, and its answer to
  // one (plugin.h, handle_request). Thread-safe as far as the plugin is.
  bool takes_requests() const;
  std::string handle_request(const std::string& request_json);

  const parcours_plugin& descriptor() const;
  // The plugin's id, for log lines and messages.
  const std::string& plugin_id() const;

 private:
  std::shared_ptr<Library> library_;
  parcours_instance* handle_;
};

class Registry : public config::PluginCatalog {
 public:
  // The install's own plugin folder: <dir of the executable>/../lib/parcours/plugins.
  static std::filesystem::path builtin_directory();

  // Scans builtin_directory(); a missing folder is skipped silently (a host built
  // without plugins is still a host).
  void discover_builtin();
  // Scans the folders the user listed (`[plugins] paths`), in order; each folder's
  // *.so in file-name order. A missing folder is refused with a reason; a listed
  // file (not a folder) is loaded as is. A file already loaded (the same file reached
  // twice) is skipped. builtin_directory() may be listed too; it is never refused.
  void discover(const std::vector<std::filesystem::path>& directories);
  // Loads one file; returns false (and records why under refused()) when refused.
  bool load_file(const std::filesystem::path& file);

  const std::vector<LoadedPlugin>& plugins() const { return plugins_; }
  const std::vector<RefusedFile>& refused() const { return refused_; }
  const LoadedPlugin* find_plugin(std::string_view id) const;

  // config::PluginCatalog
  const config::PluginDeclaration* find(std::string_view id) const override;
  std::vector<std::string> ids() const override;
  std::optional<std::string> validate_params(std::string_view id, const std::string& params_json) const override;

  // Creates an instance of plugin `id` from its complete settings (JSON object,
  // defaults applied). `host` must outlive the instance; null gives the instance a
  // minimal host (logs to stderr, the system clock, no events, no metrics). Throws
  // std::runtime_error naming the plugin and with its own message when there is no
  // such plugin or create() fails or throws.
  std::unique_ptr<Instance> create(std::string_view id, const std::string& settings_json,
                                   const parcours_host* host) const;

 private:
  void scan_directory(const std::filesystem::path& directory);

  std::vector<LoadedPlugin> plugins_;
  std::vector<RefusedFile> refused_;
  std::set<std::filesystem::path> seen_;  // canonical paths of files already tried
};

// Reads a plugin file's declaration without keeping it in a registry (for
// `parcours plugins inspect PATH`). Throws std::runtime_error with "<file>: <reason>"
// when the file is refused.
LoadedPlugin inspect_file(const std::filesystem::path& file);

}  // namespace parcours::plugin
