// parcours/sdk.hpp — the C++ layer of the Parcours plugin SDK (header-only).
//
// A plugin author derives from parcours::Channel, parcours::Trigger or
// parcours::Source, gives the class a constructor taking `const parcours::Settings&`
// (optionally followed by a `parcours::Host`), and ends the file with one
// PARCOURS_PLUGIN(...) line that declares the plugin's id, version, kind, settings
// and parameters:
//
//   #include <parcours/sdk.hpp>
//
//   class GatewaySms final : public parcours::Channel {
//    public:
//     explicit GatewaySms(const parcours::Settings& s) : url_(s.string("url")) {}
//     parcours::SendResult send(const parcours::Message& m) override;
//    private:
//     std::string url_;
//   };
//
//   PARCOURS_PLUGIN(GatewaySms,
//     .id = "gateway-sms", .version = "1.2.0", .kind = parcours::Kind::channel,
//     .description = "SMS through Example Gateway",
//     .settings = {{"url", parcours::Type::string, parcours::required, "Gateway endpoint"}})
//
// Everything here is compiled into the plugin. The host never sees a C++ type: the
// macro builds the C descriptor of parcours/plugin.h (the ABI, the only contract
// with the host) and C trampolines around the class. Every exception thrown by the
// plugin's code is caught at that boundary and handed to the host as an error
// message, so a throwing plugin can fail a message but never take the host down.
//
// nlohmann::json is used on this side of the boundary only (settings, messages,
// parameters); it never crosses it — data crosses as JSON text.
#pragma once

#include <parcours/plugin.h>

#include <atomic>
#include <chrono>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <initializer_list>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>
#include <parcours/json_parse.hpp>
#include <parcours/json_write.hpp>

namespace parcours {

// ---------------------------------------------------------------------------------
// Declaring a plugin
// ---------------------------------------------------------------------------------

// What the plugin is for. Must match the base class: Channel, Trigger or Source.
enum class Kind : std::int32_t {
  channel = PARCOURS_KIND_CHANNEL,
  trigger = PARCOURS_KIND_TRIGGER,
  source = PARCOURS_KIND_SOURCE,
};

// The type of a setting or parameter, as the user writes it in TOML.
//   string   — "text"                      → Settings::string()
//   integer  — 42                          → Settings::integer()   (declared as "int")
//   boolean  — true                        → Settings::boolean()   (declared as "bool")
//   duration — "30s", "15m", "1d12h"       → Settings::duration(), in milliseconds
//   secret   — a string never shown back (`parcours plugins inspect` hides its default)
//   list     — ["a", "b"] (strings)        → Settings::list()
enum class Type { string, integer, boolean, duration, secret, list };

// The name of `type` in the descriptor JSON: string|int|bool|duration|secret|list.
constexpr const char* type_name(Type type) noexcept {
  switch (type) {
    case Type::string: return "string";
    case Type::integer: return "int";
    case Type::boolean: return "bool";
    case Type::duration: return "duration";
    case Type::secret: return "secret";
    case Type::list: return "list";
  }
  return "string";
}

// Tags for Setting::presence: `parcours::required` (the user must give it) or
// `parcours::optional` (it may be absent; Settings::has() tells).
struct Required {};
inline constexpr Required required{};
struct Optional {};
inline constexpr Optional optional{};

// Whether a setting must be given, and its default when it may be left out.
// Built from `parcours::required`, `parcours::optional` or `parcours::defaults_to(v)`.
class Presence {
 public:
  Presence(Required) : required_(true) {}  // NOLINT(google-explicit-constructor): reads as a tag
  Presence(Optional) {}                    // NOLINT(google-explicit-constructor)

  // A setting that may be left out, in which case the host passes `value` (which
  // must be of the setting's type: the host refuses a plugin whose default does not
  // match, naming the setting).
  static Presence with_default(nlohmann::json value) {
    Presence presence{optional};
    presence.default_ = std::move(value);
    return presence;
  }

  bool is_required() const noexcept { return required_; }
  // The default as JSON; null when there is none.
  const nlohmann::json& default_value() const noexcept { return default_; }

 private:
  bool required_ = false;
  nlohmann::json default_;
};

// `parcours::defaults_to("10s")`, `defaults_to(3)`, `defaults_to(true)`,
// `defaults_to({"a", "b"})`: an optional setting with that default. Durations are
// written as the user would write them ("10s", "1h30m").
template <typename T>
Presence defaults_to(T&& value) {
  return Presence::with_default(nlohmann::json(std::forward<T>(value)));
}
inline Presence defaults_to(std::initializer_list<std::string> values) {
  return Presence::with_default(nlohmann::json(std::vector<std::string>(values)));
}

// One declared setting (or channel parameter):
//   {"url", parcours::Type::string, parcours::required, "Gateway endpoint"}
//   {"timeout", parcours::Type::duration, parcours::defaults_to("10s"), "Give up after"}
// `name` is the TOML key. `help` is one line, shown by `parcours plugins inspect`.
struct Setting {
  const char* name = "";
  Type type = Type::string;
  Presence presence = optional;
  const char* help = "";
};

// Tag for `.params = parcours::any_params`: the channel takes any parameter a send
// step gives it (the descriptor says params_json = "*").
struct AnyParams {};
inline constexpr AnyParams any_params{};

// The message parameters a channel accepts from a `send` step, beyond the common
// ones (template, subject, text, html, transactional): a list of Settings, or
// `parcours::any_params`. Left out: none.
class ParamList {
 public:
  ParamList() = default;
  ParamList(std::initializer_list<Setting> params) : params_(params) {}  // NOLINT
  ParamList(AnyParams) : any_(true) {}                                   // NOLINT

  bool any() const noexcept { return any_; }
  const std::vector<Setting>& list() const noexcept { return params_; }

