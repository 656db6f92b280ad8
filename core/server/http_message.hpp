// Requests and responses as plain data, so that route code never includes Beast (a
// heavy header kept to http_server.cpp alone).
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

namespace parcours::server {

struct HttpRequest {
  std::string method;                          // "GET", "POST", ...
  std::string path;                            // the target without its query, percent-decoding left to routes
  std::string query;                           // after '?', raw
  std::map<std::string, std::string> headers;  // names in lower case
  std::string body;
  std::string remote;  // peer address, for logs

  // The header's value, or "" when absent.
  const std::string& header(const std::string& lower_case_name) const;
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // extra ones

  // {"error": {"code": code, "message": message}} (HTTP-API.md).
  static HttpResponse error(int status, const std::string& code, const std::string& message);
  static HttpResponse json(int status, const std::string& json_body);
};

}  // namespace parcours::server
