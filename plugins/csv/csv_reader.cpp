#include "csv_reader.hpp"

#include <stdexcept>
#include <unordered_map>

namespace parcours::csv {

std::vector<Record> split_records(std::string_view text, char delimiter) {
  if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);  // a UTF-8 byte order mark (Excel writes one)
  std::vector<Record> records;
  std::size_t i = 0;
  std::size_t line = 1;
  const std::size_t n = text.size();
  while (i < n) {
    Record record;
    record.line = line;
    std::string cell;
    bool record_done = false;
    while (!record_done) {
      cell.clear();
      if (i < n && text[i] == '"') {  // a quoted field
        ++i;
        bool closed = false;
        while (i < n) {
          const char c = text[i];
          if (c == '"') {
            if (i + 1 < n && text[i + 1] == '"') {
              cell += '"';
              i += 2;
              continue;
            }
            ++i;
            closed = true;
            break;
          }
          if (c == '\n') ++line;
          cell += c;
          ++i;
        }
        if (!closed) record.unterminated = true;
        // Text between the closing quote and the delimiter is kept, as most readers do.
        while (i < n && text[i] != delimiter && text[i] != '\n' && text[i] != '\r') cell += text[i++];
      } else {
        // An unquoted field: a quote inside it is an ordinary character.
        while (i < n && text[i] != delimiter && text[i] != '\n' && text[i] != '\r') cell += text[i++];
      }
      record.cells.push_back(cell);
      if (i < n && text[i] == delimiter) {
        ++i;
        continue;
      }
      // End of the record: CRLF, LF, a lone CR, or the end of the text.
      if (i < n && text[i] == '\r') ++i;
      if (i < n && text[i] == '\n') ++i;
      ++line;
      record_done = true;
    }
    const bool blank = record.cells.size() == 1 && record.cells[0].empty() && !record.unterminated;
    if (!blank) records.push_back(std::move(record));
  }
  return records;
}

std::pair<std::shared_ptr<const source_table::Table>, source_table::LoadReport> read_table(std::string_view text,
                                                                                           char delimiter,
                                                                                           const std::string& key) {
  const auto records = split_records(text, delimiter);
  if (records.empty()) throw std::runtime_error("the file is empty: its first line must name the columns");
  const auto& header = records.front();
  if (header.unterminated) throw std::runtime_error("line 1: the header has a quoted name that is never closed");
  std::unordered_map<std::string, std::size_t> columns;
  for (std::size_t c = 0; c < header.cells.size(); ++c) {
    const auto& name = header.cells[c];
    if (name.empty())
      throw std::runtime_error("line 1: column " + std::to_string(c + 1) +
                               " of the header has no name; name every column");
    if (!columns.emplace(name, c).second)
      throw std::runtime_error("line 1: the column '" + name + "' appears twice in the header; rename one");
  }
  const auto key_column = columns.find(key);
  if (key_column == columns.end()) {
    std::string names;
    for (const auto& name : header.cells) names += (names.empty() ? "" : ", ") + name;
    throw std::runtime_error("no column is named '" + key + "' (the 'key' setting); the header has: " + names);
  }

  source_table::TableBuilder builder;
  for (std::size_t r = 1; r < records.size(); ++r) {
    const auto& record = records[r];
    const std::string where = "line " + std::to_string(record.line);
    if (record.unterminated) {
      builder.reject(where + ": a quoted field is never closed");
      continue;
    }
    if (record.cells.size() != header.cells.size()) {
      builder.reject(where + ": " + std::to_string(record.cells.size()) + " cells where the header has " +
                     std::to_string(header.cells.size()));
      continue;
    }
    nlohmann::json row = nlohmann::json::object();
    for (std::size_t c = 0; c < record.cells.size(); ++c)
      row[header.cells[c]] = source_table::typed_cell(record.cells[c]);
    // The key is the cell's text as written ("007" stays "007", "12" is "12").
    builder.add(record.cells[key_column->second], std::move(row));
  }
  return builder.finish();
}

}  // namespace parcours::csv
