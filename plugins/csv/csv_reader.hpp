// RFC 4180 CSV, read into the rows of a source table: the header names the columns,
// each following record is one row. Quoted fields may hold the delimiter, doubled
// quotes ("") and line breaks; lines end in LF or CRLF; a UTF-8 byte order mark at
// the start is ignored; blank lines are skipped. A record with another number of
// cells than the header, or a quoted field never closed, is rejected with its line
// number; the other rows still load.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "source_table.hpp"

namespace parcours::csv {

// Splits `text` into records of cells. Each record carries the line it starts on.
struct Record {
  std::size_t line = 0;
  std::vector<std::string> cells;
  bool unterminated = false;  // a quoted field ran to the end of the text
};
std::vector<Record> split_records(std::string_view text, char delimiter);

// Reads the whole file's text into a table keyed by the column `key`. Throws
// std::runtime_error when the text has no header, a column name repeats or is empty,
// or no column is named `key`.
std::pair<std::shared_ptr<const source_table::Table>, source_table::LoadReport> read_table(std::string_view text,
                                                                                           char delimiter,
                                                                                           const std::string& key);

}  // namespace parcours::csv
