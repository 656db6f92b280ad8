#include "api/api.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>
#include <nlohmann/json.hpp>
#include <parcours/thread_name.hpp>

#include <chrono>
#include <latch>
#include <memory>

#include "api/channel_status_route.hpp"
#include "api/contact_routes.hpp"
#include "api/event_body.hpp"
#include "api/journey_routes.hpp"
#include "api/popup_routes.hpp"
#include "api/tracking_routes.hpp"
#include "api/unsubscribe_route.hpp"
#include "api/webhook_route.hpp"
#include "config/duration.hpp"
#include "dashboard/dashboard.hpp"
#include "host/process_metrics.hpp"
#include "host/runtime.hpp"
#include "store/store.hpp"

namespace parcours::api {

using nlohmann::json;
using server::HttpRequest;
using server::HttpResponse;

namespace {

// "/v1/clients/acme/events" → {"v1", "clients", "acme", "events"}, percent-decoded.
std::vector<std::string> segments(const std::string& path) {
  std::vector<std::string> out;
  std::string current;
  const auto flush = [&] {
    if (!current.empty()) out.push_back(current);
    current.clear();
  };
  for (std::size_t i = 0; i < path.size(); ++i) {
    const char c = path[i];
    if (c == '/') {
      flush();
    } else if (c == '%' && i + 2 < path.size() && std::isxdigit(static_cast<unsigned char>(path[i + 1])) &&
               std::isxdigit(static_cast<unsigned char>(path[i + 2]))) {
      current += static_cast<char>(std::stoi(path.substr(i + 1, 2), nullptr, 16));
      i += 2;
    } else {
      current += c;
    }
  }
  flush();
  return out;
}

std::string bearer(const HttpRequest& request) {
  const std::string& header = request.header("authorization");
  constexpr std::string_view prefix = "Bearer ";
  if (header.size() <= prefix.size() || header.compare(0, prefix.size(), prefix) != 0) return {};
  return header.substr(prefix.size());
}

HttpResponse method_not_allowed(const std::string& allowed) {
  auto response = HttpResponse::error(405, "method_not_allowed", "use " + allowed + " on this path");
  response.headers.emplace_back("Allow", allowed);
  return response;
}

HttpResponse unauthorized(const std::string& message) {
  auto response = HttpResponse::error(401, "unauthorized", message);
  response.headers.emplace_back("WWW-Authenticate", "Bearer");
  return response;
}

// --- client routes ----------------------------------------------------------------

// A refusal when the request may not use this client's routes: unknown client (404),
// no token or another one (401).
std::optional<HttpResponse> refuse_client(host::Service& service, const std::string& client,
                                          const HttpRequest& request) {
  const auto accepted = service.client_accepts(client, bearer(request));
  if (!accepted) return HttpResponse::error(404, "unknown_client", "no client '" + client + "' in this host");
  if (!*accepted)
    return unauthorized(bearer(request).empty() ? "send `Authorization: Bearer <key>` with one of the client's api_keys"
                                                : "this token is not one of the api_keys of client '" + client + "'");
  return std::nullopt;
}

// The answer to a request whose route threw: the store's failure is the client's to
// retry, an unknown client (gone in a reload) a 404.
HttpResponse failure_response(const std::string& request_line, const std::exception_ptr& error) {
  try {
    std::rethrow_exception(error);
  } catch (const engine::EventError& failure) {
    return HttpResponse::error(404, "unknown_client", failure.what());
  } catch (const store::StoreError& failure) {
    spdlog::error("{}: store: {}", request_line, failure.what());
    return HttpResponse::error(503, "store_unavailable", "the store failed; nothing was changed: try again");
  } catch (const std::exception& failure) {
    spdlog::error("{}: {}", request_line, failure.what());
  }
  return HttpResponse::error(500, "internal", "the request failed inside the host; the log has the details");
}

// POST /v1/clients/{client}/events: answered (202) once the events are committed,
// without holding a thread meanwhile.
void post_events(host::Service& service, const std::string& client, const HttpRequest& request,
                 server::HttpRespond respond) {
  if (auto refused = refuse_client(service, client, request)) return respond(std::move(*refused));
  if (request.method != "POST") return respond(method_not_allowed("POST"));
  std::vector<engine::IncomingEvent> events;
  try {
    events = parse_event_body(request.body, request.header("content-type"));
  } catch (const engine::EventError& error) {
    service.metrics().add("parcours_events_refused_total", {{"client", client}});
    return respond(HttpResponse::error(400, "invalid_event", error.what()));
  }
  service.ingest_async(
      client, std::move(events),
      [respond = std::move(respond),
       request_line = request.method + " " + request.path](engine::IngestOutcome outcome) {
        if (outcome.error) return respond(failure_response(request_line, outcome.error));
        respond(HttpResponse::json(
            202, json{{"accepted", outcome.result.accepted}, {"duplicates", outcome.result.duplicates}}.dump()));
      });
}

HttpResponse client_route(host::Service& service, const std::vector<std::string>& path, const HttpRequest& request) {
  const std::string& client = path[2];
  if (auto refused = refuse_client(service, client, request)) return std::move(*refused);
  if (path.size() == 5 && path[3] == "contacts") return contact_route(service, client, path[4], request);
  if (path.size() == 4 && path[3] == "journeys") {
    if (request.method != "GET") return method_not_allowed("GET");
    return journeys_route(service, client);
  }
  if (path.size() == 5 && path[3] == "journeys") {
    if (request.method != "GET") return method_not_allowed("GET");
    return journey_route(service, client, path[4]);
  }
  return HttpResponse::error(404, "not_found", "no such route: " + request.path);
}

// --- admin routes -----------------------------------------------------------------

HttpResponse admin_route(host::Service& service, const std::vector<std::string>& path, const HttpRequest& request) {
  if (!service.admin_accepts(bearer(request)))
    return unauthorized("admin routes need `Authorization: Bearer <[server] admin_token>`");
  if (path.size() == 3 && path[2] == "reload") {
    if (request.method != "POST") return method_not_allowed("POST");
    const auto errors = service.reload();
    if (errors.empty()) return HttpResponse::json(200, json{{"reloaded", true}}.dump());
    auto response =
        HttpResponse::json(400, json{{"error",
                                      {{"code", "config_invalid"},
                                       {"message", "the new config is not valid; the running one is unchanged"},
                                       {"errors", errors}}}}
                                    .dump());
    return response;
  }
  if (path.size() == 3 && path[2] == "clock") {
    if (request.method != "POST") return method_not_allowed("POST");
    if (!service.manual_clock())
      return HttpResponse::error(409, "wall_clock", "this host runs on the wall clock; start it with --clock manual");
    const auto body = json::parse(request.body, nullptr, false);
    if (!body.is_object() || !body.contains("advance") || !body["advance"].is_string())
      return HttpResponse::error(400, "invalid_body", "send {\"advance\": \"<duration>\"}, e.g. {\"advance\": \"2d\"}");
    config::DurationError error;
    const auto by = config::parse_duration(body["advance"].get<std::string>(), &error);
    if (!by) return HttpResponse::error(400, "invalid_duration", "'advance': " + error.message);
    const auto ran = service.advance_clock(std::chrono::duration_cast<std::chrono::milliseconds>(*by).count());
    return HttpResponse::json(200, json{{"now", schedule::format_time(service.now())}, {"ran", ran}}.dump());
  }
  return HttpResponse::error(404, "not_found", "no such route: " + request.path);
}

// The route's pattern, for metric labels (never the client's or contact's id).
std::string route_label(const std::vector<std::string>& path) {
  if (path.empty()) return "/";
  if (path[0] == "u") return "/u/{token}";
  if (path.size() == 1 && path[0] == "popup.js") return "/popup.js";
  if (path.size() == 3 && path[0] == "t" && (path[1] == "o" || path[1] == "c")) return "/t/" + path[1] + "/{token}";
  if (path.size() >= 3 && path[0] == "v1" && path[1] == "clients") {
    std::string label = "/v1/clients/{client}";
    for (std::size_t i = 3; i < path.size(); ++i) label += "/" + path[i];
    return path.size() > 4 ? "/v1/clients/{client}/" + path[3] + "/{id}" : label;
  }
  if (path[0] == "v1" || path[0] == "healthz" || path[0] == "readyz" || path[0] == "metrics") {
    std::string label;
    for (const auto& segment : path) label += "/" + segment;
    return label.size() > 40 ? "other" : label;
  }
  return "other";
}

HttpResponse route(host::Service& service, const std::vector<std::string>& path, const HttpRequest& request) {
  if (path.size() == 1 && path[0] == "readyz")
    return service.store_ready() ? HttpResponse::json(200, R"({"status":"ready"})")
                                 : HttpResponse::error(503, "store_unavailable", "the store does not answer");
  if (path.size() == 2 && path[0] == "u") return unsubscribe_route(service, path[1], request);
  if (path.size() == 3 && path[0] == "t" && path[1] == "o") return open_pixel_route(service, path[2], request);
  if (path.size() == 3 && path[0] == "t" && path[1] == "c") return click_route(service, path[2], request);
  if (path.size() == 5 && path[0] == "v1" && path[1] == "clients" && path[3] == "hooks")
    return webhook_route(service, path[2], path[4], request);
  if (path.size() == 1 && path[0] == "popup.js") return popup_script_route(request);
  if (is_popup_route(path)) return popup_route(service, path, request);                    // browsers: no bearer token
  if (is_channel_status_route(path)) return channel_status_route(service, path, request);  // signed by the provider
  if (path.size() >= 3 && path[0] == "v1" && path[1] == "clients") return client_route(service, path, request);
  if (path.size() >= 2 && path[0] == "v1" && path[1] == "admin") return admin_route(service, path, request);
  if (auto page = dashboard::dashboard_route(service, request)) return std::move(*page);
  return HttpResponse::error(404, "not_found", "no such route: " + request.path);
}

// What needs no store and no lock held for long: answered on the I/O thread.
std::optional<HttpResponse> immediate_route(host::Service& service, const std::vector<std::string>& path) {
  if (service.stopping()) return HttpResponse::error(503, "shutting_down", "the host is stopping; try again soon");
  if (path.size() == 1 && path[0] == "healthz") return HttpResponse::json(200, R"({"status":"ok"})");
  if (path.size() == 1 && path[0] == "metrics") {
    HttpResponse response;
    response.content_type = "text/plain; version=0.0.4; charset=utf-8";
    host::sample_process(service.metrics());
    response.body = service.metrics().text();
    return response;
  }
  return std::nullopt;
}

}  // namespace

class Api::Impl {
 public:
  Impl(host::Service& service, std::size_t blocking_threads)
      : service_(service), pool_(std::max<std::size_t>(1, blocking_threads)) {
    // asio names nothing: one task on each of the pool's threads names it (top -H), each
    // held until all have theirs, so that no thread takes two. The latch is shared: a
    // task may still be leaving arrive_and_wait() when this constructor returns.
    const auto threads = static_cast<std::ptrdiff_t>(std::max<std::size_t>(1, blocking_threads));
    const auto named = std::make_shared<std::latch>(threads);
    for (std::ptrdiff_t i = 0; i < threads; ++i)
      boost::asio::post(pool_, [named] {
        parcours::name_this_thread("parcours-api");
        named->arrive_and_wait();
      });
    named->wait();
  }
  ~Impl() { pool_.join(); }

