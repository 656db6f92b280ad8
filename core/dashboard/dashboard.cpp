#include "dashboard/dashboard.hpp"

#include <openssl/evp.h>
#include <spdlog/spdlog.h>

#include <cctype>
#include <string>
#include <vector>

#include "dashboard/dashboard_pages.hpp"
#include "dashboard/graph_svg.hpp"
#include "dashboard/journey_drawing.hpp"
#include "host/runtime.hpp"
#include "report/journey_counts.hpp"
#include "schedule/clock.hpp"

namespace parcours::dashboard {

using report::read_journey_counts;
using report::read_journey_totals;
using server::HttpRequest;
using server::HttpResponse;

namespace {

// "/dashboard/demo/welcome" → {"dashboard", "demo", "welcome"}, percent-decoded.
std::vector<std::string> segments(const std::string& path) {
  std::vector<std::string> out;
  std::string current;
  for (std::size_t i = 0; i <= path.size(); ++i) {
    if (i == path.size() || path[i] == '/') {
      if (!current.empty()) out.push_back(current);
      current.clear();
    } else if (path[i] == '%' && i + 2 < path.size() && std::isxdigit(static_cast<unsigned char>(path[i + 1])) &&
               std::isxdigit(static_cast<unsigned char>(path[i + 2]))) {
      current += static_cast<char>(std::stoi(path.substr(i + 1, 2), nullptr, 16));
      i += 2;
    } else {
      current += path[i];
    }
  }
  return out;
}

HttpResponse html(int status, std::string body) {
  HttpResponse response;
  response.status = status;
  response.content_type = "text/html; charset=utf-8";
  response.body = std::move(body);
  // The pages load nothing: a browser that is told so refuses anything injected.
  response.headers.emplace_back("Content-Security-Policy",
                                "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; "
                                "base-uri 'none'; form-action 'none'; frame-ancestors 'none'");
  response.headers.emplace_back("X-Content-Type-Options", "nosniff");
  response.headers.emplace_back("Cache-Control", "no-store");
  response.headers.emplace_back("Referrer-Policy", "no-referrer");
  return response;
}

HttpResponse not_found(const std::string& message) {
  return html(404, message_page("Not found", message));
}

// The password of `Authorization: Basic base64(user:password)` (RFC 7617), if that is
// what the header holds.
std::optional<std::string> basic_password(const std::string& header) {
  constexpr std::string_view scheme = "basic ";
  if (header.size() <= scheme.size()) return std::nullopt;
  for (std::size_t i = 0; i < scheme.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(header[i])) != scheme[i]) return std::nullopt;
  std::string encoded = header.substr(scheme.size());
  while (!encoded.empty() && encoded.front() == ' ') encoded.erase(0, 1);
  while (!encoded.empty() && encoded.back() == ' ') encoded.pop_back();
  if (encoded.empty() || encoded.size() % 4 != 0 || encoded.size() > 8192) return std::nullopt;
  std::string decoded(encoded.size() / 4 * 3, '\0');
  int length =
      EVP_DecodeBlock(reinterpret_cast<unsigned char*>(decoded.data()),
                      reinterpret_cast<const unsigned char*>(encoded.data()), static_cast<int>(encoded.size()));
  if (length < 0) return std::nullopt;
  for (std::size_t i = encoded.size(); i > encoded.size() - 2 && encoded[i - 1] == '='; --i) --length;  // padding
  decoded.resize(static_cast<std::size_t>(length));
  const auto colon = decoded.find(':');
  if (colon == std::string::npos) return std::nullopt;
  return decoded.substr(colon + 1);
}

bool allowed(const host::Service& service, const HttpRequest& request) {
  if (service.host_config().server.admin_token.empty()) return true;
  const auto password = basic_password(request.header("authorization"));
  return password && service.admin_accepts(*password);  // constant time
}

HttpResponse overview(host::Service& service, const host::Runtime& runtime, const std::string* only_client) {
  std::vector<ClientSummary> clients;
  for (const auto& client : runtime.loaded.clients) {
    if (only_client != nullptr && client.id != *only_client) continue;
    ClientSummary& summary = clients.emplace_back();
    summary.id = client.id;
    summary.name = client.name;
    if (const auto it = runtime.loaded.journeys.find(client.id); it != runtime.loaded.journeys.end())
      for (const auto& journey : it->second)
        summary.journeys.push_back({journey.id, journey.name, journey.stage, journey.enabled, {}});
  }
  if (only_client != nullptr && clients.empty()) return not_found("There is no client '" + *only_client + "' here.");
  service.store().transact([&](store::Transaction& tx) {
    for (auto& client : clients)
      for (auto& journey : client.journeys) journey.counts = read_journey_totals(tx, client.id, journey.id);
  });
  return html(200, overview_page(clients, schedule::format_time(service.now())));
}

HttpResponse journey_view(host::Service& service, const host::Runtime& runtime, const std::string& client_id,
                          const std::string& journey_id) {
  const config::ClientConfig* client = nullptr;
  for (const auto& candidate : runtime.loaded.clients)
    if (candidate.id == client_id) client = &candidate;
  if (client == nullptr) return not_found("There is no client '" + client_id + "' here.");
  const journey::Journey* journey = nullptr;
  if (const auto it = runtime.loaded.journeys.find(client_id); it != runtime.loaded.journeys.end())
    for (const auto& candidate : it->second)
      if (candidate.id == journey_id) journey = &candidate;
  if (journey == nullptr) return not_found("Client '" + client_id + "' has no journey '" + journey_id + "'.");

  JourneyCounts counts;
  service.store().transact([&](store::Transaction& tx) { counts = read_journey_counts(tx, client_id, *journey); });
  std::string svg;
  std::string problem;
  try {
    svg = svg_from_dot(journey_dot(*journey, counts));
  } catch (const GraphError& error) {
    problem = error.what();
    spdlog::warn("dashboard: client {} journey {}: {}", client_id, journey_id, problem);
  }
  return html(200, journey_page({client->id, client->name, {}}, *journey, counts, svg, problem,
                                schedule::format_time(service.now())));
}

}  // namespace

std::optional<HttpResponse> dashboard_route(host::Service& service, const HttpRequest& request) {
  const auto path = segments(request.path);
  if (!path.empty() && path[0] != "dashboard") return std::nullopt;
  if (!allowed(service, request)) {
    auto response = html(401, message_page("Sign in", "The dashboard needs the host's admin token as the password."));
    response.headers.emplace_back("WWW-Authenticate", "Basic realm=\"parcours\"");
    return response;
  }
  if (request.method != "GET" && request.method != "HEAD") {
    auto response = html(405, message_page("Method not allowed", "The dashboard only answers GET."));
    response.headers.emplace_back("Allow", "GET, HEAD");
    return response;
  }
  const auto runtime = service.runtime();
  if (path.size() <= 1) return overview(service, *runtime, nullptr);
  if (path.size() == 2) return overview(service, *runtime, &path[1]);
  if (path.size() == 3) return journey_view(service, *runtime, path[1], path[2]);
  return not_found("There is no such page: " + request.path);
}

}  // namespace parcours::dashboard
