// The `http-json` source: a JSON document fetched over HTTP(S) every `refresh`
// period — a CRM's or a booking tool's export API — whose array of row objects (at
// the JSON Pointer `rows`) enriches contacts and lists audiences, keyed by a field of
// each row that holds the contact id.
//
// The fetch runs on the instance's refresher thread (plugins/source-table) with
// libcurl: GET with the configured headers, redirects followed (http and https only),
// compressed answers accepted, at most `timeout` per request, conditional
// (If-None-Match / If-Modified-Since) once a version is loaded, so that a server
// answering 304 costs nothing. Anything else than a 2xx JSON answer with an array at
// `rows` is a failed refresh: logged with the status and the start of the body,
// counted, and the rows last loaded stay in use.
//
// Header values (tokens) are never logged; log lines name the url without its query
// string or user information, which may carry credentials too.
#include <curl/curl.h>
#include <parcours/sdk.hpp>

#include <cctype>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "source_table.hpp"

#ifndef PARCOURS_HTTP_JSON_PLUGIN_VERSION
#error "the build defines PARCOURS_HTTP_JSON_PLUGIN_VERSION (the Parcours version)"
#endif

namespace {

using nlohmann::json;
using parcours::SettingError;
using parcours::source_table::LoadReport;
using parcours::source_table::Table;

// Larger answers are refused rather than exhausting the host's memory.
constexpr std::size_t kMaxBody = 256u << 20;

std::string lower(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

std::string checked_url(const parcours::Settings& settings) {
  std::string url = settings.string("url");
  const std::string scheme = lower(url.substr(0, url.find("://") == std::string::npos ? 0 : url.find("://") + 3));
  if (scheme != "http://" && scheme != "https://")
    throw SettingError("setting 'url' must start with http:// or https://, not '" +
                       (scheme.empty() ? url.substr(0, 20) : scheme) + "'");
  if (url.size() == scheme.size()) throw SettingError("setting 'url' names no host: write https://host/path");
  return url;
}

// The url as log lines show it: no user information, no query string.
std::string shown_url(const std::string& url) {
  const auto authority = url.find("://") + 3;
  std::string shown = url.substr(0, url.find_first_of("?#", authority));
  const auto path = shown.find('/', authority);
  const auto at = shown.rfind('@', path);
  if (at != std::string::npos && at >= authority) shown.erase(authority, at + 1 - authority);
  return shown;
}

json::json_pointer pointer(const std::string& setting, const std::string& text) {
  if (!text.empty() && text.front() != '/')
    throw SettingError("setting '" + setting + "' must be a JSON Pointer such as \"/data/items\" (or \"\" for the " +
                       "whole document), not '" + text + "'");
  try {
    return json::json_pointer(text);
  } catch (const json::exception& error) {
    throw SettingError("setting '" + setting + "' is not a valid JSON Pointer: " + error.what());
  }
}

// "Name: value" items; the value is never quoted back (it is usually a token).
std::vector<std::string> checked_headers(const parcours::Settings& settings) {
  std::vector<std::string> headers = settings.list("headers", {});
  for (std::size_t i = 0; i < headers.size(); ++i) {
    const auto& header = headers[i];
    const auto colon = header.find(':');
    const std::string item = "setting 'headers': item " + std::to_string(i + 1);
    if (colon == std::string::npos || colon == 0)
      throw SettingError(item + " must read \"Name: value\", e.g. \"Authorization: Bearer ${CRM_TOKEN}\"");
    for (std::size_t c = 0; c < colon; ++c) {
      const unsigned char ch = static_cast<unsigned char>(header[c]);
      if (!std::isalnum(ch) && std::string_view("!#$%&'*+-.^_`|~").find(static_cast<char>(ch)) == std::string::npos)
        throw SettingError(item + " has a header name that is not a valid HTTP token: '" + header.substr(0, colon) +
                           "'");
    }
    if (header.find_first_of("\r\n") != std::string::npos)
      throw SettingError(item + " (" + header.substr(0, colon) + ") holds a line break");
  }
  return headers;
}

struct FreeHeaders {
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};
struct CleanupCurl {
  void operator()(CURL* handle) const { curl_easy_cleanup(handle); }
};

// What one request collects.
struct Exchange {
  std::string body;
  bool too_large = false;
  std::string etag;
  std::string last_modified;
  std::stop_token stop;
};

std::size_t on_body(char* data, std::size_t size, std::size_t count, void* user) {
  auto* exchange = static_cast<Exchange*>(user);
  const std::size_t bytes = size * count;
  if (exchange->body.size() + bytes > kMaxBody) {
    exchange->too_large = true;
    return 0;  // aborts the transfer
  }
  exchange->body.append(data, bytes);
  return bytes;
}

std::size_t on_header(char* data, std::size_t size, std::size_t count, void* user) {
  auto* exchange = static_cast<Exchange*>(user);
  const std::size_t bytes = size * count;
  std::string line(data, bytes);
  if (line.starts_with("HTTP/")) {  // a new response (after a redirect or a 100): forget the last one's
    exchange->etag.clear();
    exchange->last_modified.clear();
    return bytes;
  }
  const auto colon = line.find(':');
  if (colon == std::string::npos) return bytes;
  const std::string name = lower(line.substr(0, colon));
  std::string value = line.substr(colon + 1);
  const auto first = value.find_first_not_of(" \t");
  const auto last = value.find_last_not_of(" \t\r\n");
  value = first == std::string::npos ? "" : value.substr(first, last - first + 1);
  if (name == "etag") exchange->etag = value;
  if (name == "last-modified") exchange->last_modified = value;
  return bytes;
}

int on_progress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  return static_cast<Exchange*>(user)->stop.stop_requested() ? 1 : 0;  // non-zero aborts
}

const char* type_phrase(const json& value) {
  switch (value.type()) {
    case json::value_t::object: return "an object";
    case json::value_t::array: return "an array";
    case json::value_t::string: return "a string";
    case json::value_t::boolean: return "a boolean";
    case json::value_t::null: return "null";
    default: return "a number";
  }
}

class HttpJsonSource final : public parcours::Source {
 public:
  HttpJsonSource(const parcours::Settings& settings, parcours::Host host)
      : url_(checked_url(settings)),
        shown_url_(shown_url(url_)),
        headers_(checked_headers(settings)),
        rows_text_(settings.string("rows", "")),
        rows_(pointer("rows", rows_text_)),
        key_(settings.string("key")),
        timeout_(settings.duration("timeout")),
        curl_(curl_easy_init()),
        table_(host, shown_url_, settings.duration("refresh"),
               [this](std::stop_token stop) { return load(std::move(stop)); }) {
    if (key_.empty())
      throw SettingError("setting 'key' is empty: name the field of each row that holds the contact id");
    if (key_.front() == '/') key_pointer_ = pointer("key", key_);
    if (!curl_) throw std::runtime_error("libcurl could not start (curl_easy_init failed)");
    table_.start();
  }