 private:
  std::vector<Setting> params_;
  bool any_ = false;
};

// What PARCOURS_PLUGIN(...) declares, with designated initializers in this order:
//   .id          unique plugin id, [a-z0-9-]+, what `plugin = "..."` names in TOML
//   .version     the plugin's own version, e.g. "1.2.0"
//   .kind        parcours::Kind::channel | trigger | source
//   .description one line
//   .settings    {{name, type, presence, help}, ...}
//   .params      channels: {{name, type, presence, help}, ...} or parcours::any_params
struct PluginInfo {
  const char* id = nullptr;
  const char* version = nullptr;
  Kind kind = Kind::channel;
  const char* description = "";
  std::vector<Setting> settings{};
  ParamList params{};
};

// ---------------------------------------------------------------------------------
// Settings
// ---------------------------------------------------------------------------------

// Thrown by the Settings getters. The message names the setting, so the host can
// show it as is ("setting 'url' is missing").
class SettingError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

namespace detail {

inline const char* json_type_phrase(const nlohmann::json& value) noexcept {
  switch (value.type()) {
    case nlohmann::json::value_t::null: return "nothing";
    case nlohmann::json::value_t::object: return "a table";
    case nlohmann::json::value_t::array: return "a list";
    case nlohmann::json::value_t::string: return "a string";
    case nlohmann::json::value_t::boolean: return "a boolean";
    case nlohmann::json::value_t::number_integer:
    case nlohmann::json::value_t::number_unsigned: return "an integer";
    case nlohmann::json::value_t::number_float: return "a number";
    default: return "a value";
  }
}

// JSON text that survives invalid UTF-8 in a plugin's strings.
inline std::string dump(const nlohmann::json& value) {
  return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// Appends `text` as a JSON string, escaped as dump() escapes it. Printable ASCII
// without a quote or backslash (an SMTP reply, a provider's id) is copied as it is;
// anything else goes through nlohmann's serializer.
inline void append_json_string(std::string& out, const std::string& text) {
  bool plain = true;
  for (const char c : text) plain = plain && c >= 0x20 && c < 0x7f && c != '"' && c != '\\';
  if (plain) {
    out += '"';
    out += text;
    out += '"';
    return;
  }
  nlohmann::detail::serializer<nlohmann::json> writer(nlohmann::detail::output_adapter<char>(out), ' ',
                                                      nlohmann::json::error_handler_t::replace);
  writer.dump(nlohmann::json(text), false, false, 0);
}

}  // namespace detail

// The settings of one instance, as the host hands them to the constructor: every
// declared setting the user gave, plus the defaults of those left out. The host has
// already checked them against the declaration, so a getter fails only when the
// plugin asks for something it did not declare that way; it then throws
// SettingError naming the setting, which the SDK reports as the instance's error.
class Settings {
 public:
  // `values` must be a JSON object; anything else counts as no setting at all.
  explicit Settings(nlohmann::json values = nlohmann::json::object())
      : values_(values.is_object() ? std::move(values) : nlohmann::json::object()) {}

  // Parses the settings object the host passes to create(); throws SettingError
  // when it is not a JSON object.
  static Settings parse(std::string_view text) {
    auto values = json_text::parse_or_discarded(text);
    if (values.is_discarded() || !values.is_object())
      throw SettingError("the host passed settings that are not a JSON object");
    return Settings(std::move(values));
  }

  // True when `name` is present (given by the user or defaulted) and not null.
  bool has(std::string_view name) const { return find(name) != nullptr; }

  // The value of a string (or secret) setting. Throws SettingError when it is
  // missing or not a string.
  std::string string(std::string_view name) const {
    const auto& value = get(name);
    if (!value.is_string()) throw wrong_type(name, "a string", value);
    return value.get<std::string>();
  }
  // ... or `fallback` when it is absent.
  std::string string(std::string_view name, std::string fallback) const {
    return has(name) ? string(name) : std::move(fallback);
  }

  // A secret setting (a token, a password): a string, named apart for readability.
  std::string secret(std::string_view name) const { return string(name); }

  // The value of an int setting. Throws SettingError when missing or not an integer.
  std::int64_t integer(std::string_view name) const {
    const auto& value = get(name);
    if (!value.is_number_integer()) throw wrong_type(name, "an integer", value);
    return value.get<std::int64_t>();
  }
  std::int64_t integer(std::string_view name, std::int64_t fallback) const {
    return has(name) ? integer(name) : fallback;
  }

  // The value of a bool setting. Throws SettingError when missing or not a boolean.
  bool boolean(std::string_view name) const {
    const auto& value = get(name);
    if (!value.is_boolean()) throw wrong_type(name, "a boolean", value);
    return value.get<bool>();
  }
  bool boolean(std::string_view name, bool fallback) const { return has(name) ? boolean(name) : fallback; }

  // The value of a duration setting. The host reads what the user wrote ("1h30m",
  // with its one duration parser) and hands every duration to plugins as a whole
  // number of milliseconds, so no plugin needs a parser of its own. Throws
  // SettingError when missing or not a positive integer.
  std::chrono::milliseconds duration(std::string_view name) const {
    const auto& value = get(name);
    if (value.is_number_integer() && value.get<std::int64_t>() > 0)
      return std::chrono::milliseconds(value.get<std::int64_t>());
    throw SettingError("setting '" + std::string(name) + "' must be a duration in milliseconds (a positive integer)");
  }
  std::chrono::milliseconds duration(std::string_view name, std::chrono::milliseconds fallback) const {
    return has(name) ? duration(name) : fallback;
  }

  // The value of a list setting (strings). Throws SettingError when missing, not a
  // list, or holding something else than strings.
  std::vector<std::string> list(std::string_view name) const {
    const auto& value = get(name);
    if (!value.is_array()) throw wrong_type(name, "a list of strings", value);
    std::vector<std::string> items;
    items.reserve(value.size());
    for (const auto& item : value) {
      if (!item.is_string()) throw wrong_type(name, "a list of strings", item);
      items.push_back(item.get<std::string>());
    }
    return items;
  }
  std::vector<std::string> list(std::string_view name, std::vector<std::string> fallback) const {
    return has(name) ? list(name) : std::move(fallback);
  }

  // Every setting as one JSON object.
  const nlohmann::json& json() const noexcept { return values_; }

