// core/config/ turns what users write (parcours.toml, clients/<id>/client.toml) into
// typed models, and reports every problem as file:line:col with a suggestion
// (diagnostics.hpp). It is the bottom of the host: it reads files and the
// environment, never loads a plugin (it sees plugins only as declarations, through
// PluginCatalog) and never starts anything. The CLI calls it; so will the engine.
// Journeys are read by core/journey/, with the same TableReader.
//
// This file: parcours.toml, the host's own settings (CONFIG.md, "parcours.toml").
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "config/diagnostics.hpp"

namespace parcours::config {

struct HostConfig {
  std::filesystem::path directory;  // the config directory, as the user named it
  std::filesystem::path file;       // directory / "parcours.toml"

  struct Server {
    std::string listen = "127.0.0.1:8080";
    std::string public_url = "http://localhost:8080";
    std::string admin_token;  // empty: admin routes refuse every request
    // HTTP limits (docs/operations.md). The server's own defaults; read at start only.
    std::uint64_t max_body = 10 * 1024 * 1024;  // 413 above it
    std::uint64_t max_header = 16 * 1024;       // 431 above it
    std::chrono::seconds idle_timeout{30};      // a connection with no request for this long is closed
    std::chrono::seconds request_timeout{30};   // from a request's first byte to its last
    // Events waiting for the ingest thread above which new batches are stored first and
    // applied just after, in order (host/ingest_queue.hpp); 0: always.
    std::uint64_t ingest_backlog = 1000;
  } server;

  struct Store {
    std::string url = "sqlite://var/parcours.db";
  } store;

  struct Plugins {
    // Extra folders searched for *.so, resolved against `directory`. The install's
    // own plugin folder is always searched too (core/plugin/ finds it).
    std::vector<std::filesystem::path> paths;
  } plugins;

  struct Log {
    std::string level = "info";   // trace|debug|info|warn|error
    std::string format = "text";  // text|json
  } log;
};

// Reads <directory>/parcours.toml. A missing file is an error (the directory is
// probably not a Parcours config). Problems go to `diagnostics`; the result holds
// every value that could be read, defaults for the rest.
HostConfig load_host_config(const std::filesystem::path& directory, Diagnostics& diagnostics);

}  // namespace parcours::config