  void handle(HttpRequest request, server::HttpRespond respond) {
    auto path = segments(request.path);
    // Every answer is counted and timed, whichever thread gives it.
    server::HttpRespond counted = [this, started = std::chrono::steady_clock::now(), label = route_label(path),
                                   respond = std::move(respond)](HttpResponse response) {
      const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
      service_.metrics().add("parcours_http_requests_total",
                             {{"route", label}, {"status", std::to_string(response.status)}});
      service_.metrics().observe("parcours_http_request_duration_seconds", {{"route", label}}, seconds);
      respond(std::move(response));
    };
    if (auto response = immediate_route(service_, path)) return counted(std::move(*response));
    if (path.size() == 4 && path[0] == "v1" && path[1] == "clients" && path[3] == "events")
      return post_events(service_, path[2], request, std::move(counted));
    boost::asio::post(
        pool_, [this, path = std::move(path), request = std::move(request), counted = std::move(counted)]() mutable {
          HttpResponse response;
          try {
            response = route(service_, path, request);
          } catch (...) {
            response = failure_response(request.method + " " + request.path, std::current_exception());
          }
          counted(std::move(response));
        });
  }

 private:
  host::Service& service_;
  boost::asio::thread_pool pool_;
};

Api::Api(host::Service& service, std::size_t blocking_threads)
    : impl_(std::make_unique<Impl>(service, blocking_threads)) {}
Api::~Api() = default;

void Api::handle(HttpRequest request, server::HttpRespond respond) {
  impl_->handle(std::move(request), std::move(respond));
}

}  // namespace parcours::api
