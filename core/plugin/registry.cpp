#include "plugin/registry.hpp"

#include <parcours/plugin.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "config/suggestion.hpp"
#include "plugin/library.hpp"

#ifndef PARCOURS_PLUGIN_DIR_FROM_BINDIR
#define PARCOURS_PLUGIN_DIR_FROM_BINDIR "../lib/parcours/plugins"
#endif

namespace parcours::plugin {
namespace fs = std::filesystem;

namespace {

// The host table given to instances created without one (tools, tests).
void minimal_log(void*, int32_t level, const char* message) {
  static constexpr const char* kLevels[] = {"trace", "debug", "info", "warn", "error"};
  const char* name = level >= 0 && level <= 4 ? kLevels[level] : "info";
  std::fprintf(stderr, "[plugin] [%s] %s\n", name, message ? message : "");
}
int32_t minimal_emit(void*, const char*, const char** error) {
  if (error) *error = "events cannot be emitted here (no host is running)";
  return 1;
}
int64_t minimal_now_ms(void*) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}
void minimal_metric(void*, const char*, double, const char*) {}

// No context and no sources (ABI 1.2): the plugin's wrapper reads them as absent.
const parcours_host kMinimalHost{sizeof(parcours_host), nullptr,         &minimal_log, &minimal_emit,
                                 &minimal_now_ms,       &minimal_metric, nullptr,      nullptr};

std::string failed_result(const std::string& error) {
  return nlohmann::json{{"status", "failed"}, {"error", error}}.dump(-1, ' ', false,
                                                                     nlohmann::json::error_handler_t::replace);
}

bool is_plugin_file_name(const fs::path& file) {
  return file.extension() == ".so";
}

}  // namespace

// --- Instance -------------------------------------------------------------------

Instance::Instance(std::shared_ptr<Library> library, parcours_instance* handle)
    : library_(std::move(library)), handle_(handle) {}

Instance::~Instance() {
  // destroy() runs while library_ still holds the library; the member is released
  // only after this body returns.
  if (handle_) library_->descriptor().destroy(handle_);
}

const parcours_plugin& Instance::descriptor() const {
  return library_->descriptor();
}
const std::string& Instance::plugin_id() const {
  return library_->declaration().id;
}

std::string Instance::send(const std::string& message_json) {
  const auto& d = descriptor();
  if (!d.send) return failed_result("plugin '" + plugin_id() + "' is not a channel");
  auto result = library_->take_string(d.send(handle_, message_json.c_str()));
  if (!result) return failed_result("plugin '" + plugin_id() + "' returned no result");
  return *result;
}

bool Instance::sends_async() const {
  return descriptor().send_async != nullptr;
}

namespace {
// What a send_async's done_ctx points to: the host's callback and the plugin's id (a
// null result is reported by name). Freed by the one call the plugin makes.
struct AsyncSend {
  std::function<void(std::string)> done;
  std::string plugin_id;
};

void async_send_done(void* done_ctx, const char* result_json) {
  const std::unique_ptr<AsyncSend> send(static_cast<AsyncSend*>(done_ctx));
  send->done(result_json != nullptr ? std::string(result_json)
                                    : failed_result("plugin '" + send->plugin_id + "' returned no result"));
}
}  // namespace

void Instance::send_async(const std::string& message_json, std::function<void(std::string)> done) {
  const auto& d = descriptor();
  if (!d.send_async) {
    done(send(message_json));
    return;
  }
  auto context = std::make_unique<AsyncSend>(AsyncSend{std::move(done), plugin_id()});
  // Owned by the plugin from here: freed in async_send_done.
  d.send_async(handle_, message_json.c_str(), &async_send_done, context.release());
}

void Instance::start() {
  const auto& d = descriptor();
  if (!d.start) throw std::runtime_error("plugin '" + plugin_id() + "' is not a trigger");
  if (auto error = library_->take_string(d.start(handle_)))
    throw std::runtime_error("plugin '" + plugin_id() + "' could not start: " + *error);
}

void Instance::stop() {
  if (const auto& d = descriptor(); d.stop) d.stop(handle_);
}

namespace {
// A source's answer: data, or {"$error": "..."} / NULL for a failure (plugin.h).
std::string source_answer(std::optional<std::string> answer, const std::string& id, const char* call) {
  if (!answer) throw std::runtime_error("plugin '" + id + "' " + call + "() failed without a message");
  const auto parsed = nlohmann::json::parse(*answer, nullptr, false);
  if (parsed.is_discarded())
    throw std::runtime_error("plugin '" + id + "' " + call + "() returned something that is not JSON");
  if (auto error = parsed.find("$error"); parsed.is_object() && error != parsed.end())
    throw std::runtime_error("plugin '" + id + "' " + call +
                             "() failed: " + (error->is_string() ? error->get<std::string>() : error->dump()));
  return std::move(*answer);
}
}  // namespace

std::string Instance::lookup(const std::string& contact_json) {
  const auto& d = descriptor();
  if (!d.lookup) throw std::runtime_error("plugin '" + plugin_id() + "' does not look contacts up");
  return source_answer(library_->take_string(d.lookup(handle_, contact_json.c_str())), plugin_id(), "lookup");
}

std::string Instance::scan() {
  const auto& d = descriptor();
  if (!d.scan) throw std::runtime_error("plugin '" + plugin_id() + "' does not list rows");
  return source_answer(library_->take_string(d.scan(handle_)), plugin_id(), "scan");
}

