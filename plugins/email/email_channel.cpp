// The `email` channel (README.md): each message becomes a MIME email (mime_message) and
// goes out over SMTP (smtp_transport, pooled connections) or, for development, into a
// folder as one .eml file. Open and click tracking is the host's: this plugin declares
// the `tracking` setting, and the host rewrites the HTML it hands over when it is true
// (plugin.h, send()); the unsubscribe link the host gives goes into List-Unsubscribe.
//
// Results: 250 → delivered, with the Message-ID as the provider id and the server's
// reply in the answer; 4xx, no connection or a timeout → retry; 5xx → failed for good,
// with the server's text. A message without a usable address fails before any
// connection. The password is never logged nor put in an error.
#include <parcours/sdk.hpp>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <stdexcept>
#include <string>
#include <system_error>

#include <unistd.h>

#include "ascii.hpp"
#include "mime_message.hpp"
#include "smtp_transport.hpp"

#ifndef PARCOURS_EMAIL_PLUGIN_VERSION
#error "the build defines PARCOURS_EMAIL_PLUGIN_VERSION (the Parcours version)"
#endif

namespace {

using nlohmann::json;
using parcours::SendResult;
using parcours::SettingError;
using parcours::email::Mailbox;

std::string lower(std::string text) {
  for (char& c : text) c = parcours::email::ascii_lower(c);
  return text;
}

// A message's key as the local part of its Message-ID and the name of its .eml file:
// letters, digits and - . _ only.
std::string safe_token(const std::string& key) {
  std::string out;
  out.reserve(key.size());
  for (const char c : key) out += parcours::email::ascii_alnum(c) || c == '-' || c == '.' || c == '_' ? c : '_';
  while (!out.empty() && out.front() == '.') out.erase(out.begin());
  return out.empty() ? "message" : out;
}

std::string string_attribute(const json& attributes, const char* name) {
  const auto it = attributes.find(name);
  return it != attributes.end() && it->is_string() ? it->get<std::string>() : std::string();
}

Mailbox checked_mailbox(const parcours::Settings& settings, const char* name) {
  try {
    return parcours::email::parse_mailbox(settings.string(name));
  } catch (const std::invalid_argument& error) {
    throw SettingError(std::string("setting '") + name + "': " + error.what());
  }
}

parcours::email::SmtpSettings::StartTls checked_starttls(const std::string& value) {
  using StartTls = parcours::email::SmtpSettings::StartTls;
  if (value == "auto") return StartTls::try_it;
  if (value == "required") return StartTls::required;
  if (value == "off") return StartTls::off;
  throw SettingError(
      "setting 'starttls' must be \"auto\" (use it when the server offers it), \"required\" or "
      "\"off\", not '" +
      value + "'");
}

class EmailChannel final : public parcours::Channel {
 public:
  // Reads the message's fields, never its whole wire form (parcours::Message::wire).
  static constexpr bool kReadsMessageWire = false;

  EmailChannel(const parcours::Settings& settings, parcours::Host host)
      : host_(host), from_(checked_mailbox(settings, "from")) {
    if (settings.has("reply_to")) reply_to_ = checked_mailbox(settings, "reply_to");
    const std::string url = settings.string("url");
    const std::string scheme = lower(url.substr(0, url.find("://") == std::string::npos ? 0 : url.find("://")));
    if (scheme == "file") {
      folder_ = url.substr(7);
      if (folder_.empty()) throw SettingError("setting 'url': file:// names no folder: write file://var/outbox");
      std::error_code ec;
      if (std::filesystem::exists(folder_, ec) && !std::filesystem::is_directory(folder_, ec))
        throw SettingError("setting 'url': " + folder_.string() + " exists and is not a folder");
    } else if (scheme == "smtp" || scheme == "smtps") {
      const std::string rest = url.substr(scheme.size() + 3);
      if (rest.empty() || rest.front() == '/' || rest.front() == ':')
        throw SettingError("setting 'url' names no server: write " + scheme + "://host:port");
      if (rest.substr(0, rest.find('/')).find('@') != std::string::npos)
        throw SettingError("setting 'url' must not hold a user name or password: use 'username' and 'password'");
      parcours::email::SmtpSettings smtp;
      smtp.url = url;
      smtp.username = settings.string("username", "");
      smtp.password = settings.has("password") ? settings.secret("password") : std::string();
      if (smtp.username.empty() != smtp.password.empty())
        throw SettingError(smtp.username.empty()
                               ? "setting 'password' is set without 'username': give both or neither"
                               : "setting 'username' is set without 'password': give both or neither");
      smtp.starttls = checked_starttls(settings.string("starttls"));
      if (scheme == "smtps" && smtp.starttls == parcours::email::SmtpSettings::StartTls::off)
        throw SettingError("setting 'starttls' = \"off\" contradicts smtps:// (TLS from the start): use smtp://");
      smtp.ca_file = settings.string("ca_file", "");
      if (!smtp.ca_file.empty() && ::access(smtp.ca_file.c_str(), R_OK) != 0)
        throw SettingError("setting 'ca_file': cannot read " + smtp.ca_file + ": " + std::strerror(errno));
      smtp.verify = settings.boolean("tls_verify");
      smtp.timeout = settings.duration("timeout");
      const std::int64_t connections = settings.integer("connections");
      if (connections < 1 || connections > 64)
        throw SettingError("setting 'connections' must be between 1 and 64, not " + std::to_string(connections));
      smtp.connections = static_cast<int>(connections);
      try {
        transport_ = std::make_unique<parcours::email::SmtpTransport>(std::move(smtp));
      } catch (const std::invalid_argument& error) {
        throw SettingError(std::string("setting 'url': ") + error.what());
      } catch (const std::runtime_error& error) {
        throw SettingError(std::string("setting 'ca_file': ") + error.what());
      }
    } else {
      throw SettingError("setting 'url' must start with smtp://, smtps:// or file://, not '" +
                         (scheme.empty() ? url.substr(0, 20) : scheme + "://") + "'");
    }
  }

