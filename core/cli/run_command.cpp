#include "cli/run_command.hpp"

#include <spdlog/spdlog.h>
#include <boost/program_options.hpp>

#include <pthread.h>
#include <csignal>
#include <iostream>

#include "api/api.hpp"
#include "cli/config_directory.hpp"
#include "cli/logging.hpp"
#include "cli/usage.hpp"
#include "host/process_metrics.hpp"
#include "host/service.hpp"
#include "journey/value.hpp"
#include "schedule/clock.hpp"
#include "server/http_server.hpp"

namespace parcours::cli {

namespace po = boost::program_options;

int run_run_command(const std::vector<std::string>& args) {
  po::options_description options(
      "Usage: parcours run [--config DIR] [--clock manual [--now RFC3339]] [--listen ADDR]\n\n"
      "Run the host: load the config and plugins, open the store, serve HTTP, run the\n"
      "journeys, until SIGTERM or SIGINT (then: stop taking requests, finish the sends in\n"
      "flight, exit 0). SIGHUP reloads the config; an invalid one is refused and the\n"
      "running one stays.\n\nOptions");
  std::string directory, clock = "wall", now_text, listen;
  options.add_options()("config,c", po::value(&directory),
                        "config directory (default: $PARCOURS_CONFIG, else ./config)")(
      "clock", po::value(&clock), "wall (default) or manual: time moves only through POST /v1/admin/clock")(
      "now", po::value(&now_text), "with --clock manual: the time to start at (RFC 3339; default: now)")(
      "listen", po::value(&listen), "address to serve HTTP on, host:port (default: [server] listen)")("help,h",
                                                                                                      "show this help");
  po::variables_map values;
  if (auto code = parse_command_line(args, options, values)) return *code;
  if (clock != "wall" && clock != "manual") {
    std::cerr << "parcours run: --clock must be wall or manual, not '" << clock << "'\n";
    return kExitUsage;
  }
  if (!now_text.empty() && clock != "manual") {
    std::cerr << "parcours run: --now only goes with --clock manual\n";
    return kExitUsage;
  }
  host::ServiceOptions service_options;
  service_options.config_directory = config_directory(directory);
  if (clock == "manual") {
    schedule::TimeMs start = schedule::SystemClock().now();
    if (!now_text.empty()) {
      const auto time = journey::parse_iso_time(now_text);
      if (!time) {
        std::cerr << "parcours run: --now must be an RFC 3339 time like 2026-11-22T10:00:00Z, not '" << now_text
                  << "'\n";
        return kExitUsage;
      }
      start = time->time_since_epoch().count();
    }
    service_options.manual_clock_start = start;
  }

  // Signals are taken by this thread alone, with sigwait: every thread started from
  // here on inherits the mask, so none of them is interrupted.
  sigset_t signals;
  sigemptyset(&signals);
  for (const int signal : {SIGTERM, SIGINT, SIGHUP}) sigaddset(&signals, signal);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  std::unique_ptr<host::Service> service;
  std::unique_ptr<api::Api> routes;  // before the server: it outlives it
  std::unique_ptr<server::HttpServer> http;
  try {
    service = std::make_unique<host::Service>(service_options);
    const auto& host = service->host_config();
    apply_log_settings(host.log.level, host.log.format);
    server::HttpServerOptions http_options;
    http_options.listen = listen.empty() ? host.server.listen : listen;
    http_options.body_limit = static_cast<std::size_t>(host.server.max_body);
    http_options.header_limit = static_cast<std::size_t>(host.server.max_header);
    http_options.idle_timeout = host.server.idle_timeout;
    http_options.request_timeout = host.server.request_timeout;
    routes = std::make_unique<api::Api>(*service);
    http = std::make_unique<server::HttpServer>(
        http_options, [raw = routes.get()](server::HttpRequest request, server::HttpRespond respond) {
          raw->handle(std::move(request), std::move(respond));
        });
  } catch (const host::ConfigRefused& refused) {
    for (const auto& error : refused.errors) std::cerr << error << '\n';
    std::cerr << "parcours run: " << refused.what() << '\n';
    return kExitInvalidInput;
  } catch (const std::exception& error) {
    std::cerr << "parcours run: " << error.what() << '\n';
    return kExitInvalidInput;
  }

  service->start();
  http->start();
  spdlog::info("listening on http://{} ({} client(s); clock: {}{})", http->address(), service->client_ids().size(),
               clock, service->manual_clock() ? " at " + schedule::format_time(service->now()) : "");
  spdlog::info("memory allocator: {}", host::allocator_description());

  while (true) {
    int received = 0;
    if (sigwait(&signals, &received) != 0) continue;
    if (received == SIGHUP) {
      spdlog::info("SIGHUP: reloading the config");
      service->reload();
      continue;
    }
    spdlog::info("{}: stopping (no new requests; finishing the sends in flight)",
                 received == SIGTERM ? "SIGTERM" : "SIGINT");
    break;
  }
  http->stop();
  routes.reset();
  service->stop();
  service.reset();
  spdlog::info("stopped");
  return kExitOk;
}

}  // namespace parcours::cli