 private:
  const nlohmann::json* find(std::string_view name) const {
    auto it = values_.find(std::string(name));
    if (it == values_.end() || it->is_null()) return nullptr;
    return &*it;
  }
  const nlohmann::json& get(std::string_view name) const {
    if (const auto* value = find(name)) return *value;
    throw SettingError("setting '" + std::string(name) + "' is missing");
  }
  static SettingError wrong_type(std::string_view name, const char* expected, const nlohmann::json& got) {
    // Names the type only, never the value: it may be a secret.
    return SettingError("setting '" + std::string(name) + "' must be " + expected + ", not " +
                        detail::json_type_phrase(got));
  }

  nlohmann::json values_;
};

// ---------------------------------------------------------------------------------
// Messages and results (channels)
// ---------------------------------------------------------------------------------

// The contact a message is for: its id and attributes (email, phone, timezone,
// locale, consent, and whatever else the client stores).
struct Contact {
  std::string id;
  nlohmann::json attributes = nlohmann::json::object();

  // The attribute `name` when it is a string, else "" (e.g. contact.attribute("email")).
  std::string attribute(std::string_view name) const {
    auto it = attributes.find(std::string(name));
    return it != attributes.end() && it->is_string() ? it->get<std::string>() : std::string();
  }
};

// The rendered content of a message; a field the step does not produce is "".
struct Content {
  std::string subject;
  std::string text;
  std::string html;
};

// One message to send, as the host's dispatcher hands it to a channel. Its wire form
// (the JSON of plugin.h's send()):
//   {"idempotency_key": "m-81f2...", "channel": "sms", "client": "acme",
//    "contact": {"id": "c-1", "attributes": {"phone": "+33600000000", ...}},
//    "content": {"subject": "...", "text": "...", "html": "..."},
//    "params": {"template": "cart-reminder", ...}}
struct Message {
  // The same for every attempt of one message: hand it to providers that support
  // idempotency keys, so a retry after a crash cannot become a duplicate.
  std::string idempotency_key;
  std::string channel;  // the channel instance name in the client's TOML
  std::string client;   // the client (tenant) id
  Contact contact;
  Content content;
  nlohmann::json params = nlohmann::json::object();  // the step's rendered parameters
  // The host's unsubscribe link for this contact and channel (GET shows a page, POST
  // unsubscribes: also RFC 8058's one-click POST); empty under `parcours simulate`.
  std::string unsubscribe_url;
  // The send step says `transactional = true` (a receipt, a password reset): it skips
  // consent and pressure, and is no list mail (no List-Unsubscribe).
  bool transactional = false;
  nlohmann::json wire = nlohmann::json::object();  // the whole message as received

  // Reads the wire form; absent fields stay empty. Throws std::invalid_argument when
  // `wire` is not an object.
  static Message from_json(const nlohmann::json& wire) { return from_json(nlohmann::json(wire)); }
  // The same, keeping `wire` itself rather than a copy (what the host's call does).
  static Message from_json(nlohmann::json&& wire) {
    if (!wire.is_object()) throw std::invalid_argument("the message is not a JSON object");
    Message message;
    message.idempotency_key = string_field(wire, "idempotency_key");
    message.channel = string_field(wire, "channel");
    message.client = string_field(wire, "client");
    if (auto it = wire.find("contact"); it != wire.end() && it->is_object()) {
      message.contact.id = string_field(*it, "id");
      if (auto attributes = it->find("attributes"); attributes != it->end() && attributes->is_object())
        message.contact.attributes = *attributes;
    }
    if (auto it = wire.find("content"); it != wire.end() && it->is_object()) {
      message.content.subject = string_field(*it, "subject");
      message.content.text = string_field(*it, "text");
      message.content.html = string_field(*it, "html");
    }
    if (auto it = wire.find("params"); it != wire.end() && it->is_object()) message.params = *it;
    if (auto it = wire.find("links"); it != wire.end() && it->is_object())
      message.unsubscribe_url = string_field(*it, "unsubscribe");
    if (auto it = wire.find("transactional"); it != wire.end() && it->is_boolean()) message.transactional = *it;
    message.wire = std::move(wire);
    return message;
  }

 private:
  static std::string string_field(const nlohmann::json& object, const char* key) {
    auto it = object.find(key);
    return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
  }
};

// The JSON text of a message (plugin.h's send()) as a Message: the one
// Message::from_json(json_text::parse(text)) gives, parse errors included. With
// `keep_wire` false and simdjson there (parcours/json_parse.hpp), `wire` is left an
// empty object and the other fields are read straight from simdjson's document: a
// channel that never reads `wire` spares every message a JSON tree built and freed
// (declare it with `static constexpr bool kReadsMessageWire = false;` in the class).
namespace json_text {
#if defined(PARCOURS_SDK_SIMDJSON)
inline namespace with_simdjson {
namespace detail {

inline std::string string_or_empty(simdjson::dom::element value) {
  std::string_view text;
  return value.get(text) == simdjson::SUCCESS ? std::string(text) : std::string();
}

// Each member as Message::from_json reads it; a member given twice ends as the last
// one, as nlohmann keeps it. False when a value holds something build() leaves to
// nlohmann.
inline bool read_message_fields(simdjson::dom::element root, Message& message) {
  simdjson::dom::object members;
  if (root.get(members) != simdjson::SUCCESS) return false;  // not an object: from_json says so
  for (const auto member : members) {
    const std::string_view key = member.key;
    const simdjson::dom::element value = member.value;
    simdjson::dom::object object;
    const bool is_object = value.get(object) == simdjson::SUCCESS;
    if (key == "idempotency_key") {
      message.idempotency_key = string_or_empty(value);
    } else if (key == "channel") {
      message.channel = string_or_empty(value);
    } else if (key == "client") {
      message.client = string_or_empty(value);
    } else if (key == "contact") {
      message.contact = Contact{};
      if (!is_object) continue;
      for (const auto field : object) {
        if (field.key == "id") {
          message.contact.id = string_or_empty(field.value);
        } else if (field.key == "attributes") {
          if (field.value.type() != simdjson::dom::element_type::OBJECT)
            message.contact.attributes = nlohmann::json::object();
          else if (!build(field.value, message.contact.attributes))
            return false;
        }
      }
    } else if (key == "content") {
      message.content = Content{};
      if (!is_object) continue;
      for (const auto field : object) {
        if (field.key == "subject")
          message.content.subject = string_or_empty(field.value);
        else if (field.key == "text")
          message.content.text = string_or_empty(field.value);
        else if (field.key == "html")
          message.content.html = string_or_empty(field.value);
      }
    } else if (key == "params") {
      if (!is_object)
        message.params = nlohmann::json::object();
      else if (!build(value, message.params))
        return false;
    } else if (key == "links") {
      message.unsubscribe_url.clear();
      if (!is_object) continue;
      for (const auto field : object)
        if (field.key == "unsubscribe") message.unsubscribe_url = string_or_empty(field.value);
    } else if (key == "transactional") {
      bool flag = false;
      message.transactional = value.get(flag) == simdjson::SUCCESS && flag;
    }
  }
  return true;
}

}  // namespace detail

inline Message read_message(std::string_view text, bool keep_wire = true) {
  if (!keep_wire) {
    Message message;
    if (detail::with_document(text,
                              [&](simdjson::dom::element root) { return detail::read_message_fields(root, message); }))
      return message;
  }
  Message message = Message::from_json(parse(text));
  if (!keep_wire) message.wire = nlohmann::json::object();  // the same whichever way it was read
  return message;
}

}  // namespace with_simdjson
#else
inline namespace without_simdjson {

inline Message read_message(std::string_view text, bool keep_wire = true) {
  Message message = Message::from_json(parse(text));  // nlohmann builds the tree either way
  if (!keep_wire) message.wire = nlohmann::json::object();
  return message;
}

}  // namespace without_simdjson
#endif
}  // namespace json_text

// What a channel's send() returns: delivered, retry later, or failed for good.
class SendResult {
 public:
  enum class Status { delivered, retry, failed };

