// One SMTP session on one connection: the greeting, EHLO, STARTTLS and AUTH when it
// opens, then commands and replies for the transport's mail transactions
// (smtp_transport.hpp). What the server offers in its EHLO reply decides PIPELINING
// (RFC 2920), STARTTLS (RFC 3207) and the AUTH mechanism (PLAIN, else LOGIN).
#pragma once

#include <chrono>
#include <stdexcept>
#include <string>
#include <string_view>

#include "smtp_reply.hpp"
#include "smtp_socket.hpp"

namespace parcours::email {

struct SmtpSettings;

// Where an smtp:// or smtps:// URL points.
struct SmtpEndpoint {
  std::string host;
  std::string port;           // 25 for smtp://, 465 for smtps:// unless the URL says
  bool implicit_tls = false;  // smtps://
  std::string helo_domain;    // the URL's path, as libcurl reads it; else this host's name
};

// Throws std::invalid_argument naming what is wrong.
SmtpEndpoint parse_smtp_url(const std::string& url);

// The session could not open: the server refused us (`reply` holds its answer) or the
// settings ask for what it does not offer. Messages are retried: an operator fixes it.
struct SessionRefused : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class SmtpSession {
 public:
  SmtpSession(const SmtpSettings& settings, const SmtpEndpoint& endpoint, const TlsContext* tls);

  // Connects and says hello; throws SocketError or SessionRefused.
  void open();
  bool is_open() const { return socket_.is_open(); }
  bool pipelining() const { return pipelining_; }
  // Whether the server spoke or hung up while the session was idle: it is closing it.
  bool gone_quiet_and_closed() const { return socket_.readable_now(); }

  void write(std::string_view commands);
  // The next reply, waiting at most the settings' timeout.
  SmtpReply read_reply();
  // Writes `command` and reads its reply.
  SmtpReply command(std::string_view command);
  // QUIT, politely and briefly, then close.
  void quit() noexcept;
  void close() noexcept { socket_.close(); }

 private:
  const SmtpSettings& settings_;
  const SmtpEndpoint& endpoint_;
  const TlsContext* tls_;
  SmtpSocket socket_;
  ReplyReader reader_;
  bool pipelining_ = false;
  bool starttls_offered_ = false;
  std::string auth_mechanisms_;  // the EHLO AUTH line, upper-cased, space-separated

  Deadline deadline() const;
  void hello();
  void authenticate();
};

}  // namespace parcours::email
