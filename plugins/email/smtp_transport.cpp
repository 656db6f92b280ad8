#include "smtp_transport.hpp"

#include <parcours/thread_name.hpp>

#include <algorithm>
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

// One connection of a thread, and where its messages stand.
struct SmtpTransport::Lane {
  Lane(const SmtpSettings& settings, const SmtpEndpoint& endpoint, const TlsContext* tls)
      : session(settings, endpoint, tls) {}
  SmtpSession session;
  std::unique_ptr<Job> current;   // the message this connection is sending
  std::unique_ptr<Job> next;      // a message whose envelope went out behind `current`'s data
  bool envelope_written = false;  // `current`'s MAIL, RCPT and DATA are on the wire
  bool data_written = false;      // `current`'s data is on the wire: its reply is due
  bool taken_up = false;          // `current` was taken while the connection had nothing to send
  std::chrono::steady_clock::time_point last_used{};
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
      // Another thread while messages outnumber the free ones, up to `connections` over
      // all of them.
      const int driven = static_cast<int>(threads_.size()) * kConnectionsPerThread;
      if (idle_threads_ < queue_.size() && driven < settings_.connections) {
        const int connections = std::min(kConnectionsPerThread, settings_.connections - driven);
        threads_.emplace_back([this, connections] {
          parcours::name_this_thread("email-smtp");
          serve(connections);
        });
      }
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

void SmtpTransport::serve(int connections) {
  std::vector<std::unique_ptr<Lane>> lanes;
  for (int i = 0; i < connections; ++i) lanes.push_back(std::make_unique<Lane>(settings_, *endpoint_, tls_.get()));
  while (true) {
    // While a connection is open the thread waits `idle` for work, then says QUIT;
    // with none open it waits as long as it takes.
    const bool open = std::any_of(lanes.begin(), lanes.end(), [](const auto& lane) { return lane->session.is_open(); });
    auto job = take(true, open ? std::optional(Clock::now() + settings_.idle) : std::nullopt);
    if (job != nullptr) {
      lanes.front()->current = std::move(job);
      lanes.front()->taken_up = true;
      stream(lanes);
      continue;
    }
    for (auto& lane : lanes) lane->session.quit();
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

namespace {

// The message is freed before its answer goes out: the answer may queue another. (A
// template because Job is the transport's own, private type.)
template <typename JobPointer>
void finish(JobPointer& job, SmtpOutcome outcome) {
  auto done = std::move(job->done);
  job.reset();
  done(std::move(outcome));
}

}  // namespace

void SmtpTransport::stream(std::vector<std::unique_ptr<Lane>>& lanes) {
  while (true) {
    // A lane without a message takes one; a connection left without any for `idle`
    // while the others were busy says QUIT.
    const auto now = Clock::now();
    bool busy = false;
    for (auto& lane : lanes) {
      if (lane->current == nullptr && (lane->current = take(false)) != nullptr) {
        lane->envelope_written = false;
        lane->taken_up = true;
      }
      if (lane->current != nullptr) {
        lane->last_used = now;
        busy = true;
        step(*lane, &SmtpTransport::begin);
      } else if (lane->session.is_open() && now - lane->last_used >= settings_.idle) {
        lane->session.quit();
      }
    }
    if (!busy) return;
    for (auto& lane : lanes)
      if (lane->current != nullptr) step(*lane, &SmtpTransport::send_data);
    for (auto& lane : lanes)
      if (lane->data_written) step(*lane, &SmtpTransport::end);
  }
}

void SmtpTransport::step(Lane& lane, void (SmtpTransport::*what)(Lane&)) {
  try {
    (this->*what)(lane);
  } catch (const std::exception& failure) {
    fail(lane, failure);
  }
}

void SmtpTransport::begin(Lane& lane) {
  SmtpSession& session = lane.session;
  if (!lane.envelope_written) {
    // A pooled connection the server gave up on while idle (421 or FIN): a new one.
    if (lane.taken_up && session.is_open() && session.gone_quiet_and_closed()) session.close();
    lane.taken_up = false;
    if (!session.is_open()) {
      try {
        session.open();
      } catch (const std::exception& failure) {
        // What stops this connection stops the others: every message waiting now is
        // answered at once (and retried by the host) rather than each in turn.
        const std::string why = failure_text(failure);
        finish(lane.current, not_sent(why));
        while (auto waiting = take(false)) finish(waiting, not_sent(why));
        session.close();
        return;
      }
    }
    // With pipelining the envelope goes in one write (three replies to read in
    // send_data), else one command at a time there.
    if (session.pipelining()) {
      std::string out;
      append_envelope(out, lane.current->from, lane.current->to);
      session.write(out);
      lane.envelope_written = true;
    }
  }
}

void SmtpTransport::send_data(Lane& lane) {
  SmtpSession& session = lane.session;
  SmtpReply mail, rcpt, data;
  if (session.pipelining()) {
    mail = session.read_reply();
    rcpt = session.read_reply();
    data = session.read_reply();
  } else {
    mail = session.command(mail_from(lane.current->from));
    if (mail.positive()) rcpt = session.command(rcpt_to(lane.current->to));
    if (rcpt.positive()) data = session.command(kData);
  }
  if (data.code != 354 || !mail.positive() || !rcpt.positive()) {
    if (data.code == 354) session.command(".\r\n");  // a server that says go ahead regardless
    // The first refusal says why; a transaction MAIL opened is reset. The lane takes
    // another message in the next round.
    const SmtpReply& refusal = !mail.positive() ? mail : !rcpt.positive() ? rcpt : data;
    finish(lane.current, answered(refusal));
    lane.envelope_written = false;
    if (refusal.code == 421) throw SocketError("the server is closing the connection: " + refusal.text);
    if (mail.positive()) session.command("RSET\r\n");
    return;
  }
  // The data, and behind it the next message's envelope: one round trip a message.
  std::string out;
  append_content(out, lane.current->data);
  if (session.pipelining() && (lane.next = take(false)) != nullptr)
    append_envelope(out, lane.next->from, lane.next->to);
  session.write(out);
  lane.data_written = true;
}

void SmtpTransport::end(Lane& lane) {
  lane.data_written = false;
  const SmtpReply reply = lane.session.read_reply();
  finish(lane.current, answered(reply));
  if (reply.code == 421) throw SocketError("the server is closing the connection: " + reply.text);
  lane.current = std::move(lane.next);
  lane.envelope_written = lane.current != nullptr;
}

void SmtpTransport::fail(Lane& lane, const std::exception& failure) {
  const std::string why = failure_text(failure);
  if (lane.current != nullptr) finish(lane.current, not_sent(why));
  if (lane.next != nullptr) finish(lane.next, not_sent(why));
  lane.envelope_written = false;
  lane.data_written = false;
  lane.session.close();
}

}  // namespace parcours::email
