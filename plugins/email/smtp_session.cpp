#include "smtp_session.hpp"

#include <openssl/evp.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>

#include "smtp_transport.hpp"

namespace parcours::email {
namespace {

std::string upper(std::string text) {
  for (char& c : text) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return text;
}

std::string base64(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3), '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(bytes.data()), static_cast<int>(bytes.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

bool has_word(const std::string& words, std::string_view word) {
  std::size_t at = 0;
  while ((at = words.find(word, at)) != std::string::npos) {
    const bool starts = at == 0 || words[at - 1] == ' ';
    const bool ends = at + word.size() == words.size() || words[at + word.size()] == ' ';
    if (starts && ends) return true;
    at += word.size();
  }
  return false;
}

std::string this_host_name() {
  char name[256] = "";
  if (::gethostname(name, sizeof name - 1) != 0 || name[0] == '\0') return "localhost";
  return name;
}

}  // namespace

SmtpEndpoint parse_smtp_url(const std::string& url) {
  SmtpEndpoint endpoint;
  const std::size_t scheme_end = url.find("://");
  const std::string scheme = upper(url.substr(0, scheme_end == std::string::npos ? 0 : scheme_end));
  if (scheme != "SMTP" && scheme != "SMTPS")
    throw std::invalid_argument("'" + url + "' is not an smtp:// or smtps:// URL");
  endpoint.implicit_tls = scheme == "SMTPS";
  std::string rest = url.substr(scheme_end + 3);
  const std::size_t slash = rest.find('/');
  std::string authority = rest.substr(0, slash);
  if (slash != std::string::npos) endpoint.helo_domain = rest.substr(slash + 1);
  if (!authority.empty() && authority.front() == '[') {  // [IPv6]:port
    const std::size_t close = authority.find(']');
    if (close == std::string::npos) throw std::invalid_argument("'" + url + "': an IPv6 address lacks its ']'");
    endpoint.host = authority.substr(1, close - 1);
    if (close + 1 < authority.size() && authority[close + 1] == ':') endpoint.port = authority.substr(close + 2);
  } else if (const std::size_t colon = authority.rfind(':'); colon != std::string::npos) {
    endpoint.host = authority.substr(0, colon);
    endpoint.port = authority.substr(colon + 1);
  } else {
    endpoint.host = authority;
  }
  if (endpoint.host.empty()) throw std::invalid_argument("'" + url + "' names no server: write smtp://host:port");
  if (endpoint.port.empty()) endpoint.port = endpoint.implicit_tls ? "465" : "25";
  if (!std::all_of(endpoint.port.begin(), endpoint.port.end(),
                   [](char c) { return std::isdigit(static_cast<unsigned char>(c)); }))
    throw std::invalid_argument("'" + url + "': the port '" + endpoint.port + "' is not a number");
  if (endpoint.helo_domain.empty()) endpoint.helo_domain = this_host_name();
  return endpoint;
}

SmtpSession::SmtpSession(const SmtpSettings& settings, const SmtpEndpoint& endpoint, const TlsContext* tls)
    : settings_(settings), endpoint_(endpoint), tls_(tls) {}

Deadline SmtpSession::deadline() const {
  return std::chrono::steady_clock::now() + settings_.timeout;
}

void SmtpSession::write(std::string_view commands) {
  socket_.write_all(commands, deadline());
}

SmtpReply SmtpSession::read_reply() {
  const Deadline until = deadline();
  char buffer[16 * 1024];
  while (true) {
    if (auto reply = reader_.next()) return std::move(*reply);
    // A reply is read right after the command that asks for it, so it is seldom there
    // yet: read_some waits for it (smtp_socket.hpp).
    const std::size_t got = socket_.read_some(buffer, sizeof buffer, until);
    if (got == 0) throw SocketError("the server closed the connection");
    reader_.feed(std::string_view(buffer, got));
  }
}

SmtpReply SmtpSession::command(std::string_view command) {
  write(command);
  return read_reply();
}

void SmtpSession::open() {
  socket_.close();
  reader_ = ReplyReader();
  const Deadline connect_by = std::chrono::steady_clock::now() +
                              std::min<std::chrono::milliseconds>(settings_.timeout, std::chrono::seconds(10));
  socket_.connect(endpoint_.host, endpoint_.port, connect_by);
  if (endpoint_.implicit_tls) socket_.start_tls(*tls_, endpoint_.host, deadline());
  if (const SmtpReply greeting = read_reply(); greeting.code != 220)
    throw SessionRefused("the server turned the connection away: " + greeting.text);
  hello();
  using StartTls = SmtpSettings::StartTls;
  if (!socket_.is_tls() && settings_.starttls != StartTls::off) {
    if (starttls_offered_) {
      if (const SmtpReply reply = command("STARTTLS\r\n"); reply.code != 220)
        throw SessionRefused("the server refused STARTTLS: " + reply.text);
      socket_.start_tls(*tls_, endpoint_.host, deadline());
      reader_ = ReplyReader();  // nothing sent in clear before the handshake counts after it
      hello();                  // RFC 3207: what the server offers may change under TLS
    } else if (settings_.starttls == StartTls::required) {
      throw SessionRefused("the server does not offer STARTTLS, and starttls = \"required\" forbids sending in clear");
    }
  }
  if (!settings_.username.empty()) authenticate();
}

void SmtpSession::hello() {
  SmtpReply reply = command("EHLO " + endpoint_.helo_domain + "\r\n");
  pipelining_ = starttls_offered_ = false;
  auth_mechanisms_.clear();
  if (reply.code != 250) {
    // A server from before ESMTP: HELO, and none of the extensions.
    reply = command("HELO " + endpoint_.helo_domain + "\r\n");
    if (reply.code != 250) throw SessionRefused("the server refused EHLO and HELO: " + reply.text);
    return;
  }
  for (std::size_t i = 1; i < reply.lines.size(); ++i) {  // the first line is the server's name
    const std::string line = upper(reply.lines[i]);
    const std::string keyword = line.substr(0, line.find_first_of(" ="));
    if (keyword == "PIPELINING")
      pipelining_ = true;
    else if (keyword == "STARTTLS")
      starttls_offered_ = true;
    else if (keyword == "AUTH" && line.size() > 5)
      auth_mechanisms_ += " " + line.substr(5);
  }
}

void SmtpSession::authenticate() {
  const std::string advice = ": check the channel's 'username' and 'password'";
  SmtpReply reply;
  if (has_word(auth_mechanisms_, "PLAIN")) {
    // RFC 4616: authorization identity (empty), user name, password, NUL-separated.
    std::string credentials;
    credentials += '\0';
    credentials += settings_.username;
    credentials += '\0';
    credentials += settings_.password;
    reply = command("AUTH PLAIN " + base64(credentials) + "\r\n");
  } else if (has_word(auth_mechanisms_, "LOGIN")) {
    reply = command("AUTH LOGIN\r\n");
    if (reply.code == 334) reply = command(base64(settings_.username) + "\r\n");
    if (reply.code == 334) reply = command(base64(settings_.password) + "\r\n");
  } else {
    throw SessionRefused(auth_mechanisms_.empty()
                             ? std::string("the server offers no AUTH") +
                                   (socket_.is_tls() ? "" : " in clear (many servers offer it only after STARTTLS)") +
                                   ", and the channel has a 'username'"
                             : "the server offers no AUTH mechanism this plugin speaks (PLAIN, LOGIN):" +
                                   auth_mechanisms_);
  }
  if (reply.code != 235) throw SessionRefused("authentication failed: " + reply.text + advice);
}

void SmtpSession::quit() noexcept {
  if (!socket_.is_open()) return;
  try {
    const Deadline soon = std::chrono::steady_clock::now() + std::chrono::milliseconds(500);
    socket_.write_all("QUIT\r\n", soon);
    char buffer[512];
    socket_.read_some(buffer, sizeof buffer, soon);
  } catch (const std::exception&) {
    // The server is gone already: nothing to be polite to.
  }
  socket_.close();
}

}  // namespace parcours::email