  // The provider accepted the message; `provider_id` is its id there, if any.
  static SendResult delivered(std::string provider_id = {}) {
    return SendResult(Status::delivered, {}, std::chrono::milliseconds(0), std::move(provider_id));
  }
  // A transient failure (timeout, 429, 5xx): the host tries again after `after`
  // (zero: the host's own back-off).
  static SendResult retry(std::string error, std::chrono::milliseconds after = std::chrono::milliseconds(0)) {
    return SendResult(Status::retry, std::move(error), after, {});
  }
  // A permanent failure (invalid address, rejected content): never retried.
  static SendResult failed(std::string error) {
    return SendResult(Status::failed, std::move(error), std::chrono::milliseconds(0), {});
  }

  Status status() const noexcept { return status_; }
  const std::string& error() const noexcept { return error_; }
  std::chrono::milliseconds retry_after() const noexcept { return retry_after_; }
  const std::string& provider_id() const noexcept { return provider_id_; }

  // What the provider answered that is worth keeping in the host's message log (a JSON
  // object: the SMTP server's reply, the SMS segments...). Never put a secret here.
  SendResult& with_answer(nlohmann::json answer) {
    if (answer.is_object()) answer_ = std::move(answer);
    return *this;
  }
  const nlohmann::json& answer() const noexcept { return answer_; }

  // The result JSON of plugin.h's send():
  //   {"status": "delivered"|"retry"|"failed", "error": "...", "retry_after_ms": N,
  //    "provider_id": "...", "answer": {...}} — fields without a value are left out.
  nlohmann::json to_json() const {
    nlohmann::json out = nlohmann::json::object();
    out["status"] = status_name();
    if (!error_.empty()) out["error"] = error_;
    if (retry_after_.count() > 0) out["retry_after_ms"] = retry_after_.count();
    if (!provider_id_.empty()) out["provider_id"] = provider_id_;
    if (!answer_.empty()) out["answer"] = answer_;
    return out;
  }
  // The same text as detail::dump(to_json()), written straight out: one crosses the
  // plugin boundary for every message sent, and building the document to dump it cost
  // more than the rest of a result's way back. Keys in dump()'s (sorted) order.
  std::string to_json_text() const {
    std::string out;
    out.reserve(64 + error_.size() + provider_id_.size());
    out += '{';
    if (!answer_.empty()) {
      out += "\"answer\":";
      // A send result's answer crosses the plugin boundary with every message.
      json_text::append_json(out, answer_, detail::append_json_string);
      out += ',';
    }
    if (!error_.empty()) {
      out += "\"error\":";
      detail::append_json_string(out, error_);
      out += ',';
    }
    if (!provider_id_.empty()) {
      out += "\"provider_id\":";
      detail::append_json_string(out, provider_id_);
      out += ',';
    }
    if (retry_after_.count() > 0) {
      out += "\"retry_after_ms\":";
      out += std::to_string(retry_after_.count());
      out += ',';
    }
    out += "\"status\":\"";
    out += status_name();
    out += "\"}";
    return out;
  }

 private:
  const char* status_name() const noexcept {
    return status_ == Status::delivered ? "delivered" : status_ == Status::retry ? "retry" : "failed";
  }
  SendResult(Status status, std::string error, std::chrono::milliseconds after, std::string provider_id)
      : status_(status), error_(std::move(error)), retry_after_(after), provider_id_(std::move(provider_id)) {}

  Status status_;
  std::string error_;
  std::chrono::milliseconds retry_after_;
  std::string provider_id_;
  nlohmann::json answer_ = nlohmann::json::object();
};

// Where an asynchronous send (Channel::send_async, ABI 1.4) reports its result. Call it
// once, from any thread, when the provider has answered; later calls are ignored. It is
// copyable (all copies are the same completion) so it fits in a std::function. If the
// last copy is destroyed without a call, the host hears failed("... dropped ..."): a
// message is never left without an answer. Calling it may make the host start the next
// message on this thread (plugin.h): do not call it while holding a lock your
// send_async takes.
class SendCompletion {
 public:
  using Done = void (*)(void* done_ctx, const char* result_json);
  SendCompletion(Done done, void* done_ctx) : state_(std::make_shared<State>(done, done_ctx)) {}

  // Reports `result` (the first call only). Never throws.
  void operator()(const SendResult& result) const noexcept { state_->report(result); }

