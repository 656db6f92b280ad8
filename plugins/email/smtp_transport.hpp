// Sending one message over SMTP with libcurl: smtp:// with STARTTLS (tried, required or
// off) or smtps:// (TLS from the start), AUTH when a username is set. Connections are
// pooled: each idle curl handle keeps its connection open, so consecutive messages on
// one instance skip the TCP, TLS and EHLO/AUTH handshakes. The server's last reply is
// kept, because what a refusal means is in its code and text.
#pragma once

#include <chrono>
#include <string>

#include "http_client.hpp"

namespace parcours::email {

struct SmtpSettings {
  std::string url;  // smtp://host[:port] or smtps://host[:port]
  std::string username;
  std::string password;
  enum class StartTls { try_it, required, off } starttls = StartTls::try_it;
  std::string ca_file;  // trust this CA bundle too (a test or in-house server)
  bool verify = true;   // check the server's certificate and name
  std::chrono::milliseconds timeout{30'000};
};

struct SmtpOutcome {
  enum class Kind {
    accepted,   // 250 after the data: the server took the message
    transient,  // 4xx, no connection, a timeout: try again later
    permanent   // 5xx: the server refused it for good
  };
  Kind kind = Kind::transient;
  long code = 0;      // the server's last reply code, 0 when none came
  std::string reply;  // the server's last reply line(s), e.g. "250 2.0.0 Ok: queued as 4Bx"
  std::string error;  // what went wrong, for the message log (no secret in it)
};

class SmtpTransport {
 public:
  explicit SmtpTransport(SmtpSettings settings);
  ~SmtpTransport();
  SmtpTransport(const SmtpTransport&) = delete;
  SmtpTransport& operator=(const SmtpTransport&) = delete;

  // `data` is the whole message (mime_message.hpp); may be called from several threads.
  SmtpOutcome send(const std::string& from_address, const std::string& to_address, const std::string& data);

 private:
  SmtpSettings settings_;
  http_client::HandlePool pool_;  // plugins/http-client: the same pooling as the HTTP channels
};

}  // namespace parcours::email
