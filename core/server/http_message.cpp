#include "server/http_message.hpp"

#include <nlohmann/json.hpp>

namespace parcours::server {

const std::string& HttpRequest::header(const std::string& lower_case_name) const {
  static const std::string empty;
  const auto it = headers.find(lower_case_name);
  return it == headers.end() ? empty : it->second;
}

HttpResponse HttpResponse::error(int status, const std::string& code, const std::string& message) {
  HttpResponse response;
  response.status = status;
  response.body = nlohmann::json{{"error", {{"code", code}, {"message", message}}}}.dump(
                      -1, ' ', false, nlohmann::json::error_handler_t::replace) +
                  "\n";
  return response;
}

HttpResponse HttpResponse::json(int status, const std::string& json_body) {
  HttpResponse response;
  response.status = status;
  response.body = json_body + "\n";
  return response;
}

}  // namespace parcours::server
