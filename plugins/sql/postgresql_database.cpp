// PostgreSQL, for the `sql` source, through libpqxx 6.4: a connection per run (its
// connect_timeout from `timeout` unless the url sets one), the query in a READ ONLY
// transaction with statement_timeout set to `timeout`, and a cancel request sent to
// the server when the host stops the source in the middle of the query.
#include <pqxx/pqxx>

#include <algorithm>
#include <stdexcept>
#include <string>

#include "sql_database.hpp"

namespace parcours::sql::detail {
namespace {

using nlohmann::json;

// Type OIDs of pg_type (stable since PostgreSQL 7; src/include/catalog/pg_type.dat).
constexpr pqxx::oid kBool = 16;
constexpr pqxx::oid kInt8 = 20;
constexpr pqxx::oid kInt2 = 21;
constexpr pqxx::oid kInt4 = 23;
constexpr pqxx::oid kOid = 26;
constexpr pqxx::oid kJson = 114;
constexpr pqxx::oid kFloat4 = 700;
constexpr pqxx::oid kFloat8 = 701;
constexpr pqxx::oid kNumeric = 1700;
constexpr pqxx::oid kJsonb = 3802;

json cell(const pqxx::field& field, pqxx::oid type) {
  if (field.is_null()) return nullptr;
  const std::string text(field.c_str(), field.size());
  switch (type) {
    case kBool: return text == "t";
    case kInt2:
    case kInt4:
    case kInt8:
    case kOid:
    case kFloat4:
    case kFloat8:
    case kNumeric:
      // "NaN", "Infinity" and numerics beyond a double's range stay text.
      if (auto number = source_table::canonical_number(text)) return std::move(*number);
      return text;
    case kJson:
    case kJsonb: {
      auto value = json::parse(text, nullptr, false);
      return value.is_discarded() ? json(text) : value;
    }
    default: return text;
  }
}

class PostgresqlDatabase final : public Database {
 public:
  PostgresqlDatabase(std::string url, std::chrono::milliseconds timeout)
      : url_(std::move(url)), described_(redacted_postgresql_url(url_)), timeout_(timeout) {
    if (url_.find("connect_timeout=") == std::string::npos) {
      // libpq counts whole seconds and takes 2 as its least.
      const auto seconds = std::max<std::int64_t>(2, (timeout_.count() + 999) / 1000);
      url_ +=
          (url_.find('?') == std::string::npos ? "?" : "&") + std::string("connect_timeout=") + std::to_string(seconds);
    }
  }

  std::string describe() const override { return "the PostgreSQL database " + described_; }

  std::optional<std::pair<std::shared_ptr<const source_table::Table>, source_table::LoadReport>> load(
      const std::string& query, const std::string& key, std::stop_token stop) override {
    if (stop.stop_requested()) return std::nullopt;
    try {
      pqxx::connection connection(url_);
      // Declared after the connection, so it is gone (and any cancel it sent is done)
      // before the connection closes.
      const std::stop_callback cancel(stop, [&connection] {
        try {
          connection.cancel_query();
        } catch (...) {  // the run ends anyway: the stop is already requested
        }
      });
      pqxx::read_transaction transaction(connection);
      transaction.exec("SET LOCAL statement_timeout = " + std::to_string(timeout_.count()));
      const pqxx::result result = transaction.exec(query);

      const auto count = static_cast<std::size_t>(result.columns());
      std::vector<std::string> names;
      std::vector<pqxx::oid> types;
      for (std::size_t c = 0; c < count; ++c) {
        names.emplace_back(result.column_name(static_cast<pqxx::row_size_type>(c)));
        types.push_back(result.column_type(static_cast<pqxx::row_size_type>(c)));
      }
      const std::size_t key_index = key_column(names, key);

      source_table::TableBuilder builder;
      for (const auto& record : result) {
        json row = json::object();
        for (std::size_t c = 0; c < count; ++c)
          row[names[c]] = cell(record[static_cast<pqxx::row_size_type>(c)], types[c]);
        auto row_key = source_table::key_text(row[names[key_index]]);
        builder.add(std::move(row_key), std::move(row));
      }
      return builder.finish();
    } catch (const pqxx::sql_error& error) {
      // The server's own message ("relation ... does not exist", "canceling statement
      // due to statement timeout"); the query is in the config, not repeated here.
      throw std::runtime_error("the query failed on " + described_ + ": " + trimmed(error.what()));
    } catch (const pqxx::broken_connection& error) {
      throw std::runtime_error("cannot connect to " + described_ + ": " + trimmed(error.what()));
    } catch (const pqxx::failure& error) {
      throw std::runtime_error("reading " + described_ + " failed: " + trimmed(error.what()));
    }
  }

 private:
  // libpq ends its messages with a newline.
  static std::string trimmed(std::string text) {
    while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
    for (char& c : text)
      if (c == '\n') c = ' ';
    return text;
  }

  std::string url_;
  const std::string described_;
  const std::chrono::milliseconds timeout_;
};

}  // namespace

std::unique_ptr<Database> open_postgresql(const std::string& url, std::chrono::milliseconds timeout) {
  return std::make_unique<PostgresqlDatabase>(url, timeout);
}

}  // namespace parcours::sql::detail
