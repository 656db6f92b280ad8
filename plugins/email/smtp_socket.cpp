#include "smtp_socket.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <cerrno>
#include <cstring>
#include <memory>

namespace parcours::email {
namespace {

std::string openssl_error() {
  const unsigned long code = ERR_get_error();
  ERR_clear_error();
  if (code == 0) return "unknown TLS error";
  char text[256];
  ERR_error_string_n(code, text, sizeof text);
  return text;
}

bool is_ip_address(const std::string& host) {
  unsigned char scratch[sizeof(in6_addr)];
  return inet_pton(AF_INET, host.c_str(), scratch) == 1 || inet_pton(AF_INET6, host.c_str(), scratch) == 1;
}

int milliseconds_left(Deadline deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
  return left.count() <= 0 ? 0 : static_cast<int>(std::min<std::int64_t>(left.count(), 1 << 30));
}

}  // namespace

TlsContext::TlsContext(const std::string& ca_file, bool verify) : verify_(verify) {
  context_ = SSL_CTX_new(TLS_client_method());
  if (context_ == nullptr) throw std::runtime_error("cannot set up TLS: " + openssl_error());
  SSL_CTX_set_min_proto_version(context_, TLS1_2_VERSION);
  // Writes resume with the same buffer after a partial write (the socket is non-blocking).
  SSL_CTX_set_mode(context_, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  if (verify_) {
    SSL_CTX_set_verify(context_, SSL_VERIFY_PEER, nullptr);
    SSL_CTX_set_default_verify_paths(context_);
    if (!ca_file.empty() && SSL_CTX_load_verify_locations(context_, ca_file.c_str(), nullptr) != 1) {
      const std::string why = openssl_error();
      SSL_CTX_free(context_);
      throw std::runtime_error("cannot read the CA certificates in " + ca_file + ": " + why);
    }
  } else {
    SSL_CTX_set_verify(context_, SSL_VERIFY_NONE, nullptr);
  }
}

TlsContext::~TlsContext() {
  SSL_CTX_free(context_);
}

SmtpSocket::~SmtpSocket() {
  close();
}

void SmtpSocket::close() noexcept {
  blocking_ = false;
  if (ssl_ != nullptr) {
    SSL_free(ssl_);  // no close_notify: the SMTP session already ended with QUIT, or failed
    ssl_ = nullptr;
  }
  if (fd_ >= 0) {
    ::close(fd_);
    fd_ = -1;
  }
}

void SmtpSocket::wait(short events, Deadline deadline, const char* doing) const {
  pollfd descriptor{fd_, events, 0};
  while (true) {
    const int ready = ::poll(&descriptor, 1, milliseconds_left(deadline));
    if (ready > 0) return;
    if (ready == 0) throw SocketError(std::string("timed out ") + doing, true);
    if (errno != EINTR) throw SocketError(std::string("poll failed ") + doing + ": " + std::strerror(errno));
  }
}

void SmtpSocket::set_blocking(bool blocking) {
  if (fd_ < 0 || blocking == blocking_) return;
  const int flags = ::fcntl(fd_, F_GETFL);
  if (flags < 0 || ::fcntl(fd_, F_SETFL, blocking ? flags & ~O_NONBLOCK : flags | O_NONBLOCK) < 0)
    throw SocketError(std::string("cannot set up the connection: ") + std::strerror(errno));
  blocking_ = blocking;
  receive_timeout_ms_ = send_timeout_ms_ = -1;
}

void SmtpSocket::bound_wait(int option, Deadline deadline, int& set_ms, const char* doing) {
  if (!blocking_) return;
  const int left = milliseconds_left(deadline);
  if (left <= 0) throw SocketError(std::string("timed out ") + doing, true);
  // Every reply gets the whole timeout, so the bound set for the last one is nearly
  // always right: it changes (one more system call) only when it is off by more than a
  // quarter of a second, e.g. for the second read of a reply that came in pieces.
  if (set_ms >= 0 && left <= set_ms + 250 && left >= set_ms - 250) return;
  timeval bound{left / 1000, (left % 1000) * 1000};
  if (::setsockopt(fd_, SOL_SOCKET, option, &bound, sizeof bound) != 0)
    throw SocketError(std::string("cannot set up the connection: ") + std::strerror(errno));
  set_ms = left;
}

void SmtpSocket::connect(const std::string& host, const std::string& port, Deadline deadline) {
  close();
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (const int status = ::getaddrinfo(host.c_str(), port.c_str(), &hints, &found); status != 0)
    throw SocketError("cannot resolve " + host + ": " + ::gai_strerror(status));
  std::unique_ptr<addrinfo, decltype(&::freeaddrinfo)> addresses(found, ::freeaddrinfo);
  std::string last_error = "no address";
  for (const addrinfo* address = found; address != nullptr; address = address->ai_next) {
    fd_ = ::socket(address->ai_family, address->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, address->ai_protocol);
    if (fd_ < 0) {
      last_error = std::strerror(errno);
      continue;
    }
    const int on = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);  // each write is a whole group of commands
    if (::connect(fd_, address->ai_addr, address->ai_addrlen) == 0) {
      set_blocking(true);
      return;
    }
    if (errno == EINPROGRESS) {
      try {
        wait(POLLOUT, deadline, "connecting");
        int error = 0;
        socklen_t length = sizeof error;
        ::getsockopt(fd_, SOL_SOCKET, SO_ERROR, &error, &length);
        if (error == 0) {
          set_blocking(true);
          return;
        }
        last_error = std::strerror(error);
      } catch (const SocketError& error) {
        if (error.timed_out) {
          close();
          throw SocketError("cannot connect to " + host + ":" + port + ": " + error.what(), true);
        }
        last_error = error.what();
      }
    } else {
      last_error = std::strerror(errno);
    }
    close();
  }
  throw SocketError("cannot connect to " + host + ":" + port + ": " + last_error);
}

void SmtpSocket::start_tls(const TlsContext& context, const std::string& host, Deadline deadline) {
  set_blocking(false);
  ssl_ = SSL_new(context.get());
  if (ssl_ == nullptr) throw SocketError("cannot start TLS: " + openssl_error());
  SSL_set_fd(ssl_, fd_);
  if (context.verify()) {
    X509_VERIFY_PARAM* check = SSL_get0_param(ssl_);
    if (is_ip_address(host)) {
      X509_VERIFY_PARAM_set1_ip_asc(check, host.c_str());
    } else {
      X509_VERIFY_PARAM_set_hostflags(check, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
      SSL_set1_host(ssl_, host.c_str());
    }
  }
  if (!is_ip_address(host)) SSL_set_tlsext_host_name(ssl_, host.c_str());  // SNI
  while (true) {
    const int done = SSL_connect(ssl_);
    if (done == 1) return;
    const int error = SSL_get_error(ssl_, done);
    if (error == SSL_ERROR_WANT_READ) {
      wait(POLLIN, deadline, "in the TLS handshake");
    } else if (error == SSL_ERROR_WANT_WRITE) {
      wait(POLLOUT, deadline, "in the TLS handshake");
    } else {
      const long verified = SSL_get_verify_result(ssl_);
      const std::string why = verified != X509_V_OK ? std::string("the server's certificate is not trusted: ") +
                                                          X509_verify_cert_error_string(verified)
                                                    : openssl_error();
      throw SocketError("TLS handshake with " + host + " failed: " + why);
    }
  }
}

void SmtpSocket::write_all(std::string_view data, Deadline deadline) {
  while (!data.empty()) {
    if (ssl_ != nullptr) {
      const int written = SSL_write(ssl_, data.data(), static_cast<int>(std::min<std::size_t>(data.size(), 1 << 30)));
      if (written > 0) {
        data.remove_prefix(static_cast<std::size_t>(written));
        continue;
      }
      const int error = SSL_get_error(ssl_, written);
      if (error == SSL_ERROR_WANT_WRITE)
        wait(POLLOUT, deadline, "sending");
      else if (error == SSL_ERROR_WANT_READ)
        wait(POLLIN, deadline, "sending");
      else
        throw SocketError("the connection failed while sending: " + openssl_error());
      continue;
    }
    bound_wait(SO_SNDTIMEO, deadline, send_timeout_ms_, "sending");
    const ssize_t written = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
    if (written >= 0) {
      data.remove_prefix(static_cast<std::size_t>(written));
    } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
      if (blocking_) throw SocketError("timed out sending", true);
      wait(POLLOUT, deadline, "sending");
    } else if (errno != EINTR) {
      throw SocketError(std::string("the connection failed while sending: ") + std::strerror(errno));
    }
  }
}

std::size_t SmtpSocket::read_some(char* buffer, std::size_t size, Deadline deadline) {
  while (true) {
    if (ssl_ != nullptr) {
      const int got = SSL_read(ssl_, buffer, static_cast<int>(std::min<std::size_t>(size, 1 << 30)));
      if (got > 0) return static_cast<std::size_t>(got);
      const int error = SSL_get_error(ssl_, got);
      if (error == SSL_ERROR_ZERO_RETURN) return 0;
      if (error == SSL_ERROR_WANT_READ)
        wait(POLLIN, deadline, "waiting for the server's reply");
      else if (error == SSL_ERROR_WANT_WRITE)
        wait(POLLOUT, deadline, "waiting for the server's reply");
      else if (error == SSL_ERROR_SYSCALL && ERR_peek_error() == 0)
        return 0;  // closed without close_notify
      else
        throw SocketError("the connection failed while reading: " + openssl_error());
      continue;
    }
    bound_wait(SO_RCVTIMEO, deadline, receive_timeout_ms_, "waiting for the server's reply");
    const ssize_t got = ::recv(fd_, buffer, size, 0);
    if (got >= 0) return static_cast<std::size_t>(got);
    if ((errno == EAGAIN || errno == EWOULDBLOCK) && blocking_)
      throw SocketError("timed out waiting for the server's reply", true);
    if (errno == EAGAIN || errno == EWOULDBLOCK)
      wait(POLLIN, deadline, "waiting for the server's reply");
    else if (errno == ECONNRESET)
      return 0;
    else if (errno != EINTR)
      throw SocketError(std::string("the connection failed while reading: ") + std::strerror(errno));
  }
}

bool SmtpSocket::readable_now() const {
  if (fd_ < 0) return true;
  if (ssl_ != nullptr && SSL_pending(ssl_) > 0) return true;
  pollfd descriptor{fd_, POLLIN, 0};
  return ::poll(&descriptor, 1, 0) != 0;
}

}  // namespace parcours::email
