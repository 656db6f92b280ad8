// The `popup` channel: a send queues a popup (title, HTML or text, a call to action,
// an expiry) for the contact, and the client's website shows it. The site embeds the
// host's /popup.js, which asks GET /v1/clients/{client}/popups/{contact} and reports
// POST .../{popup}/seen and .../clicked; the host hands those requests to this
// plugin (handle_request, ABI 1.3), which answers the list and the events
// `popup.seen` / `popup.clicked` the host stores for the client.
//
// The queue is a SQLite file (popup_queue.hpp), so a host killed at any moment loses
// no popup it was told was delivered, and a retried send queues nothing twice (the
// message's idempotency key).
#include <parcours/sdk.hpp>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <system_error>

#include <unistd.h>

#include "popup_queue.hpp"

#ifndef PARCOURS_POPUP_PLUGIN_VERSION
#error "the build defines PARCOURS_POPUP_PLUGIN_VERSION (the Parcours version)"
#endif

namespace {

using nlohmann::json;
using parcours::popup::PopupAction;
using parcours::popup::PopupContent;
using parcours::popup::PopupQueue;
using parcours::popup::QueueError;

// A popup is a small dialog: content larger than this is a mistake in a template.
constexpr std::size_t kMaxContentBytes = 64 * 1024;

bool starts_with(const std::string& text, const char* prefix) {
  return text.rfind(prefix, 0) == 0;
}

// The call to action's address: the browser follows it, so only web addresses —
// never javascript: or data: — and paths on the site itself.
std::optional<std::string> cta_url_problem(const std::string& url) {
  if (starts_with(url, "https://") || starts_with(url, "http://") || (starts_with(url, "/") && !starts_with(url, "//")))
    return std::nullopt;
  return "'cta_url' must be an http:// or https:// address or a path on the site (/...), not '" + url + "'";
}

std::string string_param(const json& params, const char* name) {
  const auto it = params.find(name);
  return it != params.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// The nearest folder of `path` that exists must be writable, so that the file and
// the folders above it can be created at the first message.
void check_writable(const std::filesystem::path& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec))
    throw std::runtime_error("'path' is the folder " + path.string() + ": name the popup file in it, e.g. " +
                             (path / "popups.db").string());
  std::filesystem::path existing = std::filesystem::absolute(path, ec);
  while (!existing.empty() && !std::filesystem::exists(existing, ec) && existing != existing.parent_path())
    existing = existing.parent_path();
  if (existing != std::filesystem::absolute(path, ec) && !std::filesystem::is_directory(existing, ec))
    throw std::runtime_error(existing.string() + " is not a folder, so 'path' " + path.string() + " cannot be created");
  if (::access(existing.c_str(), W_OK) != 0)
    throw std::runtime_error("'path': cannot write to " + existing.string() + ": " + std::strerror(errno));
}

class PopupChannel final : public parcours::Channel {
 public:
  // Reads the message's fields, never its whole wire form (parcours::Message::wire).
  static constexpr bool kReadsMessageWire = false;

  PopupChannel(const parcours::Settings& settings, parcours::Host host)
      : queue_(settings.string("path"), settings.duration("timeout")), expiry_(settings.duration("expiry")) {
    if (settings.string("path").empty()) throw std::runtime_error("'path' is empty: name the popup queue's file");
    check_writable(settings.string("path"));
    const json context = host.context();
    client_ = context.value("client", "");
    channel_ = context.value("instance", "");
    if (client_.empty() || channel_.empty())
      throw std::runtime_error("the host did not say which client and channel this is (ABI 1.2 context_json)");
  }

  static std::optional<std::string> validate_params(const json& params) {
    const std::string url = string_param(params, "cta_url");
    if (!url.empty() && string_param(params, "cta_text").empty())
      return "'cta_url' needs 'cta_text', the words on the button";
    // A URL built from a template ({{...}}) is checked once rendered, at send.
    if (!url.empty() && url.find("{{") == std::string::npos) return cta_url_problem(url);
    return std::nullopt;
  }

