#include "sql_database.hpp"

#include <filesystem>
#include <stdexcept>
#include <system_error>
#include <unordered_map>

namespace parcours::sql {

namespace {

constexpr std::string_view kSchemes =
    "sqlite:///absolute/path.db, sqlite://relative/path.db (from the directory the host runs in) or "
    "postgresql://user:password@host/database";

}  // namespace

std::unique_ptr<Database> open_database(const std::string& url, std::chrono::milliseconds timeout) {
  if (url.starts_with("sqlite://")) {
    const std::string rest = url.substr(9);
    if (rest.empty() || rest == ":memory:")
      throw parcours::SettingError("setting 'url' names no database file: write " + std::string(kSchemes));
    std::error_code error;
    auto path = std::filesystem::absolute(rest, error).lexically_normal();
    if (error) throw parcours::SettingError("setting 'url': cannot make " + rest + " absolute: " + error.message());
    if (!path.has_filename())
      throw parcours::SettingError("setting 'url' names the folder " + path.string() + ", not a SQLite database file");
    return detail::open_sqlite(path.string(), timeout);
  }
  if (url.starts_with("postgresql://") || url.starts_with("postgres://")) return detail::open_postgresql(url, timeout);
  // The url may hold a password: name only its scheme.
  const auto scheme_end = url.find("://");
  const std::string problem =
      scheme_end == std::string::npos ? "has no scheme" : "uses the scheme " + url.substr(0, scheme_end + 3);
  throw parcours::SettingError("setting 'url' " + problem + ": the sql source reads " + std::string(kSchemes));
}

std::string redacted_postgresql_url(const std::string& url) {
  const auto scheme_end = url.find("://");
  if (scheme_end == std::string::npos) return "postgresql://";
  std::string rest = url.substr(scheme_end + 3);
  rest = rest.substr(0, rest.find('?'));  // parameters may carry password=...
  const auto at = rest.rfind('@');
  std::string authority = rest;
  std::string user;
  if (at != std::string::npos) {
    user = rest.substr(0, at);
    user = user.substr(0, user.find(':'));  // drop the password
    rest = rest.substr(at + 1);
  }
  return "postgresql://" + (user.empty() ? "" : user + "@") + rest;
}

namespace detail {

std::size_t key_column(const std::vector<std::string>& names, const std::string& key) {
  std::unordered_map<std::string, std::size_t> seen;
  for (std::size_t i = 0; i < names.size(); ++i)
    if (!seen.emplace(names[i], i).second)
      throw std::runtime_error("the query returns two columns named '" + names[i] +
                               "': give one another name with AS, since each row becomes an object");
  const auto found = seen.find(key);
  if (found == seen.end()) {
    std::string list;
    for (const auto& name : names) list += (list.empty() ? "" : ", ") + name;
    throw std::runtime_error("the query returns no column named '" + key +
                             "' (the 'key' setting); its columns: " + (list.empty() ? "none" : list));
  }
  return found->second;
}

}  // namespace detail
}  // namespace parcours::sql
