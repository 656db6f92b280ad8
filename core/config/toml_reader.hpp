// Reading user TOML with positions. Every loader (parcours.toml, client.toml,
// journeys) goes through TableReader, so that every value is type-checked the same
// way, every `${VAR}` is expanded the same way, every unknown key gets the same
// "did you mean", and every error carries file:line:col.
//
// This header includes toml++: include it only from loader .cpp files.
#pragma once

#include <toml++/toml.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "config/diagnostics.hpp"

namespace parcours::config {

// Parses `file` (shown to the user as `display`). A syntax error is reported at its
// line and column and yields nothing; so does a file that cannot be read.
std::optional<toml::table> read_toml_file(const std::filesystem::path& file, const std::string& display,
                                          Diagnostics& diagnostics);

SourceLocation location_of(const toml::source_region& source, const std::string& file);

// "a string", "an integer", "a table"...: for "must be X, not Y" messages.
std::string_view describe_type(const toml::node& node);

// Expands ${NAME} and ${NAME:-default} from the environment. An unset NAME without a
// default, an unterminated ${, or a value with a newline is an error at `where`.
std::optional<std::string> expand_environment(std::string_view text, const SourceLocation& where,
                                              Diagnostics& diagnostics);

// A TOML value as JSON text (tables → objects, arrays → arrays, dates → ISO 8601
// strings), with ${VAR} expanded in every string. Nothing on an expansion error.
std::optional<std::string> toml_to_json(const toml::node& node, const std::string& file, Diagnostics& diagnostics);

// One TOML table of a user's file, read key by key. Each accessor marks its key as
// known; finish() then reports every key nobody asked for, with a suggestion.
class TableReader {
 public:
  // `context` names the table in messages, e.g. "[server]" or "step 3".
  TableReader(const toml::table& table, std::string file, std::string context, Diagnostics& diagnostics);

  // Each returns nothing when the key is absent (an error if `required`) or has the
  // wrong type (always an error). Strings have ${VAR} expanded.
  std::optional<std::string> string(std::string_view key, bool required = false);
  std::optional<bool> boolean(std::string_view key);
  std::optional<std::int64_t> integer(std::string_view key, std::int64_t minimum, std::int64_t maximum);
  std::optional<std::vector<std::string>> string_list(std::string_view key);
  // A duration string ("30s", "1d12h": duration.hpp) of at most `maximum`; an error
  // points at the offending character.
  std::optional<std::chrono::seconds> duration(std::string_view key,
                                               std::chrono::seconds maximum = std::chrono::seconds::max());
  // A size string ("10MiB": byte_size.hpp) from `minimum` to `maximum` bytes.
  std::optional<std::uint64_t> byte_size(std::string_view key, std::uint64_t minimum, std::uint64_t maximum);
  const toml::table* table(std::string_view key);
  const toml::node* node(std::string_view key);  // any type; marks the key as known

  bool has(std::string_view key) const;
  void mark_known(std::string_view key);

  // Reports each key not asked for, at its position: "unknown key 'x' in <context>".
  // `also_known` widens the suggestions (e.g. keys valid in other kinds of step).
  void finish(const std::vector<std::string>& also_known = {});

  SourceLocation where() const;                      // the table itself
  SourceLocation where(std::string_view key) const;  // a key's value (or the table)
  const std::string& file() const { return file_; }
  const std::string& context() const { return context_; }
  Diagnostics& diagnostics() const { return diagnostics_; }
  const toml::table& raw() const { return table_; }

  // Reports "'key' in <context> must be <expected>, not <actual>" at the key's value.
  void type_error(std::string_view key, std::string_view expected) const;

 private:
  const toml::table& table_;
  std::string file_;
  std::string context_;
  Diagnostics& diagnostics_;
  std::set<std::string, std::less<>> known_;
};

}  // namespace parcours::config