  parcours::SendResult send(const parcours::Message& message) override {
    if (message.contact.id.empty()) return parcours::SendResult::failed("the message names no contact");
    PopupContent content;
    content.title = message.content.subject;
    content.html = message.content.html;
    content.text = message.content.text;
    if (content.title.empty() && content.html.empty() && content.text.empty())
      return parcours::SendResult::failed("the popup is empty: give the step a template, or a subject, text or html");
    const std::size_t size = content.title.size() + content.html.size() + content.text.size();
    if (size > kMaxContentBytes)
      return parcours::SendResult::failed("the popup's content is " + std::to_string(size) +
                                          " bytes; a popup holds at most 64 KiB: shorten its template");
    content.cta_text = string_param(message.params, "cta_text");
    content.cta_url = string_param(message.params, "cta_url");
    if (!content.cta_url.empty()) {
      if (content.cta_text.empty())
        return parcours::SendResult::failed("'cta_url' needs 'cta_text', the words on the button");
      if (auto problem = cta_url_problem(content.cta_url)) return parcours::SendResult::failed(*problem);
    }
    if (const auto it = message.params.find("exit_intent"); it != message.params.end() && it->is_boolean())
      content.exit_intent = it->get<bool>();
    std::int64_t lifetime = expiry_.count();
    if (const auto it = message.params.find("expires"); it != message.params.end() && it->is_number_integer()) {
      if (it->get<std::int64_t>() <= 0) return parcours::SendResult::failed("'expires' must be a positive duration");
      lifetime = it->get<std::int64_t>();
    }

    const std::int64_t now = now_ms();
    // The host always gives a key; without one, nothing can tell a retry from a new send.
    const std::string key = message.idempotency_key.empty() ? parcours::popup::new_popup_id() : message.idempotency_key;
    try {
      const std::string id = queue_.enqueue(message.client.empty() ? client_ : message.client,
                                            message.channel.empty() ? channel_ : message.channel, key,
                                            message.contact.id, content, now, now + lifetime);
      return parcours::SendResult::delivered(id);
    } catch (const QueueError& error) {
      // A locked or full disk passes; the host tries again later.
      return parcours::SendResult::retry(error.what());
    }
  }

  parcours::Response handle_request(const parcours::Request& request) override {
    if (request.route != "popups") return parcours::Response::refuse(404, "the popup channel serves popups only");
    const std::string& contact = request.param("contact");
    if (contact.empty()) return parcours::Response::refuse(404, "the request names no contact");
    const std::string client = request.client.empty() ? client_ : request.client;
    try {
      const std::string& action = request.param("action");
      if (action.empty()) {
        if (request.method != "GET") return parcours::Response::refuse(405, "list popups with GET");
        json popups = json::array();
        for (const auto& popup : queue_.waiting(client, channel_, contact, now_ms()))
          popups.push_back(parcours::popup::popup_json(popup, channel_));
        return parcours::Response::reply(200, json{{"popups", popups}});
      }
      if (request.method != "POST") return parcours::Response::refuse(405, "mark a popup seen or clicked with POST");
      if (action != "seen" && action != "clicked")
        return parcours::Response::refuse(404, "a popup is marked seen or clicked, not '" + action + "'");
      const std::string& id = request.param("popup");
      const auto popup = queue_.mark(client, channel_, contact, id,
                                     action == "seen" ? PopupAction::seen : PopupAction::clicked, now_ms());
      if (!popup) return parcours::Response::refuse(404, "no popup '" + id + "' for contact '" + contact + "'");
      // `message` is the host's key for the send: the host adds the journey and step,
      // and counts the step's popup seen ("opened") or clicked.
      json properties{{"popup", popup->id}, {"channel", channel_}, {"message", popup->idempotency_key}};
      if (action == "clicked" && !popup->content.cta_url.empty()) properties["url"] = popup->content.cta_url;
      // One event per popup and action, however often the browser reports it: the
      // host stores a repeated event id once.
      return parcours::Response::accept({json{{"id", "popup." + action + ":" + popup->id},
                                              {"type", "popup." + action},
                                              {"contact", contact},
                                              {"properties", properties}}});
    } catch (const QueueError& error) {
      return parcours::Response::refuse(503, error.what());
    }
  }

 private:
  std::int64_t now_ms() const {
    return std::chrono::duration_cast<std::chrono::milliseconds>(host().now().time_since_epoch()).count();
  }

  PopupQueue queue_;
  const std::chrono::milliseconds expiry_;
  std::string client_;
  std::string channel_;
};

}  // namespace

// clang-format off
PARCOURS_PLUGIN(PopupChannel,
  .id = "popup",
  .version = PARCOURS_POPUP_PLUGIN_VERSION,
  .kind = parcours::Kind::channel,
  .description = "Website popups: queued per contact, shown by the host's /popup.js, seen and clicked as events",
  .settings = {
    {"path", parcours::Type::string, parcours::defaults_to("var/popups.db"),
     "SQLite file the popups wait in (relative to the folder the host runs in); shared by clients is fine"},
    {"expiry", parcours::Type::duration, parcours::defaults_to("7d"),
     "how long a popup waits to be seen, unless the step gives 'expires'"},
    {"timeout", parcours::Type::duration, parcours::defaults_to("10s"),
     "how long to wait for the file while another process writes it; then the send is retried"},
  },
  .params = {
    {"cta_text", parcours::Type::string, parcours::optional, "the call to action's words, on the popup's button"},
    {"cta_url", parcours::Type::string, parcours::optional,
     "where the button leads: an http(s) address or a path on the site"},
    {"expires", parcours::Type::duration, parcours::optional, "how long this popup waits to be seen (default: 'expiry')"},
    {"exit_intent", parcours::Type::boolean, parcours::defaults_to(false),
     "show it only when the pointer leaves the page through the top"},
  })
// clang-format on
