#include "smtp_transport.hpp"

#include <parcours/thread_name.hpp>

#include <future>
#include <optional>

#include "smtp_session.hpp"
#include "smtp_socket.hpp"

namespace parcours::email {

struct SmtpTransport::Job {
  std::string from;
  std::string to;
  std::string data;
  std::function<void(SmtpOutcome)> done;
};

namespace {

using Clock = std::chrono::steady_clock;

// The commands of one message's envelope.
std::string mail_from(std::string_view from) {
  return "MAIL FROM:<" + std::string(from) + ">\r\n";
}
std::string rcpt_to(std::string_view to) {
  return "RCPT TO:<" + std::string(to) + ">\r\n";
}
constexpr std::string_view kData = "DATA\r\n";

// MAIL FROM, RCPT TO and DATA of one message, for one write (PIPELINING).
void append_envelope(std::string& out, std::string_view from, std::string_view to) {
  out.append(mail_from(from)).append(rcpt_to(to)).append(kData);
}

// The message as DATA carries it (RFC 5321 §4.5.2): a dot opening a line doubled,
// CRLF at the end, then the lone dot that ends it.
void append_content(std::string& out, std::string_view data) {
  out.reserve(out.size() + data.size() + 8);
  std::size_t line = 0;
  while (line < data.size()) {
    if (data[line] == '.') out += '.';
    const std::size_t end = data.find('\n', line);
    const std::size_t next = end == std::string_view::npos ? data.size() : end + 1;
    out.append(data.substr(line, next - line));
    line = next;
  }
  // The end is CRLF.CRLF: a message that does not end with CRLF (even with a bare LF)
  // gets one, or the dot would not end it.
  if (!data.empty() && !data.ends_with("\r\n")) out.append("\r\n");
  out.append(".\r\n");
}

SmtpOutcome answered(const SmtpReply& reply) {
  SmtpOutcome outcome;
  outcome.code = reply.code;
  outcome.reply = reply.text;
  if (reply.code == 250) {
    outcome.kind = SmtpOutcome::Kind::accepted;
  } else if (reply.code >= 500) {
    outcome.kind = SmtpOutcome::Kind::permanent;
    outcome.error = "the SMTP server refused the message: " + reply.text;
  } else {
    outcome.kind = SmtpOutcome::Kind::transient;
    outcome.error = "the SMTP server deferred the message: " + reply.text;
  }
  return outcome;
}

SmtpOutcome not_sent(std::string error) {
  SmtpOutcome outcome;
  outcome.kind = SmtpOutcome::Kind::transient;
  outcome.error = std::move(error);
  return outcome;
}

}  // namespace

SmtpTransport::SmtpTransport(SmtpSettings settings)
    : settings_(std::move(settings)), endpoint_(std::make_unique<SmtpEndpoint>(parse_smtp_url(settings_.url))) {
  if (settings_.connections < 1) settings_.connections = 1;
  if (endpoint_->implicit_tls || settings_.starttls != SmtpSettings::StartTls::off)
    tls_ = std::make_unique<TlsContext>(settings_.ca_file, settings_.verify);
}

SmtpTransport::~SmtpTransport() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  work_.notify_all();
  for (auto& thread : threads_) thread.join();
}

SmtpOutcome SmtpTransport::send(std::string_view from_address, std::string_view to_address, std::string_view data) {
  std::promise<SmtpOutcome> answer;
  std::future<SmtpOutcome> outcome = answer.get_future();
  send_async(std::string(from_address), std::string(to_address), std::string(data),
             [&answer](SmtpOutcome result) { answer.set_value(std::move(result)); });
  return outcome.get();
}

void SmtpTransport::send_async(std::string from_address, std::string to_address, std::string data,
                               std::function<void(SmtpOutcome)> done) {
  auto job = std::make_unique<Job>(Job{std::move(from_address), std::move(to_address), std::move(data), {}});
  {
    std::lock_guard lock(mutex_);
    if (!stopping_) {
      job->done = std::move(done);
      queue_.push_back(std::move(job));
      // Another connection while messages outnumber the free ones, up to `connections`.
      if (idle_threads_ < queue_.size() && threads_.size() < static_cast<std::size_t>(settings_.connections))
        threads_.emplace_back([this] {
          parcours::name_this_thread("email-smtp");
          serve();
        });
    }
  }
  if (job != nullptr) {  // stopping: answered here, outside the lock (done may send again)
    done(not_sent("the channel is stopping"));
    return;
  }
  work_.notify_one();
}