 private:
  struct State {
    Done done;
    void* done_ctx;
    std::atomic<bool> called{false};
    State(Done d, void* ctx) : done(d), done_ctx(ctx) {}
    State(const State&) = delete;
    State& operator=(const State&) = delete;
    ~State() { report(SendResult::failed("the channel dropped the message without answering")); }
    void report(const SendResult& result) noexcept {
      if (called.exchange(true)) return;
      std::string text;
      try {
        text = result.to_json_text();
      } catch (...) {
        text.clear();  // out of memory: the host reads a null result as failed
      }
      done(done_ctx, text.empty() ? nullptr : text.c_str());
    }
  };
  std::shared_ptr<State> state_;
};

// ---------------------------------------------------------------------------------
// The host's services
// ---------------------------------------------------------------------------------

enum class LogLevel : std::int32_t {
  trace = PARCOURS_LOG_TRACE,
  debug = PARCOURS_LOG_DEBUG,
  info = PARCOURS_LOG_INFO,
  warn = PARCOURS_LOG_WARN,
  error = PARCOURS_LOG_ERROR,
};

// The services the host offers an instance (plugin.h's parcours_host), valid from
// construction until the instance is destroyed. Copyable and cheap. A service the
// host does not provide (an older host, or a test passing no table) degrades
// gracefully: log and metric do nothing, now() reads the system clock, emit throws.
class Host {
 public:
  Host() = default;
  explicit Host(const parcours_host* table) noexcept : table_(table) {}

  // Logs one line; the host tags it with the plugin id, client and instance name.
  void log(LogLevel level, std::string_view message) const noexcept {
    if (!provides(offsetof(parcours_host, log)) || !table_->log) return;
    try {
      const std::string text(message);
      table_->log(table_->ctx, static_cast<std::int32_t>(level), text.c_str());
    } catch (...) {  // only std::bad_alloc can get here; a lost log line is acceptable
    }
  }
  void trace(std::string_view message) const noexcept { log(LogLevel::trace, message); }
  void debug(std::string_view message) const noexcept { log(LogLevel::debug, message); }
  void info(std::string_view message) const noexcept { log(LogLevel::info, message); }
  void warn(std::string_view message) const noexcept { log(LogLevel::warn, message); }
  void error(std::string_view message) const noexcept { log(LogLevel::error, message); }

  // Emits one event (the ingestion format: {"id", "type", "contact", "time",
  // "properties"}) into the client's event log. Throws std::runtime_error with the
  // host's reason when it is not stored.
  void emit(const nlohmann::json& event) const {
    if (!provides(offsetof(parcours_host, emit)) || !table_->emit)
      throw std::runtime_error("this host does not accept events from plugins");
    const std::string text = event.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    const char* error = nullptr;
    if (table_->emit(table_->ctx, text.c_str(), &error) != 0)
      throw std::runtime_error(error ? error : "the host refused the event");
  }

  // The host's clock — virtual under `parcours simulate`. Use it, not the system
  // clock, for anything a journey's timing depends on.
  std::chrono::system_clock::time_point now() const noexcept {
    if (provides(offsetof(parcours_host, now_ms)) && table_->now_ms)
      return std::chrono::system_clock::time_point(std::chrono::milliseconds(table_->now_ms(table_->ctx)));
    return std::chrono::system_clock::now();
  }

  // Reports a metric sample, exported as parcours_plugin_<name>; `labels` is a JSON
  // object of strings (or null for none).
  void metric(std::string_view name, double value, const nlohmann::json& labels = nullptr) const noexcept {
    if (!provides(offsetof(parcours_host, metric)) || !table_->metric) return;
    try {
      const std::string text(name);
      const std::string label_text =
          labels.is_object() ? labels.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) : "";
      table_->metric(table_->ctx, text.c_str(), value, labels.is_object() ? label_text.c_str() : nullptr);
    } catch (...) {  // std::bad_alloc: a lost sample is acceptable
    }
  }

  // ABI 1.2: where this instance runs — {"client", "instance", "plugin", "timezone",
  // "country", "sources"} — or an empty object from an older host.
  nlohmann::json context() const {
    if (!provides(offsetof(parcours_host, context_json)) || !table_->context_json) return nlohmann::json::object();
    const char* text = table_->context_json(table_->ctx);
    if (text == nullptr) return nlohmann::json::object();
    nlohmann::json out = json_text::parse_or_discarded(text);
    return out.is_object() ? out : nlohmann::json::object();
  }

  // ABI 1.2: every row of the client's data source `name` (a [sources.<name>] table),
  // as an array of {"contact": "<id>", "data": {...}}. Throws std::runtime_error with
  // the host's reason when the source is unknown, lists no rows, or failed.
  nlohmann::json scan_source(std::string_view name) const {
    if (!provides(offsetof(parcours_host, scan_source)) || !table_->scan_source)
      throw std::runtime_error("this host does not share its data sources with plugins (it is older than ABI 1.2)");
    const std::string source(name);
    const char* error = nullptr;
    const char* text = table_->scan_source(table_->ctx, source.c_str(), &error);
    if (text == nullptr) throw std::runtime_error(error ? error : "the host could not list the source's rows");
    nlohmann::json rows = json_text::parse_or_discarded(text);
    if (!rows.is_array()) throw std::runtime_error("the host returned rows that are not a JSON array");
    return rows;
  }

  // The raw table, for what this wrapper does not cover; may be null.
  const parcours_host* table() const noexcept { return table_; }

 private:
  // Whether the host's table is long enough to hold the callback at `offset` (an
  // older host's table is shorter).
  bool provides(std::size_t offset) const noexcept {
    return table_ != nullptr && table_->struct_size >= offset + sizeof(void*);
  }

  const parcours_host* table_ = nullptr;
};

// ---------------------------------------------------------------------------------
// Base classes
// ---------------------------------------------------------------------------------

namespace detail {
template <typename Plugin>
struct Adapter;
}

// What every plugin class shares: access to the host's services. Derive from
// Channel, Trigger or Source, not from this.
class PluginBase {
 public:
  virtual ~PluginBase() = default;
  PluginBase(const PluginBase&) = delete;
  PluginBase& operator=(const PluginBase&) = delete;

