// What the channel plugins that call a provider's HTTP API share (sms, facebook-ads):
// a small libcurl client that keeps its connections alive between messages, cuts off
// a provider that hangs, and reads back what the retry decision needs (the status,
// Retry-After, the body). A static library linked into each plugin, like source-table.
//
// Secrets: nothing here logs; shown_url() is the form of a url that errors may name
// (no user information, no query string, where tokens travel).
#pragma once

#include <curl/curl.h>

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace parcours::http_client {

struct Request {
  std::string method = "POST";
  std::string url;
  std::vector<std::string> headers;  // "Name: value"
  std::string body;
  std::string basic_user;  // HTTP Basic authentication when not empty
  std::string basic_password;
  std::chrono::milliseconds timeout{10'000};  // the whole exchange, connection included
};

struct Response {
  long status = 0;    // 0: no answer (see `error`)
  std::string error;  // the transport's failure (refused, timed out...), without the url
  bool timed_out = false;
  std::map<std::string, std::string> headers;  // names in lower case; the last value of each
  std::string body;

  bool answered() const { return status != 0; }
  const std::string& header(const std::string& lower_case_name) const;
};

// Idle libcurl handles, each keeping its connection open between transfers: take() one
// (a new one when none is idle), give() it back after the transfer. Thread-safe.
class HandlePool {
 public:
  HandlePool();  // starts libcurl's global state once for the process
  ~HandlePool();
  HandlePool(const HandlePool&) = delete;
  HandlePool& operator=(const HandlePool&) = delete;

  // An idle handle, reset to default options but with its connection; nullptr when
  // libcurl cannot start one.
  CURL* take();
  void give(CURL* handle);

 private:
  std::mutex mutex_;
  std::vector<CURL*> idle_;
};

// One per plugin instance. perform() may be called from several threads at once: each
// call takes an idle connection handle from the pool (or opens one), so connections
// are reused from message to message.
class Client {
 public:
  Client();
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  Response perform(const Request& request);

 private:
  HandlePool pool_;
};

// application/x-www-form-urlencoded, in the order given.
std::string form_encode(const std::vector<std::pair<std::string, std::string>>& fields);
// The fields of an application/x-www-form-urlencoded body (or a query string), in
// their order: '+' is a space, %XX a byte (a malformed escape is kept as written).
std::vector<std::pair<std::string, std::string>> form_decode(std::string_view body);

// Retry-After as a delay: delta-seconds or an HTTP-date (RFC 9110 §10.2.3), from `now`.
std::optional<std::chrono::milliseconds> retry_after(const Response& response,
                                                     std::chrono::system_clock::time_point now);

// The url without user information or query string, for errors and logs.
std::string shown_url(const std::string& url);

// At most `limit` bytes of a body for an error message, on one line.
std::string excerpt(const std::string& body, std::size_t limit = 300);

}  // namespace parcours::http_client