std::unique_ptr<SmtpTransport::Job> SmtpTransport::take(bool wait, std::optional<Clock::time_point> until) {
  std::unique_lock lock(mutex_);
  if (wait) {
    ++idle_threads_;
    const auto ready = [&] { return stopping_ || !queue_.empty(); };
    if (until)
      work_.wait_until(lock, *until, ready);
    else
      work_.wait(lock, ready);
    --idle_threads_;
  }
  if (queue_.empty()) return nullptr;
  std::unique_ptr<Job> job = std::move(queue_.front());
  queue_.pop_front();
  return job;
}

void SmtpTransport::serve() {
  SmtpSession session(settings_, *endpoint_, tls_.get());
  while (true) {
    // An open connection waits `idle` for work, then says QUIT; a closed one waits as
    // long as it takes.
    auto job = take(true, session.is_open() ? std::optional(Clock::now() + settings_.idle) : std::nullopt);
    if (job != nullptr) {
      stream(session, std::move(job));
      continue;
    }
    session.quit();
    std::lock_guard lock(mutex_);
    if (stopping_ && queue_.empty()) return;
  }
}

std::string SmtpTransport::failure_text(const std::exception& failure) const {
  if (const auto* socket_error = dynamic_cast<const SocketError*>(&failure); socket_error && socket_error->timed_out)
    return "the SMTP server did not answer within " + std::to_string(settings_.timeout.count()) + " ms (" +
           failure.what() + ")";
  if (dynamic_cast<const SessionRefused*>(&failure) != nullptr) return failure.what();
  return std::string("cannot reach the SMTP server: ") + failure.what();
}

void SmtpTransport::stream(SmtpSession& session, std::unique_ptr<Job> first) {
  std::unique_ptr<Job> current = std::move(first);
  std::unique_ptr<Job> next;      // a message whose envelope went out behind `current`'s data
  bool envelope_written = false;  // `current`'s MAIL, RCPT and DATA are on the wire
  // The message is freed before its answer goes out: the answer may queue another.
  const auto finish = [](std::unique_ptr<Job>& job, SmtpOutcome outcome) {
    auto done = std::move(job->done);
    job.reset();
    done(std::move(outcome));
  };
  try {
    // A pooled connection the server gave up on while idle (421 or FIN): a new one.
    if (session.is_open() && session.gone_quiet_and_closed()) session.close();
    if (!session.is_open()) {
      try {
        session.open();
      } catch (const std::exception& failure) {
        // What stops this connection stops the others: every message waiting now is
        // answered at once (and retried by the host) rather than each in turn.
        const std::string why = failure_text(failure);
        finish(current, not_sent(why));
        while (auto waiting = take(false)) finish(waiting, not_sent(why));
        session.close();
        return;
      }
    }
    std::string out;
    while (current != nullptr) {
      // The envelope: in one write with pipelining (three replies to read), else one
      // command at a time.
      SmtpReply mail, rcpt, data;
      if (session.pipelining()) {
        if (!envelope_written) {
          out.clear();
          append_envelope(out, current->from, current->to);
          session.write(out);
        }
        mail = session.read_reply();
        rcpt = session.read_reply();
        data = session.read_reply();
      } else {
        mail = session.command(mail_from(current->from));
        if (mail.positive()) rcpt = session.command(rcpt_to(current->to));
        if (rcpt.positive()) data = session.command(kData);
      }
      if (data.code != 354 || !mail.positive() || !rcpt.positive()) {
        if (data.code == 354) session.command(".\r\n");  // a server that says go ahead regardless
        // The first refusal says why; a transaction MAIL opened is reset.
        const SmtpReply& refusal = !mail.positive() ? mail : !rcpt.positive() ? rcpt : data;
        finish(current, answered(refusal));
        if (refusal.code == 421) throw SocketError("the server is closing the connection: " + refusal.text);
        if (mail.positive()) session.command("RSET\r\n");
        current = take(false);
        envelope_written = false;
        continue;
      }
      // The data, and behind it the next message's envelope: one round trip a message.
      out.clear();
      append_content(out, current->data);
      if (session.pipelining() && (next = take(false)) != nullptr) append_envelope(out, next->from, next->to);
      session.write(out);
      const SmtpReply reply = session.read_reply();
      finish(current, answered(reply));
      if (reply.code == 421) throw SocketError("the server is closing the connection: " + reply.text);
      current = std::move(next);
      envelope_written = current != nullptr;
      if (current == nullptr) current = take(false);
    }
  } catch (const std::exception& failure) {
    const std::string why = failure_text(failure);
    if (current != nullptr) finish(current, not_sent(why));
    if (next != nullptr) finish(next, not_sent(why));
    session.close();
  }
}

}  // namespace parcours::email