 protected:
  PluginBase() = default;
  // The host's services. Set once the constructor has returned: a constructor that
  // needs them takes a `parcours::Host` as its second parameter instead.
  const Host& host() const noexcept { return host_; }

 private:
  template <typename Plugin>
  friend struct detail::Adapter;
  Host host_;
};

// An HTTP request the host routes to an instance (plugin.h, handle_request): a
// trigger's webhook (ABI 1.1), or a browser's call to a channel's popup routes
// (ABI 1.3).
struct Request {
  std::string method;
  std::string path;
  std::string query;
  std::map<std::string, std::string> headers;  // names in lower case
  std::string body;
  // ABI 1.3, channel routes: the client, the route ("popups") and the parts of the
  // path the host parsed, e.g. {"contact": "c-1", "popup": "p-9", "action": "seen"}.
  std::string client;
  std::string route;
  std::map<std::string, std::string> params;
  // The header's value, or "" when absent.
  const std::string& header(const std::string& lower_case_name) const {
    static const std::string empty;
    const auto it = headers.find(lower_case_name);
    return it == headers.end() ? empty : it->second;
  }
  // The path parameter's value, or "" when absent.
  const std::string& param(const std::string& name) const {
    static const std::string empty;
    const auto it = params.find(name);
    return it == params.end() ? empty : it->second;
  }
};

// The answer: events to store for the client, and/or a JSON body to send back
// (channels, ABI 1.3), or a refusal (4xx with a message; nothing is stored).
struct Response {
  int status = 202;
  std::vector<nlohmann::json> events;
  std::string error;
  nlohmann::json body = nullptr;  // null: no body (a trigger's is never sent)
  static Response accept(std::vector<nlohmann::json> events) { return {202, std::move(events), {}, nullptr}; }
  static Response refuse(int status, std::string error) { return {status, {}, std::move(error), nullptr}; }
  // `body` sent back as application/json with `status`, after `events` are stored.
  static Response reply(int status, nlohmann::json body, std::vector<nlohmann::json> events = {}) {
    return {status, std::move(events), {}, std::move(body)};
  }
};

// Their names in ABI 1.1, when only triggers took requests.
using WebhookRequest = Request;
using WebhookResponse = Response;

// A channel sends messages (email, SMS, ads audiences...). send() may be called from
// several threads at once, on one instance: protect shared state.
class Channel : public PluginBase {
 public:
  static constexpr Kind kind = Kind::channel;
  // Sends one message. Return delivered, retry(...) or failed(...); an exception is
  // reported to the host as failed with its message.
  virtual SendResult send(const Message& message) = 0;
  // Channels whose provider can take several messages at once without a thread each
  // (a pipelined connection, HTTP/2, an event loop) override this too (ABI 1.4): start
  // sending and return at once; call `done` when the provider answered, from any
  // thread. The host then calls this instead of send(), with up to the channel's
  // `concurrency` messages in flight, and no thread of its own waits for them. An
  // exception thrown here is reported as failed with its message. The destructor must
  // answer (or drop) every send still in flight before it returns. send() must still
  // work: a host older than 1.4 calls only that.
  virtual void send_async(Message message, SendCompletion done) { done(send(message)); }
  // Channels that serve browsers override this (ABI 1.3): the host's popup routes
  // (plugin.h, handle_request) — answer Response::reply(200, {{"popups", [...]}})
  // to a GET, Response::reply(202, nullptr, events) to a POST you recognise, and
  // Response::refuse(404, ...) to one you do not. Called from several threads at
  // once. A throw is answered 400 with its message.
  virtual Response handle_request(const Request& request) {
    (void)request;
    throw std::logic_error("this channel takes no requests");
  }
};

// A trigger produces events through host().emit(), from its own thread or a timer.
class Trigger : public PluginBase {
 public:
  static constexpr Kind kind = Kind::trigger;
  // Starts producing events; throw to report why it cannot start.
  virtual void start() = 0;
  // Stops producing events; must return only when no emit() is in flight.
  virtual void stop() = 0;
  // Webhook triggers override this (ABI 1.1): the events in one request the host
  // received for this instance. A throw is answered 400 with its message.
  virtual Response handle_request(const Request& request) {
    (void)request;
    throw std::logic_error("this trigger takes no webhooks");
  }
};

// A source enriches contacts and/or lists audiences. Override lookup(), scan() or
// both: the host learns from the descriptor which ones the plugin provides.
class Source : public PluginBase {
 public:
  static constexpr Kind kind = Kind::source;
  // The attributes known about `contact` (a JSON object), or nothing when unknown.
  // Called on the engine's thread for every contact a journey looks at: answer from
  // memory (refresh in the background), never with a network round trip.
  virtual std::optional<nlohmann::json> lookup(const Contact& contact) {
    (void)contact;
    throw std::logic_error("this source does not look contacts up");
  }
  // Every row, for audiences: a JSON array of {"contact": "<id>", "data": {...row...}}.
  virtual nlohmann::json scan() { throw std::logic_error("this source does not list rows"); }
};

// ---------------------------------------------------------------------------------
// The boundary (used by PARCOURS_PLUGIN; not for plugin code)
// ---------------------------------------------------------------------------------

namespace detail {

// A copy of `text` in malloc'd memory, freed by the descriptor's free_string; null
// when memory runs out (the host reads a null result as a failure).
inline char* copy_string(std::string_view text) noexcept {
  auto* out = static_cast<char*>(std::malloc(text.size() + 1));
  if (!out) return nullptr;
  std::memcpy(out, text.data(), text.size());
  out[text.size()] = '\0';
  return out;
}

inline void free_string(char* text) noexcept {
  std::free(text);
}

// The message of the exception being handled (call only inside a catch block).
inline std::string current_exception_message() noexcept {
  try {
    throw;
  } catch (const std::exception& e) {
    return e.what()[0] ? e.what() : "an exception without a message";
  } catch (...) {
    return "an exception that is not a std::exception";
  }
}

// The descriptor JSON of a list of settings (plugin.h, settings_json).
inline nlohmann::json settings_json(const std::vector<Setting>& settings) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& setting : settings) {
    out.push_back({{"name", setting.name ? setting.name : ""},
                   {"type", type_name(setting.type)},
                   {"required", setting.presence.is_required()},
                   {"default", setting.presence.default_value()},
                   {"help", setting.help ? setting.help : ""}});
  }
  return out;
}