bool Instance::takes_requests() const {
  return descriptor().handle_request != nullptr;
}

std::string Instance::handle_request(const std::string& request_json) {
  const auto& d = descriptor();
  if (!d.handle_request) throw std::runtime_error("plugin '" + plugin_id() + "' takes no webhooks");
  auto answer = library_->take_string(d.handle_request(handle_, request_json.c_str()));
  return answer ? *answer : R"({"status": 500, "error": "the plugin returned nothing"})";
}

// --- Registry -------------------------------------------------------------------

fs::path Registry::builtin_directory() {
  return (running_executable().parent_path() / PARCOURS_PLUGIN_DIR_FROM_BINDIR).lexically_normal();
}

void Registry::discover_builtin() {
  const fs::path directory = builtin_directory();
  std::error_code ec;
  if (fs::is_directory(directory, ec)) scan_directory(directory);
}

void Registry::discover(const std::vector<fs::path>& directories) {
  const fs::path builtin = builtin_directory();
  for (const auto& directory : directories) {
    std::error_code ec;
    const auto status = fs::status(directory, ec);
    if (!fs::exists(status) && directory.lexically_normal() == builtin) {
      continue;  // the install's own folder, passed along with the user's: may be absent
    } else if (fs::is_directory(status)) {
      scan_directory(directory);
    } else if (fs::is_regular_file(status)) {
      load_file(directory);
    } else if (!fs::exists(status)) {
      refused_.push_back({directory, "no such folder (listed in [plugins] paths)"});
    } else {
      refused_.push_back({directory, "not a folder of plugins"});
    }
  }
}

void Registry::scan_directory(const fs::path& directory) {
  std::vector<fs::path> files;
  std::error_code ec;
  for (fs::directory_iterator it(directory, ec), end; !ec && it != end; it.increment(ec)) {
    std::error_code status_ec;
    if (is_plugin_file_name(it->path()) && it->is_regular_file(status_ec)) files.push_back(it->path());
  }
  if (ec) {
    refused_.push_back({directory, "cannot be read: " + ec.message()});
    return;
  }
  std::sort(files.begin(), files.end());
  for (const auto& file : files) load_file(file);
}

bool Registry::load_file(const fs::path& file) {
  std::error_code ec;
  const fs::path canonical = fs::weakly_canonical(file, ec);
  if (!ec && !seen_.insert(canonical).second) {
    // The same file reached twice (a folder listed twice, or the install's own
    // folder listed in paths): not a duplicate plugin, nothing to report.
    return std::find_if(plugins_.begin(), plugins_.end(), [&](const LoadedPlugin& p) {
             std::error_code e;
             return fs::weakly_canonical(p.file, e) == canonical;
           }) != plugins_.end();
  }
  try {
    auto library = Library::open(file);
    const auto& declaration = library->declaration();
    if (const auto* existing = find_plugin(declaration.id)) {
      refused_.push_back(
          {file, "plugin id '" + declaration.id + "' is already provided by " + existing->file.string()});
      return false;
    }
    plugins_.push_back({declaration, file, library->abi_major(), library->abi_minor(), std::move(library)});
    return true;
  } catch (const Refusal& refusal) {
    refused_.push_back({file, refusal.what()});
  } catch (const std::exception& e) {
    refused_.push_back({file, std::string("cannot be loaded: ") + e.what()});
  }
  return false;
}

const LoadedPlugin* Registry::find_plugin(std::string_view id) const {
  for (const auto& plugin : plugins_)
    if (plugin.declaration.id == id) return &plugin;
  return nullptr;
}

const config::PluginDeclaration* Registry::find(std::string_view id) const {
  const auto* plugin = find_plugin(id);
  return plugin ? &plugin->declaration : nullptr;
}

std::vector<std::string> Registry::ids() const {
  std::vector<std::string> out;
  out.reserve(plugins_.size());
  for (const auto& plugin : plugins_) out.push_back(plugin.declaration.id);
  return out;
}

std::optional<std::string> Registry::validate_params(std::string_view id, const std::string& params_json) const {
  const auto* plugin = find_plugin(id);
  if (!plugin) return "no plugin '" + std::string(id) + "'" + config::did_you_mean(id, ids());
  const auto& d = plugin->library->descriptor();
  if (!d.validate_params) return std::nullopt;
  return plugin->library->take_string(d.validate_params(params_json.c_str()));
}

std::unique_ptr<Instance> Registry::create(std::string_view id, const std::string& settings_json,
                                           const parcours_host* host) const {
  const auto* plugin = find_plugin(id);
  if (!plugin) throw std::runtime_error("no plugin '" + std::string(id) + "'" + config::did_you_mean(id, ids()));
  const auto& d = plugin->library->descriptor();
  char* error = nullptr;
  parcours_instance* handle = d.create(settings_json.c_str(), host ? host : &kMinimalHost, &error);
  auto message = plugin->library->take_string(error);
  if (!handle)
    throw std::runtime_error("plugin '" + std::string(id) + "' could not create an instance: " +
                             message.value_or("create() failed without saying why"));
  return std::make_unique<Instance>(plugin->library, handle);
}

LoadedPlugin inspect_file(const fs::path& file) {
  try {
    auto library = Library::open(file);
    return {library->declaration(), file, library->abi_major(), library->abi_minor(), library};
  } catch (const std::exception& e) {
    throw std::runtime_error(file.string() + ": " + e.what());
  }
}

}  // namespace parcours::plugin
