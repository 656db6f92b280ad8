#include "config/diagnostics.hpp"

#include <algorithm>
#include <map>

namespace parcours::config {

std::string Diagnostic::text() const {
  std::string out = where.file;
  if (where.line > 0) {
    out += ':' + std::to_string(where.line);
    if (where.column > 0) out += ':' + std::to_string(where.column);
  }
  out += severity == Severity::warning ? ": warning: " : ": ";
  out += message;
  return out;
}

std::vector<Diagnostic> Diagnostics::in_reading_order() const {
  std::map<std::string, std::size_t> file_rank;
  for (const auto& item : items_) file_rank.emplace(item.where.file, file_rank.size());
  std::vector<Diagnostic> out = items_;
  std::stable_sort(out.begin(), out.end(), [&file_rank](const Diagnostic& a, const Diagnostic& b) {
    const auto ra = file_rank.at(a.where.file), rb = file_rank.at(b.where.file);
    if (ra != rb) return ra < rb;
    if (a.where.line != b.where.line) return a.where.line < b.where.line;
    return a.where.column < b.where.column;
  });
  return out;
}

void Diagnostics::error(SourceLocation where, std::string message) {
  items_.push_back({Severity::error, std::move(where), std::move(message)});
  ++errors_;
}

void Diagnostics::warning(SourceLocation where, std::string message) {
  items_.push_back({Severity::warning, std::move(where), std::move(message)});
}

}  // namespace parcours::config
