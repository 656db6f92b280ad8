#include "api/tracking_routes.hpp"

#include <spdlog/spdlog.h>

#include <cstdio>

#include "engine/step_hash.hpp"
#include "host/runtime.hpp"

namespace parcours::api {

using server::HttpResponse;

namespace {

// The smallest transparent GIF (1x1, 43 bytes).
constexpr unsigned char kPixel[] = {0x47, 0x49, 0x46, 0x38, 0x39, 0x61, 0x01, 0x00, 0x01, 0x00, 0x80,
                                    0x00, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0x21, 0xf9, 0x04,
                                    0x01, 0x00, 0x00, 0x00, 0x00, 0x2c, 0x00, 0x00, 0x00, 0x00, 0x01,
                                    0x00, 0x01, 0x00, 0x00, 0x02, 0x02, 0x44, 0x01, 0x00, 0x3b};

HttpResponse not_found() {
  auto response = HttpResponse::error(404, "not_found", "this link is not valid");
  response.headers.emplace_back("Cache-Control", "no-store");
  return response;
}

// The target of a token of this purpose for a client this host runs, or nothing.
std::optional<links::LinkTarget> verified(host::Service& service, const std::string& token, const char* purpose) {
  const auto runtime = service.runtime();
  auto target = runtime->links->verify(token);
  if (!target || target->purpose != purpose) return std::nullopt;
  for (const auto& client : runtime->loaded.clients)
    if (client.id == target->client) return target;
  return std::nullopt;
}

engine::IncomingEvent tracking_event(const links::LinkTarget& target, const std::string& type) {
  engine::IncomingEvent event;
  event.type = type;
  event.contact = target.contact;
  event.properties = {
      {"channel", target.channel}, {"message", target.message}, {"journey", target.journey}, {"step", target.step}};
  return event;
}

// Records the event; a failure (the store is down) is logged, and the person still
// gets their pixel or their page: tracking must never break a link.
void record(host::Service& service, const links::LinkTarget& target, const engine::IncomingEvent& event) {
  try {
    service.ingest(target.client, {event});
  } catch (const std::exception& error) {
    spdlog::warn("client {}: could not record {} of message {}: {}", target.client, event.type, target.message,
                 error.what());
  }
}

bool reading(const server::HttpRequest& request) {
  return request.method == "GET" || request.method == "HEAD";
}

HttpResponse only_get() {
  auto response = HttpResponse::error(405, "method_not_allowed", "use GET on a tracking link");
  response.headers.emplace_back("Allow", "GET, HEAD");
  return response;
}

}  // namespace

HttpResponse open_pixel_route(host::Service& service, const std::string& token, const server::HttpRequest& request) {
  const auto target = verified(service, token, "o");
  if (!target) return not_found();
  if (!reading(request)) return only_get();
  auto event = tracking_event(*target, "email.opened");
  event.id = "email.opened:" + target->message;  // the first open of a message only
  event.counts = engine::StepCount{target->journey, target->step, "opened", {}};
  record(service, *target, event);
  HttpResponse response;
  response.content_type = "image/gif";
  response.body.assign(reinterpret_cast<const char*>(kPixel), sizeof kPixel);
  // Every open reaches the host (a cached pixel would hide the first one of a reader
  // whose mail program fetched it before); the event id keeps it to one event.
  response.headers.emplace_back("Cache-Control", "no-store, no-cache, must-revalidate, private");
  return response;
}

HttpResponse click_route(host::Service& service, const std::string& token, const server::HttpRequest& request) {
  const auto target = verified(service, token, "c");
  if (!target) return not_found();
  if (!reading(request)) return only_get();
  auto event = tracking_event(*target, "email.clicked");
  event.properties["url"] = target->url;
  char link[17];
  std::snprintf(link, sizeof link, "%016llx",
                static_cast<unsigned long long>(engine::stable_hash(target->message, target->url, "link")));
  const std::string prefix = "email.clicked:" + target->message + ":";
  event.id = prefix + link;  // once per message and link
  event.counts = engine::StepCount{target->journey, target->step, "clicked", prefix};
  record(service, *target, event);
  HttpResponse response;
  response.status = 302;
  response.headers.emplace_back("Location", target->url);
  response.headers.emplace_back("Cache-Control", "no-store");
  response.headers.emplace_back("Referrer-Policy", "no-referrer");
  return response;
}

}  // namespace parcours::api
