#include "http_client.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <ctime>
#include <stdexcept>

namespace parcours::http_client {
namespace {

constexpr std::size_t kMaxBody = 16u << 20;  // a provider's answer; more is refused

std::string lower(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

std::string trimmed(const std::string& text) {
  const auto first = text.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) return {};
  return text.substr(first, text.find_last_not_of(" \t\r\n") - first + 1);
}

struct Exchange {
  Response response;
  bool too_large = false;
};

std::size_t on_body(char* data, std::size_t size, std::size_t count, void* user) {
  auto* exchange = static_cast<Exchange*>(user);
  const std::size_t bytes = size * count;
  if (exchange->response.body.size() + bytes > kMaxBody) {
    exchange->too_large = true;
    return 0;
  }
  exchange->response.body.append(data, bytes);
  return bytes;
}

std::size_t on_header(char* data, std::size_t size, std::size_t count, void* user) {
  auto* exchange = static_cast<Exchange*>(user);
  const std::size_t bytes = size * count;
  const std::string line(data, bytes);
  if (line.starts_with("HTTP/")) {  // a new response (after a 100 Continue): forget the last one's
    exchange->response.headers.clear();
    return bytes;
  }
  const auto colon = line.find(':');
  if (colon != std::string::npos)
    exchange->response.headers[lower(trimmed(line.substr(0, colon)))] = trimmed(line.substr(colon + 1));
  return bytes;
}

struct GlobalInit {
  GlobalInit() { curl_global_init(CURL_GLOBAL_DEFAULT); }
};

}  // namespace

const std::string& Response::header(const std::string& lower_case_name) const {
  static const std::string empty;
  const auto it = headers.find(lower_case_name);
  return it == headers.end() ? empty : it->second;
}

HandlePool::HandlePool() {
  static GlobalInit init;  // thread-safe once; libcurl's global state for the plugin's life
}

HandlePool::~HandlePool() {
  for (CURL* handle : idle_) curl_easy_cleanup(handle);
}

CURL* HandlePool::take() {
  CURL* handle = nullptr;
  {
    const std::lock_guard<std::mutex> lock(mutex_);
    if (!idle_.empty()) {
      handle = idle_.back();
      idle_.pop_back();
    }
  }
  if (handle == nullptr) return curl_easy_init();
  curl_easy_reset(handle);  // keeps the live connection and caches, forgets the options
  return handle;
}

void HandlePool::give(CURL* handle) {
  const std::lock_guard<std::mutex> lock(mutex_);
  idle_.push_back(handle);
}

Client::Client() = default;
Client::~Client() = default;

Response Client::perform(const Request& request) {
  CURL* handle = pool_.take();
  if (handle == nullptr) {
    Response failed;
    failed.error = "libcurl could not start (curl_easy_init failed)";
    return failed;
  }

  Exchange exchange;
  curl_slist* headers = nullptr;
  for (const auto& header : request.headers) headers = curl_slist_append(headers, header.c_str());
  headers = curl_slist_append(headers, "Expect:");  // no 100-continue round trip

  curl_easy_setopt(handle, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(handle, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(handle, CURLOPT_CUSTOMREQUEST, request.method.c_str());
  if (request.method != "GET") {
    curl_easy_setopt(handle, CURLOPT_POSTFIELDS, request.body.data());
    curl_easy_setopt(handle, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
  } else {
    curl_easy_setopt(handle, CURLOPT_HTTPGET, 1L);
  }
  curl_easy_setopt(handle, CURLOPT_HTTPHEADER, headers);
  if (!request.basic_user.empty()) {
    curl_easy_setopt(handle, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
    curl_easy_setopt(handle, CURLOPT_USERNAME, request.basic_user.c_str());
    curl_easy_setopt(handle, CURLOPT_PASSWORD, request.basic_password.c_str());
  }
  curl_easy_setopt(handle, CURLOPT_TIMEOUT_MS, static_cast<long>(request.timeout.count()));
  curl_easy_setopt(handle, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(std::min<std::int64_t>(request.timeout.count(), 10'000)));
  curl_easy_setopt(handle, CURLOPT_NOSIGNAL, 1L);  // timeouts without SIGALRM: the host has threads
  curl_easy_setopt(handle, CURLOPT_TCP_NODELAY, 1L);
  curl_easy_setopt(handle, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(handle, CURLOPT_WRITEDATA, &exchange);
  curl_easy_setopt(handle, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(handle, CURLOPT_HEADERDATA, &exchange);

  const CURLcode code = curl_easy_perform(handle);
  curl_slist_free_all(headers);
  if (code == CURLE_OK) {
    curl_easy_getinfo(handle, CURLINFO_RESPONSE_CODE, &exchange.response.status);
  } else {
    exchange.response.status = 0;
    exchange.response.timed_out = code == CURLE_OPERATION_TIMEDOUT;
    exchange.response.error = exchange.too_large ? "the answer is larger than 16 MiB" : curl_easy_strerror(code);
    if (exchange.response.timed_out)
      exchange.response.error = "no answer within " + std::to_string(request.timeout.count()) + " ms";
  }
  pool_.give(handle);
  return std::move(exchange.response);
}

std::string form_encode(const std::vector<std::pair<std::string, std::string>>& fields) {
  static const char* const hex = "0123456789ABCDEF";
  const auto encode = [](const std::string& text) {
    std::string out;
    for (const char ch : text) {
      const auto c = static_cast<unsigned char>(ch);
      if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
        out += static_cast<char>(c);
      } else if (c == ' ') {
        out += '+';
      } else {
        out += '%';
        out += hex[c >> 4];
        out += hex[c & 15];
      }
    }
    return out;
  };
  std::string body;
  for (const auto& [name, value] : fields) {
    if (!body.empty()) body += '&';
    body += encode(name) + '=' + encode(value);
  }
  return body;
}

std::vector<std::pair<std::string, std::string>> form_decode(std::string_view body) {
  const auto hex = [](char c) {
    return c >= '0' && c <= '9'   ? c - '0'
           : c >= 'a' && c <= 'f' ? c - 'a' + 10
           : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                  : -1;
  };
  const auto decode = [&](std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
      if (text[i] == '+') {
        out += ' ';
      } else if (text[i] == '%' && i + 2 < text.size() && hex(text[i + 1]) >= 0 && hex(text[i + 2]) >= 0) {
        out += static_cast<char>(hex(text[i + 1]) * 16 + hex(text[i + 2]));
        i += 2;
      } else {
        out += text[i];
      }
    }
    return out;
  };
  std::vector<std::pair<std::string, std::string>> fields;
  // Plain index loops: string_view::find on what is left trips g++ 12's
  // stringop-overread warning (a false positive).
  for (std::size_t start = 0; start < body.size();) {
    std::size_t end = start;
    while (end < body.size() && body[end] != '&') ++end;
    std::size_t equals = start;
    while (equals < end && body[equals] != '=') ++equals;
    if (end > start)
      fields.emplace_back(decode(body.substr(start, equals - start)),
                          decode(equals < end ? body.substr(equals + 1, end - equals - 1) : std::string_view()));
    start = end + 1;
  }
  return fields;
}

std::optional<std::chrono::milliseconds> retry_after(const Response& response,
                                                     std::chrono::system_clock::time_point now) {
  const std::string value = trimmed(response.header("retry-after"));
  if (value.empty()) return std::nullopt;
  if (std::all_of(value.begin(), value.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); })) {
    if (value.size() > 9) return std::nullopt;
    return std::chrono::seconds(std::stol(value));
  }
  std::tm tm{};  // IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT"
  const char* end = strptime(value.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &tm);
  if (end == nullptr) return std::nullopt;
  const auto at = std::chrono::system_clock::from_time_t(timegm(&tm));
  if (at <= now) return std::chrono::milliseconds(0);
  return std::chrono::duration_cast<std::chrono::milliseconds>(at - now);
}

std::string shown_url(const std::string& url) {
  const auto scheme = url.find("://");
  const auto authority = scheme == std::string::npos ? 0 : scheme + 3;
  std::string shown = url.substr(0, url.find_first_of("?#", authority));
  const auto path = shown.find('/', authority);
  const auto at = shown.rfind('@', path);
  if (at != std::string::npos && at >= authority) shown.erase(authority, at + 1 - authority);
  return shown;
}

std::string excerpt(const std::string& body, std::size_t limit) {
  std::string out = body.substr(0, limit);
  for (char& c : out)
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
  if (body.size() > limit) out += "...";
  return out;
}

}  // namespace parcours::http_client
