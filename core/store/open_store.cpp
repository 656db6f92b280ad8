// `[store] url` → a Store. Only SQLite is built in for now; the url names the file.
#include <filesystem>
#include <memory>
#include <string>
#include <system_error>

#include "store/sqlite_store.hpp"
#include "store/store.hpp"

namespace parcours::store {
namespace {

constexpr std::string_view kSqliteScheme = "sqlite://";
constexpr std::string_view kSupported =
    "this build of parcours supports sqlite://relative/path (relative to the config folder), "
    "sqlite:///absolute/path and sqlite://:memory:";

}  // namespace

std::unique_ptr<Store> open_store(std::string_view url, const std::string& base) {
  const std::string quoted = "store url '" + std::string(url) + "'";
  if (!url.starts_with(kSqliteScheme)) {
    const auto scheme_end = url.find("://");
    const std::string problem = scheme_end == std::string_view::npos
                                    ? " has no scheme"
                                    : " uses the scheme " + std::string(url.substr(0, scheme_end + 3));
    throw StoreError(quoted + problem + ": " + std::string(kSupported));
  }
  const std::string_view rest = url.substr(kSqliteScheme.size());
  if (rest.empty()) throw StoreError(quoted + " names no database file: " + std::string(kSupported));
  if (rest == ":memory:") return std::make_unique<SqliteStore>(":memory:");

  std::filesystem::path path(rest);
  if (path.is_relative()) path = std::filesystem::path(base) / path;
  path = path.lexically_normal();
  if (!path.has_filename())
    throw StoreError(quoted + " names a folder, not a database file: " + std::string(kSupported));
  if (path.has_parent_path()) {
    std::error_code error;
    std::filesystem::create_directories(path.parent_path(), error);
    if (error)
      throw StoreError(quoted + ": cannot create the folder " + path.parent_path().string() + ": " + error.message());
  }
  return std::make_unique<SqliteStore>(path.string());
}

}  // namespace parcours::store