// What a parcours_instance* points to.
template <typename Plugin>
struct Box {
  std::unique_ptr<Plugin> plugin;
};

template <typename Plugin>
concept HasValidateParams = requires(const nlohmann::json& params) {
  { Plugin::validate_params(params) } -> std::convertible_to<std::optional<std::string>>;
};

// The C trampolines around one plugin class. Each is noexcept and catches
// everything: an exception must never unwind into the host.
template <typename Plugin>
struct Adapter {
  static_assert(std::is_base_of_v<Channel, Plugin> || std::is_base_of_v<Trigger, Plugin> ||
                    std::is_base_of_v<Source, Plugin>,
                "a Parcours plugin class derives from parcours::Channel, Trigger or Source");
  static_assert(std::is_constructible_v<Plugin, const Settings&, Host> ||
                    std::is_constructible_v<Plugin, const Settings&>,
                "a Parcours plugin class has a constructor taking (const parcours::Settings&) or "
                "(const parcours::Settings&, parcours::Host)");

  static Plugin& plugin(parcours_instance* instance) noexcept {
    return *reinterpret_cast<Box<Plugin>*>(instance)->plugin;
  }

  // Whether the channel reads Message::wire: yes, unless its class says
  // `static constexpr bool kReadsMessageWire = false;` (json_text::read_message).
  static constexpr bool reads_message_wire() {
    if constexpr (requires { Plugin::kReadsMessageWire; })
      return Plugin::kReadsMessageWire;
    else
      return true;
  }

  static parcours_instance* create(const char* settings_json, const parcours_host* host, char** error) noexcept {
    if (error) *error = nullptr;
    try {
      const Settings settings = Settings::parse(settings_json ? settings_json : "{}");
      auto box = std::make_unique<Box<Plugin>>();
      if constexpr (std::is_constructible_v<Plugin, const Settings&, Host>)
        box->plugin = std::make_unique<Plugin>(settings, Host(host));
      else
        box->plugin = std::make_unique<Plugin>(settings);
      static_cast<PluginBase&>(*box->plugin).host_ = Host(host);
      return reinterpret_cast<parcours_instance*>(box.release());
    } catch (...) {
      if (error) *error = copy_string(current_exception_message());
      return nullptr;
    }
  }

  static void destroy(parcours_instance* instance) noexcept {
    // A destructor that throws is a bug, but not one that may reach the host.
    try {
      delete reinterpret_cast<Box<Plugin>*>(instance);
    } catch (...) {
    }
  }

  static char* validate_params(const char* params_json) noexcept {
    try {
      auto params = json_text::parse(params_json ? params_json : "{}");
      std::optional<std::string> problem = Plugin::validate_params(params);
      return problem ? copy_string(*problem) : nullptr;
    } catch (...) {
      return copy_string(current_exception_message());
    }
  }

  static char* failed(const std::string& error) noexcept {
    try {
      return copy_string(SendResult::failed(error).to_json_text());
    } catch (...) {
      return nullptr;  // the host reads a null result as failed
    }
  }

  static char* send(parcours_instance* instance, const char* message_json) noexcept {
    try {
      const SendResult result =
          plugin(instance).send(json_text::read_message(message_json ? message_json : "", reads_message_wire()));
      return copy_string(result.to_json_text());
    } catch (...) {
      return failed(current_exception_message());
    }
  }

  static void send_async(parcours_instance* instance, const char* message_json, SendCompletion::Done done,
                         void* done_ctx) noexcept {
    std::optional<SendCompletion> completion;
    try {
      completion.emplace(done, done_ctx);
    } catch (...) {
      done(done_ctx, nullptr);  // out of memory: the host reads a null result as failed
      return;
    }
    try {
      plugin(instance).send_async(json_text::read_message(message_json ? message_json : "", reads_message_wire()),
                                  *completion);
    } catch (...) {
      // Ignored if the plugin had answered before it threw.
      (*completion)(SendResult::failed(current_exception_message()));
    }
  }

  static char* start(parcours_instance* instance) noexcept {
    try {
      plugin(instance).start();
      return nullptr;
    } catch (...) {
      return copy_string(current_exception_message());
    }
  }

  static void stop(parcours_instance* instance) noexcept {
    try {
      plugin(instance).stop();
    } catch (...) {
      try {
        static_cast<PluginBase&>(plugin(instance)).host_.error("stop() failed: " + current_exception_message());
      } catch (...) {  // std::bad_alloc while reporting: nothing more to do
      }
    }
  }

  static char* handle_request(parcours_instance* instance, const char* request_json) noexcept {
    try {
      const auto wire = json_text::parse(request_json ? request_json : "");
      Request request;
      request.method = wire.value("method", "");
      request.path = wire.value("path", "");
      request.query = wire.value("query", "");
      request.body = wire.value("body", "");
      request.client = wire.value("client", "");
      request.route = wire.value("route", "");
      const auto read_strings = [&wire](const char* key, std::map<std::string, std::string>& into) {
        if (const auto it = wire.find(key); it != wire.end() && it->is_object())
          for (auto entry = it->begin(); entry != it->end(); ++entry)
            if (entry->is_string()) into[entry.key()] = entry->template get<std::string>();
      };
      read_strings("headers", request.headers);
      read_strings("params", request.params);
      const Response response = plugin(instance).handle_request(request);
      nlohmann::json out{{"status", response.status}};
      if (response.status >= 200 && response.status < 300) {
        out["events"] = response.events;
        if (!response.body.is_null()) out["body"] = response.body;
      } else {
        out["error"] = response.error;
      }
      return copy_string(dump(out));
    } catch (...) {
      try {
        return copy_string(dump(nlohmann::json{{"status", 400}, {"error", current_exception_message()}}));
      } catch (...) {
        return nullptr;
      }
    }
  }

