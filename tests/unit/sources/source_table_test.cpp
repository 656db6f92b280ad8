// The rules every source shares (plugins/source-table), tested directly: how a cell
// of text becomes JSON, which values can be keys, and the first-row-wins table.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "source_table.hpp"

using nlohmann::json;
using parcours::source_table::key_text;
using parcours::source_table::TableBuilder;
using parcours::source_table::typed_cell;

TEST_CASE("A cell becomes a number only when written as JSON writes numbers") {
  CHECK(typed_cell("0") == 0);
  CHECK(typed_cell("-17") == -17);
  CHECK(typed_cell("12.50") == 12.5);
  CHECK(typed_cell("-0.25") == -0.25);
  CHECK(typed_cell("6.02e23") == 6.02e23);
  CHECK(typed_cell("9223372036854775807") == INT64_MAX);
  CHECK(typed_cell("9223372036854775807").is_number_integer());
  // Codes, phone numbers and what merely looks numeric stay text.
  for (const char* text : {"01234", "+33600000000", "0600000000", "+1", ".5", "1.", "1e", "0x1F", " 12", "12 ", "1,5",
                           "NaN", "Infinity", "-", "1e999", "92233720368547758070"})
    CHECK(typed_cell(text) == json(text));
  CHECK(typed_cell("") == nullptr);
  CHECK(typed_cell("true") == true);
  CHECK(typed_cell("false") == false);
  CHECK(typed_cell("True") == "True");
}

TEST_CASE("A key is a non-empty string or a whole number") {
  CHECK(key_text(json("c-1")) == "c-1");
  CHECK(key_text(json(42)) == "42");
  CHECK(key_text(json(-3)) == "-3");
  CHECK_FALSE(key_text(json("")));
  CHECK_FALSE(key_text(json(nullptr)));
  CHECK_FALSE(key_text(json(1.5)));
  CHECK_FALSE(key_text(json(true)));
  CHECK_FALSE(key_text(json::object()));
}

TEST_CASE("The first row of a key wins, and rows without one and bad rows are counted") {
  TableBuilder builder;
  builder.add("a", {{"n", 1}});
  builder.add("b", {{"n", 2}});
  builder.add("a", {{"n", 3}});
  builder.add(std::nullopt, {{"n", 4}});
  builder.add("", {{"n", 5}});
  for (int i = 0; i < 7; ++i) builder.reject("line " + std::to_string(i));
  auto [table, report] = builder.finish();
  CHECK(table->size() == 2);
  CHECK((*table->find("a"))["n"] == 1);
  CHECK(table->find("c") == nullptr);
  CHECK(report.duplicate_keys == 1);
  CHECK(report.first_duplicate == "a");
  CHECK(report.rows_without_key == 2);
  CHECK(report.bad_rows == 7);
  CHECK(report.problems.size() == TableBuilder::kProblemsKept);
  CHECK(table->scan() ==
        json::array({{{"contact", "a"}, {"data", {{"n", 1}}}}, {{"contact", "b"}, {"data", {{"n", 2}}}}}));
}