  std::optional<json> lookup(const parcours::Contact& contact) override { return table_.lookup(contact.id); }

  json scan() override { return table_.snapshot_for_scan()->scan(); }

 private:
  // Runs on the refresher thread only, as does everything touching curl_ and the
  // validators.
  std::optional<std::pair<std::shared_ptr<const Table>, LoadReport>> load(std::stop_token stop) {
    Exchange exchange;
    exchange.stop = std::move(stop);
    curl_slist* list = nullptr;
    bool accept_given = false;
    for (const auto& header : headers_) {
      list = curl_slist_append(list, header.c_str());
      accept_given = accept_given || lower(header.substr(0, header.find(':'))) == "accept";
    }
    if (!accept_given) list = curl_slist_append(list, "Accept: application/json");
    if (!etag_.empty()) list = curl_slist_append(list, ("If-None-Match: " + etag_).c_str());
    if (!last_modified_.empty()) list = curl_slist_append(list, ("If-Modified-Since: " + last_modified_).c_str());
    const std::unique_ptr<curl_slist, FreeHeaders> request_headers(list);

    char error[CURL_ERROR_SIZE] = "";
    CURL* curl = curl_.get();
    curl_easy_reset(curl);
    curl_easy_setopt(curl, CURLOPT_URL, url_.c_str());
    curl_easy_setopt(curl, CURLOPT_HTTPGET, 1L);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, request_headers.get());
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(curl, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(curl, CURLOPT_MAXREDIRS, 5L);
    curl_easy_setopt(curl, CURLOPT_ACCEPT_ENCODING, "");  // every encoding this libcurl decodes
    curl_easy_setopt(curl, CURLOPT_USERAGENT, "parcours-http-json/" PARCOURS_HTTP_JSON_PLUGIN_VERSION);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout_.count()));
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);  // no SIGALRM in a threaded host
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, &on_body);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &exchange);
    curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, &on_header);
    curl_easy_setopt(curl, CURLOPT_HEADERDATA, &exchange);
    curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, &on_progress);
    curl_easy_setopt(curl, CURLOPT_XFERINFODATA, &exchange);

    const CURLcode result = curl_easy_perform(curl);
    if (result == CURLE_ABORTED_BY_CALLBACK) throw std::runtime_error("the request was abandoned: the source stops");
    if (exchange.too_large)
      throw std::runtime_error("the answer is larger than " + std::to_string(kMaxBody >> 20) + " MiB");
    if (result == CURLE_OPERATION_TIMEDOUT)
      throw std::runtime_error("no complete answer within the timeout of " + std::to_string(timeout_.count()) + " ms" +
                               (error[0] ? std::string(" (") + error + ")" : std::string()));
    if (result != CURLE_OK)
      throw std::runtime_error(std::string("the request failed: ") + (error[0] ? error : curl_easy_strerror(result)));
    long status = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    if (status == 304) return std::nullopt;  // not modified since the version in use
    if (status < 200 || status > 299)
      throw std::runtime_error("the server answered HTTP " + std::to_string(status) + ": " + quoted_body(exchange));

    json document;
    try {
      document = json::parse(exchange.body);
    } catch (const json::parse_error& failure) {
      throw std::runtime_error(std::string("the answer is not JSON (") + failure.what() +
                               "): " + quoted_body(exchange));
    }
    auto result_table = rows_of(document);
    etag_ = exchange.etag;
    last_modified_ = exchange.last_modified;
    return result_table;
  }

  std::pair<std::shared_ptr<const Table>, LoadReport> rows_of(const json& document) const {
    const std::string where = rows_text_.empty() ? "the top level" : "'rows' (" + rows_text_ + ")";
    const json* rows = nullptr;
    try {
      if (document.contains(rows_)) rows = &document.at(rows_);
    } catch (const json::exception&) {  // e.g. "/items/x" into an array: nothing there
    }
    if (rows == nullptr) {
      std::string keys;
      if (document.is_object())
        for (auto it = document.begin(); it != document.end(); ++it) keys += (keys.empty() ? "" : ", ") + it.key();
      throw std::runtime_error("the answer has nothing at " + where + "; its top level is " + type_phrase(document) +
                               (keys.empty() ? std::string() : " with the keys " + keys));
    }
    if (!rows->is_array())
      throw std::runtime_error("the answer has " + std::string(type_phrase(*rows)) + " at " + where +
                               ", not an array of rows");
    parcours::source_table::TableBuilder builder;
    for (std::size_t i = 0; i < rows->size(); ++i) {
      const json& row = (*rows)[i];
      if (!row.is_object()) {
        builder.reject("element " + std::to_string(i) + " is " + type_phrase(row) + ", not an object");
        continue;
      }
      builder.add(key_of(row), row);
    }
    return builder.finish();
  }

  std::optional<std::string> key_of(const json& row) const {
    try {
      if (key_pointer_) {
        if (!row.contains(*key_pointer_)) return std::nullopt;
        return parcours::source_table::key_text(row.at(*key_pointer_));
      }
    } catch (const json::exception&) {
      return std::nullopt;
    }
    const auto it = row.find(key_);
    if (it == row.end()) return std::nullopt;
    return parcours::source_table::key_text(*it);
  }

  static std::string quoted_body(const Exchange& exchange) {
    if (exchange.body.empty()) return "(an empty body)";
    return "\"" + parcours::source_table::excerpt(exchange.body) + "\"";
  }

  const std::string url_;
  const std::string shown_url_;
  const std::vector<std::string> headers_;
  const std::string rows_text_;
  const json::json_pointer rows_;
  const std::string key_;
  std::optional<json::json_pointer> key_pointer_;
  const std::chrono::milliseconds timeout_;
  const std::unique_ptr<CURL, CleanupCurl> curl_;
  std::string etag_;                               // refresher thread only
  std::string last_modified_;                      // refresher thread only
  parcours::source_table::RefreshingTable table_;  // last: its thread stops before the members above go
};

}  // namespace

// clang-format off
PARCOURS_PLUGIN(HttpJsonSource,
  .id = "http-json",
  .version = PARCOURS_HTTP_JSON_PLUGIN_VERSION,
  .kind = parcours::Kind::source,
  .description = "Rows of a JSON document fetched over HTTP(S), keyed by a field holding the contact id",
  .settings = {
    {"url", parcours::Type::string, parcours::required, "the http:// or https:// address to GET"},
    {"headers", parcours::Type::list, parcours::optional,
     "request headers, as \"Name: value\" items (values may use ${VAR}; never logged)"},
    {"rows", parcours::Type::string, parcours::defaults_to(""),
     "JSON Pointer to the array of row objects, e.g. /data/items (\"\": the whole document)"},
    {"key", parcours::Type::string, parcours::required,
     "the field of each row holding the contact id, or a JSON Pointer into the row (/customer/id)"},
    {"refresh", parcours::Type::duration, parcours::defaults_to("5m"), "how often the document is fetched again"},
    {"timeout", parcours::Type::duration, parcours::defaults_to("10s"), "the longest one request may take"},
  })
// clang-format on
