// Sending messages over SMTP on a few pooled connections that stream. When the server
// offers PIPELINING (RFC 2920), a connection sends a message's data, its end and the
// next message's MAIL FROM, RCPT TO and DATA in one write, so that a message costs one
// round trip on a warm connection (four with one command at a time, as libcurl 7.88
// speaks SMTP; see README.md, "How messages travel"). Without PIPELINING each command
// waits for its reply.
//
// A thread drives up to four connections in lockstep: it writes to each, then reads
// each one's replies. A server with one event loop answers them in one turn of it, and
// the thread wakes once for them all, so a message costs the server and the host less
// CPU than with a thread per connection (docs/PERFORMANCE.md, "Seventh day"). A round
// waits for its slowest reply, so one slow connection holds up at most three others.
// Connections open when messages wait and no connection is free (up to `connections`),
// are reused while messages come, and are closed after `idle` without one.
//
// smtp:// with STARTTLS (when offered, required, or off), smtps:// (TLS from the first
// byte), AUTH PLAIN or LOGIN; certificates checked against the system's CAs and
// `ca_file`. The server's reply to each message is kept, because what a refusal means
// is in its code and text.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace parcours::email {

struct SmtpSettings {
  std::string url;  // smtp://host[:port][/ehlo-domain] or smtps://host[:port]
  std::string username;
  std::string password;
  enum class StartTls { try_it, required, off } starttls = StartTls::try_it;
  std::string ca_file;                        // trust this CA bundle too (a test or in-house server)
  bool verify = true;                         // check the server's certificate and name
  std::chrono::milliseconds timeout{30'000};  // the longest wait for any one reply
  int connections = 4;                        // open at once, at most
  std::chrono::milliseconds idle{30'000};     // a connection unused this long is closed
};

struct SmtpOutcome {
  enum class Kind {
    accepted,   // 250 after the data: the server took the message
    transient,  // 4xx, no connection, a timeout: try again later
    permanent   // 5xx: the server refused it for good
  };
  Kind kind = Kind::transient;
  long code = 0;      // the server's reply code, 0 when none came
  std::string reply;  // the server's reply, e.g. "250 2.0.0 Ok: queued as 4Bx"
  std::string error;  // what went wrong, for the message log (no secret in it)
};

class TlsContext;
class SmtpSession;
struct SmtpEndpoint;

class SmtpTransport {
 public:
  // Throws std::invalid_argument for a URL it cannot use, std::runtime_error when TLS
  // cannot be set up (an unreadable ca_file).
  explicit SmtpTransport(SmtpSettings settings);
  // A thread's connections, at most (the last thread may have fewer).
  static constexpr int kConnectionsPerThread = 4;

  // Sends what is queued, says QUIT on every connection and joins their threads.
  ~SmtpTransport();
  SmtpTransport(const SmtpTransport&) = delete;
  SmtpTransport& operator=(const SmtpTransport&) = delete;

  // `data` is the whole message (mime_message.hpp), not dot-stuffed; returns when the
  // server answered it. May be called from many threads at once: that is what lets a
  // connection stream.
  SmtpOutcome send(std::string_view from_address, std::string_view to_address, std::string_view data);
  // The same without waiting: `done` gets the outcome on a connection's thread (or on
  // this one, when the transport is stopping). It must not throw, and may call
  // send_async again.
  void send_async(std::string from_address, std::string to_address, std::string data,
                  std::function<void(SmtpOutcome)> done);

 private:
  struct Job;
  struct Lane;
  SmtpSettings settings_;
  std::unique_ptr<SmtpEndpoint> endpoint_;
  std::unique_ptr<TlsContext> tls_;

  std::mutex mutex_;
  std::condition_variable work_;
  std::deque<std::unique_ptr<Job>> queue_;
  std::vector<std::thread> threads_;
  std::size_t idle_threads_ = 0;
  bool stopping_ = false;

  // A thread's loop over its `connections` lanes.
  void serve(int connections);
  // The next queued message: waiting until `until` (or stop) when `wait`.
  std::unique_ptr<Job> take(bool wait, std::optional<std::chrono::steady_clock::time_point> until = std::nullopt);
  // Sends the first lane's message and whatever the queue holds while these lanes are
  // busy, a round at a time: every lane's envelope, then every lane's data, then every
  // lane's reply.
  void stream(std::vector<std::unique_ptr<Lane>>& lanes);
  // The steps of a round on one lane, each run by step(): a lane whose connection
  // fails has its messages answered (fail()) and the other lanes go on.
  void begin(Lane& lane);
  void send_data(Lane& lane);
  void end(Lane& lane);
  void step(Lane& lane, void (SmtpTransport::*what)(Lane&));
  void fail(Lane& lane, const std::exception& failure);
  // The message log's sentence for a connection that failed.
  std::string failure_text(const std::exception& failure) const;
};

}  // namespace parcours::email
