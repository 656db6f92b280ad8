// One TCP connection to an SMTP server, in clear or under TLS (smtps:// from the first
// byte, or after STARTTLS), with every wait bounded by a deadline, so a server that
// stops answering is cut off instead of holding a sending thread. Connecting and TLS
// wait in poll() on a non-blocking socket. A connection in clear is then blocking, its
// reads and writes bounded by the socket's own timeouts (SO_RCVTIMEO, SO_SNDTIMEO):
// one system call to wait for a reply and read it rather than poll() and recv() — a
// sending thread waits for a reply on every message.
// Failures throw SocketError with a sentence for the message log.
#pragma once

#include <chrono>
#include <cstddef>
#include <stdexcept>
#include <string>
#include <string_view>

using SSL = struct ssl_st;
using SSL_CTX = struct ssl_ctx_st;

namespace parcours::email {

using Deadline = std::chrono::steady_clock::time_point;

struct SocketError : std::runtime_error {
  explicit SocketError(const std::string& what, bool timed_out = false)
      : std::runtime_error(what), timed_out(timed_out) {}
  bool timed_out;  // the deadline passed (the server went quiet), rather than a failure
};

// What a TLS client checks: the shared context (trusted CAs, verification on or off).
class TlsContext {
 public:
  // Trusts the system's CAs and, when given, `ca_file` too. Throws std::runtime_error.
  TlsContext(const std::string& ca_file, bool verify);
  ~TlsContext();
  TlsContext(const TlsContext&) = delete;
  TlsContext& operator=(const TlsContext&) = delete;
  SSL_CTX* get() const { return context_; }
  bool verify() const { return verify_; }

 private:
  SSL_CTX* context_ = nullptr;
  bool verify_ = true;
};

class SmtpSocket {
 public:
  SmtpSocket() = default;
  ~SmtpSocket();
  SmtpSocket(const SmtpSocket&) = delete;
  SmtpSocket& operator=(const SmtpSocket&) = delete;

  // Resolves `host` and connects to the first address that answers.
  void connect(const std::string& host, const std::string& port, Deadline deadline);
  // The TLS handshake on the open connection, checking the certificate names `host`
  // (a DNS name or an IP address) when the context verifies.
  void start_tls(const TlsContext& context, const std::string& host, Deadline deadline);
  void write_all(std::string_view data, Deadline deadline);
  // Some bytes (at least one), or 0 when the server closed the connection.
  std::size_t read_some(char* buffer, std::size_t size, Deadline deadline);
  // Whether the server has already sent something or closed the connection (an idle
  // pooled connection the server gave up on: 421 or FIN), without waiting.
  bool readable_now() const;
  bool is_open() const { return fd_ >= 0; }
  bool is_tls() const { return ssl_ != nullptr; }
  void close() noexcept;

 private:
  int fd_ = -1;
  SSL* ssl_ = nullptr;
  bool blocking_ = false;        // in clear, once connected
  int receive_timeout_ms_ = -1;  // SO_RCVTIMEO as last set (-1: not yet)
  int send_timeout_ms_ = -1;     // SO_SNDTIMEO as last set
  void set_blocking(bool blocking);
  // On a blocking socket: bounds the next read or write (`option`) by `deadline`;
  // throws SocketError (timed out) when it has passed.
  void bound_wait(int option, Deadline deadline, int& set_ms, const char* doing);
  // Waits until the socket is ready for `events` (POLLIN/POLLOUT) or the deadline passes.
  void wait(short events, Deadline deadline, const char* doing) const;
};

}  // namespace parcours::email
