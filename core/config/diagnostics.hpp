// Diagnostics: what `parcours validate` prints. Every problem found in a user's file
// is collected here, as `file:line:col: message`, so that validation can report every
// error instead of stopping at the first (Vector's `validate` does the same). Nothing
// here throws; loaders keep going after an error and skip only what depends on it.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace parcours::config {

// Where in a user's file a problem is. line/column are 1-based; 0 means unknown
// (the message then names only the file, or only the field).
struct SourceLocation {
  std::string file;
  int line = 0;
  int column = 0;
};

enum class Severity { error, warning };

struct Diagnostic {
  Severity severity = Severity::error;
  SourceLocation where;
  std::string message;

  // "file:line:col: message", or "file:line:col: warning: message".
  std::string text() const;
};

class Diagnostics {
 public:
  void error(SourceLocation where, std::string message);
  void warning(SourceLocation where, std::string message);

  // In the order they were found.
  const std::vector<Diagnostic>& all() const { return items_; }
  // In reading order: files in the order they were first reported on, and within a
  // file by line and column (loaders visit TOML tables in key order, not file order).
  std::vector<Diagnostic> in_reading_order() const;
  std::size_t error_count() const { return errors_; }
  bool has_errors() const { return errors_ > 0; }

 private:
  std::vector<Diagnostic> items_;
  std::size_t errors_ = 0;
};

}  // namespace parcours::config
