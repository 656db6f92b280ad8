#include "api/unsubscribe_route.hpp"

#include <nlohmann/json.hpp>

#include "host/runtime.hpp"
#include "render/mustache.hpp"

namespace parcours::api {

using server::HttpResponse;

namespace {

using render::escape_html;

HttpResponse page(int status, const std::string& title, const std::string& body) {
  HttpResponse response;
  response.status = status;
  response.content_type = "text/html; charset=utf-8";
  response.headers.emplace_back("Cache-Control", "no-store");
  response.headers.emplace_back("Referrer-Policy", "no-referrer");
  response.body =
      "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
      "<meta name=\"viewport\" content=\"width=device-width\"><title>" +
      escape_html(title) +
      "</title><style>body{font:16px/1.5 system-ui,sans-serif;max-width:32em;margin:4em auto;"
      "padding:0 1em}button{font:inherit;padding:.5em 1.5em}</style></head><body>\n" +
      body + "\n</body></html>\n";
  return response;
}

}  // namespace

HttpResponse unsubscribe_route(host::Service& service, const std::string& token, const server::HttpRequest& request) {
  const auto runtime = service.runtime();
  const auto target = runtime->links->verify(token);
  const config::ClientConfig* client = nullptr;
  if (target && target->purpose == "u")
    for (const auto& candidate : runtime->loaded.clients)
      if (candidate.id == target->client) client = &candidate;
  if (client == nullptr)
    return page(404, "Link not valid",
                "<h1>This link is not valid</h1><p>It may have been cut short by your mail "
                "program. Use the link from the message again.</p>");
  const std::string who = escape_html(client->name);
  if (request.method == "GET" || request.method == "HEAD")
    return page(200, "Unsubscribe",
                "<h1>Unsubscribe</h1><p>Stop receiving " + escape_html(target->channel) + " messages from " + who +
                    "?</p><form method=\"post\"><button type=\"submit\">Unsubscribe</button></form>");
  if (request.method != "POST") {
    auto response = HttpResponse::error(405, "method_not_allowed", "use GET or POST on an unsubscribe link");
    response.headers.emplace_back("Allow", "GET, POST");
    return response;
  }
  engine::IncomingEvent event;
  event.type = "consent.withdrawn";
  event.contact = target->contact;
  event.properties = {{"channel", target->channel}, {"via", "unsubscribe link"}};
  event.attributes = {{"consent", {{target->channel, false}}}};
  service.ingest(target->client, {event});
  return page(200, "Unsubscribed",
              "<h1>You are unsubscribed</h1><p>You will get no more " + escape_html(target->channel) +
                  " messages from " + who + ".</p>");
}

}  // namespace parcours::api
