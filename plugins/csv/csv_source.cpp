// The `csv` source: a CSV file whose rows enrich contacts (`data.<source>.*`) and
// list audiences, keyed by one column that holds the contact id.
//
// The file is checked every `refresh` period (its size, modification time and inode)
// and read again only when it changed, on the instance's refresher thread
// (plugins/source-table). A file that cannot be read — missing, unreadable, no
// header, no key column — is a failed refresh: logged, counted, and the rows last
// read stay in use. Writers should replace the file atomically (write a temporary
// file, then rename it over); a file that changes while it is read is read again.
#include <parcours/sdk.hpp>

#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <system_error>

#include "csv_reader.hpp"
#include "source_table.hpp"

#ifndef PARCOURS_CSV_PLUGIN_VERSION
#error "the build defines PARCOURS_CSV_PLUGIN_VERSION (the Parcours version)"
#endif

namespace {

using parcours::SettingError;
using parcours::source_table::LoadReport;
using parcours::source_table::Table;

// What tells that the file changed: a rename over it changes the inode, a rewrite
// in place the size or the modification time (nanoseconds).
struct FileSignature {
  dev_t device = 0;
  ino_t inode = 0;
  off_t size = 0;
  std::int64_t modified_ns = 0;
  bool operator==(const FileSignature&) const = default;
};

FileSignature signature_of(const std::filesystem::path& path) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0)
    throw std::runtime_error("cannot read " + path.string() + ": " + std::strerror(errno));
  if (!S_ISREG(info.st_mode)) throw std::runtime_error(path.string() + " is not a regular file");
  return {info.st_dev, info.st_ino, info.st_size,
          static_cast<std::int64_t>(info.st_mtim.tv_sec) * 1'000'000'000 + info.st_mtim.tv_nsec};
}

std::string read_whole(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot open " + path.string() + ": " + std::strerror(errno));
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) throw std::runtime_error("cannot read " + path.string() + ": " + std::strerror(errno));
  return std::move(text).str();
}

char delimiter_of(const parcours::Settings& settings) {
  const std::string text = settings.string("delimiter", ",");
  if (text.size() != 1 || text == "\"" || text == "\n" || text == "\r")
    throw SettingError(
        "setting 'delimiter' must be one character other than a quote or a line break, such as \",\", "
        "\";\" or \"\\t\", not \"" +
        text + "\"");
  return text[0];
}

std::filesystem::path path_of(const parcours::Settings& settings) {
  const std::string text = settings.string("path");
  if (text.empty()) throw SettingError("setting 'path' is empty: name the CSV file to read");
  // Relative to the directory the host runs in, like the `file` channel's path and the
  // store's sqlite:// url; made absolute once, so log lines name the file exactly.
  std::error_code error;
  auto path = std::filesystem::absolute(text, error).lexically_normal();
  if (error) throw SettingError("setting 'path': cannot make " + text + " absolute: " + error.message());
  if (std::filesystem::is_directory(path, error))
    throw SettingError("setting 'path' names the folder " + path.string() + ", not a CSV file");
  return path;
}

class CsvSource final : public parcours::Source {
 public:
  CsvSource(const parcours::Settings& settings, parcours::Host host)
      : path_(path_of(settings)),
        key_(settings.string("key")),
        delimiter_(delimiter_of(settings)),
        table_(host, path_.string(), settings.duration("refresh"), [this](std::stop_token) { return load(); }) {
    if (key_.empty()) throw SettingError("setting 'key' is empty: name the column that holds the contact id");
    table_.start();
  }

  std::optional<nlohmann::json> lookup(const parcours::Contact& contact) override { return table_.lookup(contact.id); }

  nlohmann::json scan() override { return table_.snapshot_for_scan()->scan(); }

 private:
  // Runs on the refresher thread only.
  std::optional<std::pair<std::shared_ptr<const Table>, LoadReport>> load() {
    FileSignature before = signature_of(path_);
    if (loaded_ && before == *loaded_) return std::nullopt;
    // A writer rewriting the file in place may be half-way through: read until two
    // checks around one read agree.
    for (int attempt = 0; attempt < 3; ++attempt) {
      std::string text = read_whole(path_);
      const FileSignature after = signature_of(path_);
      if (after == before) {
        auto result = parcours::csv::read_table(text, delimiter_, key_);
        loaded_ = after;
        return result;
      }
      before = after;
    }
    throw std::runtime_error(path_.string() +
                             " kept changing while it was read; replace it atomically (write a temporary file, then "
                             "rename it over)");
  }

  const std::filesystem::path path_;
  const std::string key_;
  const char delimiter_;
  std::optional<FileSignature> loaded_;            // refresher thread only
  parcours::source_table::RefreshingTable table_;  // last: its thread stops before the members above go
};

}  // namespace

// clang-format off
PARCOURS_PLUGIN(CsvSource,
  .id = "csv",
  .version = PARCOURS_CSV_PLUGIN_VERSION,
  .kind = parcours::Kind::source,
  .description = "Rows of a CSV file, keyed by a column holding the contact id; re-read when the file changes",
  .settings = {
    {"path", parcours::Type::string, parcours::required,
     "the CSV file (RFC 4180, a header row naming the columns); relative to the directory the host runs in"},
    {"key", parcours::Type::string, parcours::required, "the column that holds the contact id"},
    {"refresh", parcours::Type::duration, parcours::defaults_to("10s"),
     "how often the file is checked; it is read again only when it changed"},
    {"delimiter", parcours::Type::string, parcours::defaults_to(","), "the cell separator: one character, e.g. ; or \\t"},
  })
// clang-format on
