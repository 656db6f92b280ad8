#include "config/host_config.hpp"

#include "config/suggestion.hpp"
#include "config/toml_reader.hpp"

namespace parcours::config {
namespace {

const std::vector<std::string> kLogLevels{"trace", "debug", "info", "warn", "error"};
const std::vector<std::string> kLogFormats{"text", "json"};

// Checks `value` against a closed set of words, with a suggestion when it is off.
void check_choice(TableReader& reader, std::string_view key, const std::string& value,
                  const std::vector<std::string>& choices) {
  for (const auto& choice : choices)
    if (choice == value) return;
  std::string list;
  for (const auto& choice : choices) list += (list.empty() ? "" : "|") + choice;
  reader.diagnostics().error(reader.where(key), "'" + std::string(key) + "' in " + reader.context() +
                                                    " must be one of " + list + ", not '" + value + "'" +
                                                    did_you_mean(value, choices));
}

void read_server(TableReader& top, HostConfig::Server& server) {
  const toml::table* table = top.table("server");
  if (table == nullptr) return;
  TableReader reader(*table, top.file(), "[server]", top.diagnostics());
  if (auto listen = reader.string("listen")) {
    if (listen->rfind(':') == std::string::npos)
      reader.diagnostics().error(
          reader.where("listen"),
          "'listen' in [server] must be HOST:PORT, e.g. \"127.0.0.1:8080\", not '" + *listen + "'");
    else
      server.listen = *listen;
  }
  if (auto url = reader.string("public_url")) server.public_url = *url;
  if (auto token = reader.string("admin_token")) server.admin_token = *token;
  if (auto bytes = reader.byte_size("max_body", 1024, 1ULL << 30)) server.max_body = *bytes;
  if (auto bytes = reader.byte_size("max_header", 1024, 1ULL << 20)) server.max_header = *bytes;
  constexpr std::chrono::seconds kHour{3600};
  if (auto timeout = reader.duration("idle_timeout", kHour)) server.idle_timeout = *timeout;
  if (auto timeout = reader.duration("request_timeout", kHour)) server.request_timeout = *timeout;
  if (auto backlog = reader.integer("ingest_backlog", 0, 10'000'000))
    server.ingest_backlog = static_cast<std::uint64_t>(*backlog);
  reader.finish();
}

void read_store(TableReader& top, HostConfig::Store& store) {
  const toml::table* table = top.table("store");
  if (table == nullptr) return;
  TableReader reader(*table, top.file(), "[store]", top.diagnostics());
  if (auto url = reader.string("url")) {
    if (url->rfind("sqlite://", 0) != 0 && url->rfind("postgresql://", 0) != 0)
      reader.diagnostics().error(reader.where("url"),
                                 "'url' in [store] must start with sqlite:// or postgresql://, not '" + *url + "'");
    else
      store.url = *url;
  }
  reader.finish();
}

void read_plugins(TableReader& top, const std::filesystem::path& directory, HostConfig::Plugins& plugins) {
  const toml::table* table = top.table("plugins");
  if (table == nullptr) return;
  TableReader reader(*table, top.file(), "[plugins]", top.diagnostics());
  if (auto paths = reader.string_list("paths")) {
    for (const auto& path : *paths) {
      const std::filesystem::path p(path);
      plugins.paths.push_back(p.is_absolute() ? p : directory / p);
    }
  }
  reader.finish();
}

void read_log(TableReader& top, HostConfig::Log& log) {
  const toml::table* table = top.table("log");
  if (table == nullptr) return;
  TableReader reader(*table, top.file(), "[log]", top.diagnostics());
  if (auto level = reader.string("level")) {
    check_choice(reader, "level", *level, kLogLevels);
    log.level = *level;
  }
  if (auto format = reader.string("format")) {
    check_choice(reader, "format", *format, kLogFormats);
    log.format = *format;
  }
  reader.finish();
}

}  // namespace

HostConfig load_host_config(const std::filesystem::path& directory, Diagnostics& diagnostics) {
  HostConfig config;
  config.directory = directory;
  config.file = directory / "parcours.toml";
  const std::string display = config.file.lexically_normal().string();
  if (!std::filesystem::is_regular_file(config.file)) {
    diagnostics.error({display, 0, 0}, "no parcours.toml here: is '" + directory.string() +
                                           "' a Parcours config directory? (pass --config DIR or set PARCOURS_CONFIG)");
    return config;
  }
  auto table = read_toml_file(config.file, display, diagnostics);
  if (!table) return config;
  TableReader reader(*table, display, "parcours.toml", diagnostics);
  read_server(reader, config.server);
  read_store(reader, config.store);
  read_plugins(reader, directory, config.plugins);
  read_log(reader, config.log);
  // `clients` is a folder, never a key; a table of that name is a misunderstanding.
  reader.finish();
  return config;
}

}  // namespace parcours::config
