#include "api/contact_routes.hpp"

#include <nlohmann/json.hpp>

#include "host/runtime.hpp"
#include "schedule/clock.hpp"
#include "store/store.hpp"

namespace parcours::api {

using nlohmann::json;
using server::HttpResponse;

namespace {

constexpr std::size_t kLatestMessages = 20;

std::string step_label(const host::Runtime& runtime, const store::EnrollmentRecord& enrollment) {
  const auto client = runtime.loaded.journeys.find(enrollment.client);
  if (client != runtime.loaded.journeys.end())
    for (const auto& journey : client->second)
      if (journey.id == enrollment.journey && enrollment.step >= 0 &&
          static_cast<std::size_t>(enrollment.step) < journey.steps.size())
        return journey.steps[static_cast<std::size_t>(enrollment.step)].label();
  return "step " + std::to_string(enrollment.step + 1);
}

HttpResponse get_contact(host::Service& service, const std::string& client, const std::string& id) {
  const auto runtime = service.runtime();
  json out;
  bool found = false;
  service.store().transact([&](store::Transaction& tx) {
    const auto contact = tx.find_contact(client, id);
    const auto enrollments = tx.contact_enrollments(client, id);
    found = contact.has_value() || !enrollments.empty();
    if (!found) return;
    out = {{"id", id},
           {"attributes", contact ? json::parse(contact->attributes_json) : json::object()},
           {"enrollments", json::array()},
           {"messages", json::array()}};
    for (const auto& enrollment : enrollments) {
      json item{{"journey", enrollment.journey},
                {"run", enrollment.run},
                {"step", step_label(*runtime, enrollment)},
                {"status", store::to_string(enrollment.status)},
                {"entered_at", schedule::format_time(enrollment.entered_at)}};
      if (!enrollment.waiting_for.empty()) item["waiting_for"] = enrollment.waiting_for;
      if (enrollment.wake_at) item["waiting_until"] = schedule::format_time(*enrollment.wake_at);
      out["enrollments"].push_back(item);
    }
    for (const auto& message : tx.contact_messages(client, id, kLatestMessages)) {
      json item{{"journey", message.journey},
                {"step", message.step},
                {"channel", message.channel},
                {"status", store::to_string(message.status)},
                {"attempts", message.attempts},
                {"created_at", schedule::format_time(message.created_at)},
                {"updated_at", schedule::format_time(message.updated_at)}};
      if (!message.reason.empty()) item["reason"] = message.reason;
      if (!message.provider_id.empty()) item["provider_id"] = message.provider_id;
      if (const auto answer = json::parse(message.provider_answer, nullptr, false);
          answer.is_object() && !answer.empty())
        item["provider_answer"] = answer;
      out["messages"].push_back(item);
    }
  });
  if (!found) return HttpResponse::error(404, "unknown_contact", "client '" + client + "' has no contact '" + id + "'");
  return HttpResponse::json(200, out.dump(-1, ' ', false, json::error_handler_t::replace));
}

HttpResponse put_contact(host::Service& service, const std::string& client, const std::string& id,
                         const std::string& body) {
  const auto parsed = json::parse(body, nullptr, false);
  if (!parsed.is_object() || !parsed.contains("attributes") || !parsed["attributes"].is_object())
    return HttpResponse::error(
        400, "invalid_body",
        "send {\"attributes\": {...}}: the attributes to merge into the contact (null removes one)");
  for (const auto& [key, value] : parsed.items())
    if (key != "attributes")
      return HttpResponse::error(400, "invalid_body", "unknown field '" + key + "' (only 'attributes')");
  json attributes;
  service.store().transact([&](store::Transaction& tx) {
    const auto existing = tx.find_contact(client, id);
    attributes = existing ? json::parse(existing->attributes_json) : json::object();
    attributes.merge_patch(parsed["attributes"]);
    tx.upsert_contact({client, id, attributes.dump(), service.now()});
  });
  return HttpResponse::json(200, json{{"id", id}, {"attributes", attributes}}.dump());
}

HttpResponse delete_contact(host::Service& service, const std::string& client, const std::string& id) {
  bool found = false;
  std::size_t ended = 0;
  service.store().transact([&](store::Transaction& tx) {
    found = tx.find_contact(client, id).has_value() || !tx.contact_enrollments(client, id).empty();
    if (found) ended = tx.erase_contact(client, id);
  });
  if (!found) return HttpResponse::error(404, "unknown_contact", "client '" + client + "' has no contact '" + id + "'");
  service.metrics().add("parcours_contacts_erased_total", {{"client", client}});
  return HttpResponse::json(200, json{{"erased", true}, {"enrollments_ended", ended}}.dump());
}

}  // namespace

HttpResponse contact_route(host::Service& service, const std::string& client, const std::string& contact,
                           const server::HttpRequest& request) {
  if (contact.empty() || contact.size() > 256)
    return HttpResponse::error(400, "invalid_contact", "a contact id is 1 to 256 characters");
  if (request.method == "GET") return get_contact(service, client, contact);
  if (request.method == "PUT") return put_contact(service, client, contact, request.body);
  if (request.method == "DELETE") return delete_contact(service, client, contact);
  auto response = HttpResponse::error(405, "method_not_allowed", "use GET, PUT or DELETE on a contact");
  response.headers.emplace_back("Allow", "GET, PUT, DELETE");
  return response;
}

}  // namespace parcours::api