  SendResult send(const parcours::Message& message) override {
    Prepared mail;
    if (auto refused = prepare(message, mail)) return std::move(*refused);
    if (transport_ == nullptr) return write_eml(mail.id, mail.data, mail.message_id);
    return result_of(transport_->send(from_.address, mail.to, mail.data), mail.message_id);
  }

  // Over SMTP, the message is queued for a pooled connection and answered from its
  // thread: no thread of the host waits for the server (ABI 1.4).
  void send_async(parcours::Message message, parcours::SendCompletion done) override {
    Prepared mail;
    if (auto refused = prepare(message, mail)) return done(*refused);
    if (transport_ == nullptr) return done(write_eml(mail.id, mail.data, mail.message_id));
    transport_->send_async(from_.address, std::move(mail.to), std::move(mail.data),
                           [done, message_id = std::move(mail.message_id)](parcours::email::SmtpOutcome outcome) {
                             done(result_of(outcome, message_id));
                           });
  }

 private:
  // A message made ready to go: its MIME text, its recipient's address, its ids.
  struct Prepared {
    std::string data;
    std::string to;
    std::string id;  // the key as a file name and Message-ID local part
    std::string message_id;
  };

  // Builds the MIME message; a message that cannot be sent returns its failure.
  std::optional<SendResult> prepare(const parcours::Message& message, Prepared& out) {
    parcours::email::MimeMessage mail;
    mail.from = from_;
    if (reply_to_) mail.reply_to.push_back(*reply_to_);
    try {
      mail.to = recipient(message);
      if (const auto it = message.params.find("reply_to");
          it != message.params.end() && it->is_string() && !it->get_ref<const std::string&>().empty())
        mail.reply_to = {parcours::email::parse_mailbox(*it)};
    } catch (const std::invalid_argument& error) {
      return SendResult::failed(error.what());
    }
    mail.subject = message.content.subject;
    mail.text = message.content.text;
    mail.html = message.content.html;
    out.id = safe_token(message.idempotency_key.empty() ? "m" + std::to_string(++sequence_) : message.idempotency_key);
    mail.message_id = out.id + "@" + from_.address.substr(from_.address.rfind('@') + 1);
    mail.date_ms = std::chrono::duration_cast<std::chrono::milliseconds>(host_.now().time_since_epoch()).count();
    // Receipts and password resets carry no unsubscribe header: they are not a list.
    if (!message.transactional) mail.unsubscribe_url = message.unsubscribe_url;
    mail.extra_headers.emplace_back("X-Parcours-Client", message.client);
    try {
      out.data = parcours::email::render(mail);
    } catch (const std::invalid_argument& error) {
      return SendResult::failed(error.what());
    }
    out.to = std::move(mail.to.address);
    out.message_id = std::move(mail.message_id);
    return std::nullopt;
  }

  // The server's answer as a result: 250 delivered, 5xx failed, the rest retried.
  static SendResult result_of(const parcours::email::SmtpOutcome& outcome, const std::string& message_id) {
    using Kind = parcours::email::SmtpOutcome::Kind;
    // Built member by member: nlohmann's initializer lists copy every value twice.
    json answer(json::value_t::object);
    auto& members = answer.get_ref<json::object_t&>();
    members.emplace("code", outcome.code);
    members.emplace("reply", outcome.reply);
    switch (outcome.kind) {
      case Kind::accepted: return SendResult::delivered(message_id).with_answer(std::move(answer));
      case Kind::permanent: return SendResult::failed(outcome.error).with_answer(std::move(answer));
      case Kind::transient: break;
    }
    return SendResult::retry(outcome.error).with_answer(std::move(answer));
  }