  // A failed lookup/scan, as plugin.h defines it: {"$error": "message"} ('$' keys
  // are reserved, so no attribute can be mistaken for it).
  static char* error_object(const std::string& message) noexcept {
    try {
      return copy_string(dump(nlohmann::json{{"$error", message}}));
    } catch (...) {
      return nullptr;
    }
  }

  static char* lookup(parcours_instance* instance, const char* contact_json) noexcept {
    try {
      const auto wire = json_text::parse(contact_json ? contact_json : "");
      Contact contact;
      if (wire.is_object()) {
        if (auto it = wire.find("id"); it != wire.end() && it->is_string()) contact.id = it->get<std::string>();
        if (auto it = wire.find("attributes"); it != wire.end() && it->is_object()) contact.attributes = *it;
      }
      const auto found = plugin(instance).lookup(contact);
      return copy_string(found ? dump(*found) : "null");
    } catch (...) {
      return error_object(current_exception_message());
    }
  }

  static char* scan(parcours_instance* instance) noexcept {
    try {
      return copy_string(dump(plugin(instance).scan()));
    } catch (...) {
      return error_object(current_exception_message());
    }
  }
};

// Whether Plugin overrides Source::lookup / Source::scan (an inherited member's
// address has the base class's member-pointer type).
template <typename Plugin>
constexpr bool overrides_lookup() {
  return !std::is_same_v<decltype(&Plugin::lookup), decltype(&Source::lookup)>;
}
template <typename Plugin>
constexpr bool overrides_scan() {
  return !std::is_same_v<decltype(&Plugin::scan), decltype(&Source::scan)>;
}
template <typename Plugin>
constexpr bool overrides_send_async() {
  return !std::is_same_v<decltype(&Plugin::send_async), decltype(&Channel::send_async)>;
}
template <typename Plugin, typename Base>
constexpr bool overrides_handle_request() {
  return !std::is_same_v<decltype(&Plugin::handle_request), decltype(&Base::handle_request)>;
}

// The descriptor and the strings it points to, built once per library. Never
// copied or moved: the descriptor points into its own members.
class Described {
 public:
  template <typename Plugin>
  Described(const PluginInfo& info, Adapter<Plugin>*)
      : id_(info.id ? info.id : ""),
        version_(info.version ? info.version : ""),
        description_(info.description ? info.description : ""),
        settings_(dump(settings_json(info.settings))),
        params_(info.params.any() ? "*" : dump(settings_json(info.params.list()))) {
    using A = Adapter<Plugin>;
    descriptor_.abi_major = PARCOURS_ABI_MAJOR;
    descriptor_.abi_minor = PARCOURS_ABI_MINOR;
    descriptor_.struct_size = sizeof(parcours_plugin);
    // A null id or version stays null, so the host refuses the plugin by name.
    descriptor_.id = info.id ? id_.c_str() : nullptr;
    descriptor_.version = info.version ? version_.c_str() : nullptr;
    descriptor_.kind = static_cast<std::int32_t>(info.kind);
    descriptor_.description = description_.c_str();
    descriptor_.settings_json = settings_.c_str();
    descriptor_.params_json = info.params.any() || !info.params.list().empty() ? params_.c_str() : nullptr;
    descriptor_.create = &A::create;
    descriptor_.destroy = &A::destroy;
    descriptor_.free_string = &free_string;
    if constexpr (std::is_base_of_v<Channel, Plugin>) {
      descriptor_.send = &A::send;
      if constexpr (overrides_send_async<Plugin>()) descriptor_.send_async = &A::send_async;
      if constexpr (HasValidateParams<Plugin>) descriptor_.validate_params = &A::validate_params;
      if constexpr (overrides_handle_request<Plugin, Channel>()) descriptor_.handle_request = &A::handle_request;
    }
    if constexpr (std::is_base_of_v<Trigger, Plugin>) {
      descriptor_.start = &A::start;
      descriptor_.stop = &A::stop;
      if constexpr (overrides_handle_request<Plugin, Trigger>()) descriptor_.handle_request = &A::handle_request;
    }
    if constexpr (std::is_base_of_v<Source, Plugin>) {
      if constexpr (overrides_lookup<Plugin>()) descriptor_.lookup = &A::lookup;
      if constexpr (overrides_scan<Plugin>()) descriptor_.scan = &A::scan;
    }
  }
  Described(const Described&) = delete;
  Described& operator=(const Described&) = delete;

  const parcours_plugin* descriptor() const noexcept { return &descriptor_; }

 private:
  std::string id_;
  std::string version_;
  std::string description_;
  std::string settings_;
  std::string params_;
  parcours_plugin descriptor_{};
};

// What parcours_plugin_entry() returns: the descriptor of Plugin, built on first use
// from `info()`. Null (which the host reports) when building it throws.
template <typename Plugin>
const parcours_plugin* describe(const PluginInfo& (*info)()) noexcept {
  try {
    static const Described described(info(), static_cast<Adapter<Plugin>*>(nullptr));
    return described.descriptor();
  } catch (...) {
    std::fprintf(stderr, "parcours plugin: cannot build its descriptor: %s\n", current_exception_message().c_str());
    return nullptr;
  }
}

}  // namespace detail
}  // namespace parcours

// Declares the plugin class `PluginClass` and exports the library's entry point.
// Write it once, at namespace scope, in one source file of the plugin:
//   PARCOURS_PLUGIN(MyChannel, .id = "my-channel", .version = "1.0.0",
//                   .kind = parcours::Kind::channel, .description = "...",
//                   .settings = {...}, .params = {...})
// The fields are those of parcours::PluginInfo, in its order. A trailing ';' is
// optional.
#define PARCOURS_PLUGIN(PluginClass, ...)                                         \
  static const ::parcours::PluginInfo& parcours_plugin_info_() {                  \
    static const ::parcours::PluginInfo info{__VA_ARGS__};                        \
    return info;                                                                  \
  }                                                                               \
  extern "C" PARCOURS_EXPORT const parcours_plugin* parcours_plugin_entry(void) { \
    return ::parcours::detail::describe<PluginClass>(&parcours_plugin_info_);     \
  }