  parcours::Host host_;
  Mailbox from_;
  std::optional<Mailbox> reply_to_;
  std::filesystem::path folder_;  // file:// only
  std::unique_ptr<parcours::email::SmtpTransport> transport_;
  std::atomic<std::uint64_t> sequence_{0};

  // The `to` parameter, else the contact's `email` attribute; the contact's `name` (or
  // first and last names) as the display name.
  Mailbox recipient(const parcours::Message& message) const {
    std::string address;
    if (const auto it = message.params.find("to"); it != message.params.end() && it->is_string())
      address = it->get<std::string>();
    if (address.empty()) address = string_attribute(message.contact.attributes, "email");
    if (address.empty())
      throw std::invalid_argument("contact '" + message.contact.id +
                                  "' has no `email` attribute (and the step gives no `to`): nothing to send to");
    Mailbox mailbox = parcours::email::parse_mailbox(address);
    if (mailbox.name.empty()) {
      mailbox.name = string_attribute(message.contact.attributes, "name");
      if (mailbox.name.empty()) {
        const std::string first = string_attribute(message.contact.attributes, "first_name");
        const std::string last = string_attribute(message.contact.attributes, "last_name");
        mailbox.name = first + (first.empty() || last.empty() ? "" : " ") + last;
      }
    }
    return mailbox;
  }

  // file://: one file per message, named by its key, written whole then renamed into
  // place — a retry rewrites the same file, a reader never sees half of one.
  SendResult write_eml(const std::string& id, const std::string& data, const std::string& message_id) {
    std::error_code ec;
    std::filesystem::create_directories(folder_, ec);
    const std::filesystem::path path = folder_ / (id + ".eml");
    const std::filesystem::path partial = folder_ / ("." + id + ".eml.partial");
    {
      std::ofstream out(partial, std::ios::binary | std::ios::trunc);
      out.write(data.data(), static_cast<std::streamsize>(data.size()));
      out.flush();
      if (!out) return SendResult::retry("cannot write " + partial.string() + ": " + std::strerror(errno));
    }
    std::filesystem::rename(partial, path, ec);
    if (ec)
      return SendResult::retry("cannot rename " + partial.string() + " to " + path.string() + ": " + ec.message());
    return SendResult::delivered(message_id).with_answer({{"file", path.string()}});
  }
};

}  // namespace

// clang-format off
PARCOURS_PLUGIN(EmailChannel,
  .id = "email",
  .version = PARCOURS_EMAIL_PLUGIN_VERSION,
  .kind = parcours::Kind::channel,
  .description = "Email over SMTP (pipelining on pooled connections, STARTTLS, AUTH) or as .eml files, with tracking",
  .settings = {
    {"url", parcours::Type::string, parcours::required,
     "smtp://host:port, smtps://host:port (TLS from the start), or file://folder (one .eml a message)"},
    {"from", parcours::Type::string, parcours::required, "Sender: \"Name <address>\" or an address"},
    {"reply_to", parcours::Type::string, parcours::optional, "Reply-To: \"Name <address>\" or an address"},
    {"username", parcours::Type::string, parcours::optional, "SMTP AUTH user name"},
    {"password", parcours::Type::secret, parcours::optional, "SMTP AUTH password, e.g. \"${SMTP_PASSWORD}\""},
    {"starttls", parcours::Type::string, parcours::defaults_to("auto"),
     "smtp:// only: auto (when offered), required, or off"},
    {"ca_file", parcours::Type::string, parcours::optional, "PEM file of the CA that signed the server's certificate"},
    {"tls_verify", parcours::Type::boolean, parcours::defaults_to(true),
     "Check the server's certificate and name (turn off only for a test server)"},
    {"tracking", parcours::Type::boolean, parcours::defaults_to(true),
     "Open pixel and click tracking in HTML messages (done by the host)"},
    {"timeout", parcours::Type::duration, parcours::defaults_to("30s"),
     "Longest wait for any one SMTP reply; then the message is retried"},
    {"connections", parcours::Type::integer, parcours::defaults_to(4),
     "SMTP connections open at once, at most (each streams messages with PIPELINING)"},
  },
  .params = {
    {"to", parcours::Type::string, parcours::optional,
     "Recipient address; the contact's `email` attribute when left out"},
    {"reply_to", parcours::Type::string, parcours::optional, "Reply-To for this message"},
  })
// clang-format on
