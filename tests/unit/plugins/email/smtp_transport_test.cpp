// The SMTP transport against a scripted server on 127.0.0.1: streaming with PIPELINING
// (the data and the next envelope in one write), one command at a time without it,
// refusals that fail one message and leave the connection going, 421, a server that
// is down; and the reply reader on its own.
#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "smtp_reply.hpp"
#include "smtp_transport.hpp"

using parcours::email::ReplyReader;
using parcours::email::SmtpOutcome;
using parcours::email::SmtpSettings;
using parcours::email::SmtpTransport;

namespace {

struct Received {
  std::string from, to, data;
};

// A small SMTP server that answers as the test says and records what it got.
class ScriptedServer {
 public:
  explicit ScriptedServer(bool pipelining) : pipelining_(pipelining) {
    listener_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
    socklen_t length = sizeof address;
    ::getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length);
    port_ = ntohs(address.sin_port);
    REQUIRE(::listen(listener_, 16) == 0);
    acceptor_ = std::thread([this] { accept_loop(); });
  }
  ~ScriptedServer() {
    stopping_ = true;
    acceptor_.join();
    for (auto& thread : sessions_) thread.join();
    ::close(listener_);
  }

  std::string url() const { return "smtp://127.0.0.1:" + std::to_string(port_); }

  // What the server answers to RCPT TO (by address) and to the end of the data.
  std::function<std::string(const std::string&)> rcpt_reply = [](const std::string&) { return "250 2.1.5 OK"; };
  std::function<std::string(const Received&)> data_reply = [](const Received&) { return "250 2.0.0 queued"; };

  std::vector<Received> received() {
    std::lock_guard lock(mutex_);
    return received_;
  }
  // How many messages each connection carried, in the order they were accepted.
  std::vector<int> received_by_connection() {
    std::lock_guard lock(mutex_);
    return by_connection_;
  }
  std::atomic<int> connections{0};              // accepted
  std::atomic<int> resets{0};                   // RSET commands
  std::atomic<int> envelopes_in_one_read{0};    // reads that held a whole MAIL+RCPT+DATA
  std::atomic<int> data_with_next_envelope{0};  // reads that held a message's end and the next MAIL
  std::atomic<int> early_commands{0};           // without PIPELINING: a command sent before the last was answered
  std::atomic<int> quits{0};                    // QUIT commands
  bool hang_up_after_each = false;              // close the connection (without a word) after each message

 private:
  bool pipelining_;
  int listener_ = -1;
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  std::thread acceptor_;
  std::vector<std::thread> sessions_;
  std::mutex mutex_;
  std::vector<Received> received_;
  std::vector<int> by_connection_;

  void accept_loop() {
    while (!stopping_) {
      pollfd ready{listener_, POLLIN, 0};
      if (::poll(&ready, 1, 20) <= 0) continue;
      const int connection = ::accept(listener_, nullptr, nullptr);
      if (connection < 0) continue;
      std::size_t ordinal = 0;
      {
        std::lock_guard lock(mutex_);
        ++connections;
        ordinal = by_connection_.size();
        by_connection_.push_back(0);
      }
      sessions_.emplace_back([this, connection, ordinal] { serve(connection, ordinal); });
    }
  }

  void serve(int connection, std::size_t ordinal) {
    const auto say = [&](const std::string& text) {
      const std::string line = text + "\r\n";
      (void)!::send(connection, line.data(), line.size(), MSG_NOSIGNAL);
    };
    say("220 scripted ESMTP");
    std::string buffer;
    Received current;
    bool in_data = false;
    char chunk[65536];
    while (!stopping_) {
      pollfd ready{connection, POLLIN, 0};
      if (::poll(&ready, 1, 20) <= 0) continue;
      const ssize_t got = ::recv(connection, chunk, sizeof chunk, 0);
      if (got <= 0) break;
      const std::string read(chunk, static_cast<std::size_t>(got));
      {
        std::lock_guard lock(mutex_);
        if (read.find("MAIL FROM") != std::string::npos && read.find("DATA\r\n") != std::string::npos)
          ++envelopes_in_one_read;
        if (read.find("\r\n.\r\nMAIL FROM") != std::string::npos) ++data_with_next_envelope;
        // Without PIPELINING a client waits for each reply: a read never holds two commands.
        if (!pipelining_ && !in_data && std::count(read.begin(), read.end(), '\n') > 1) ++early_commands;
      }
      buffer += read;
      std::string replies;
      while (true) {
        if (in_data) {
          std::size_t end = buffer.rfind("\r\n.\r\n", 0) == 0 ? 0 : buffer.find("\r\n.\r\n");
          if (end == std::string::npos) break;
          std::string data = buffer.substr(0, end + 2);
          buffer.erase(0, end + 5);
          // Undo the dot-stuffing (RFC 5321 §4.5.2).
          std::string plain;
          for (std::size_t at = 0; at < data.size();) {
            if (data[at] == '.' && (at == 0 || data[at - 1] == '\n')) ++at;
            const std::size_t next = data.find('\n', at);
            const std::size_t stop = next == std::string::npos ? data.size() : next + 1;
            plain += data.substr(at, stop - at);
            at = stop;
          }
          current.data = plain;
          in_data = false;
          const std::string reply = data_reply(current);
          if (reply.starts_with("250")) {
            std::lock_guard lock(mutex_);
            received_.push_back(current);
            ++by_connection_[ordinal];
          }
          replies += reply + "\r\n";
          current = Received();
          if (hang_up_after_each) {
            (void)!::send(connection, replies.data(), replies.size(), MSG_NOSIGNAL);
            ::close(connection);
            return;
          }
          if (reply.starts_with("421")) {
            (void)!::send(connection, replies.data(), replies.size(), MSG_NOSIGNAL);
            ::close(connection);
            return;
          }
          continue;
        }
        const std::size_t end = buffer.find("\r\n");
        if (end == std::string::npos) break;
        const std::string line = buffer.substr(0, end);
        buffer.erase(0, end + 2);
        if (line.starts_with("EHLO")) {
          replies +=
              pipelining_ ? "250-scripted\r\n250-PIPELINING\r\n250 8BITMIME\r\n" : "250-scripted\r\n250 8BITMIME\r\n";
        } else if (line.starts_with("MAIL FROM:<")) {
          current = Received();
          current.from = line.substr(11, line.size() - 12);
          replies += "250 2.1.0 OK\r\n";
        } else if (line.starts_with("RCPT TO:<")) {
          const std::string to = line.substr(9, line.size() - 10);
          const std::string reply = rcpt_reply(to);
          if (reply.starts_with("250")) current.to = to;
          replies += reply + "\r\n";
        } else if (line == "DATA") {
          if (current.to.empty()) {
            replies += "554 5.5.1 no valid recipients\r\n";
          } else {
            replies += "354 go ahead\r\n";
            in_data = true;
          }
        } else if (line == "RSET") {
          std::lock_guard lock(mutex_);
          ++resets;
          current = Received();
          replies += "250 2.0.0 reset\r\n";
        } else if (line == "QUIT") {
          {
            std::lock_guard lock(mutex_);
            ++quits;
          }
          replies += "221 bye\r\n";
          (void)!::send(connection, replies.data(), replies.size(), MSG_NOSIGNAL);
          ::close(connection);
          return;
        } else {
          replies += "502 5.5.2 what\r\n";
        }
      }
      if (!replies.empty()) (void)!::send(connection, replies.data(), replies.size(), MSG_NOSIGNAL);
    }
    ::close(connection);
  }
};

SmtpSettings settings_for(const ScriptedServer& server, int connections) {
  SmtpSettings settings;
  settings.url = server.url();
  settings.starttls = SmtpSettings::StartTls::off;
  settings.connections = connections;
  settings.timeout = std::chrono::milliseconds(5000);
  return settings;
}

const std::string kMessage =
    "Subject: hello\r\n\r\nfirst line\r\n.a line that starts with a dot\r\n..two dots\r\nlast line\r\n";

// Sends `count` messages from `threads` threads; returns the outcomes by message index.
std::vector<SmtpOutcome> send_many(SmtpTransport& transport, int count, int threads,
                                   const std::function<std::string(int)>& recipient) {
  std::vector<SmtpOutcome> outcomes(static_cast<std::size_t>(count));
  std::atomic<int> next{0};
  std::vector<std::thread> senders;
  for (int t = 0; t < threads; ++t)
    senders.emplace_back([&] {
      for (int i = next++; i < count; i = next++)
        outcomes[static_cast<std::size_t>(i)] = transport.send("shop@acme.test", recipient(i), kMessage);
    });
  for (auto& sender : senders) sender.join();
  return outcomes;
}

// Queues `count` messages with send_async at once; returns their outcomes and the
// threads that answered them, once all are in (or after 10 s).
struct AsyncAnswers {
  std::vector<SmtpOutcome> outcomes;
  std::set<std::thread::id> threads;
  int count(SmtpOutcome::Kind kind) const {
    return static_cast<int>(
        std::count_if(outcomes.begin(), outcomes.end(), [&](const auto& o) { return o.kind == kind; }));
  }
};
AsyncAnswers send_all_async(SmtpTransport& transport, int count) {
  // Shared with the callbacks: on a timeout they may still answer after this returns.
  struct State {
    std::mutex mutex;
    std::condition_variable changed;
    AsyncAnswers answers;
  };
  const auto state = std::make_shared<State>();
  for (int i = 0; i < count; ++i)
    transport.send_async("shop@acme.test", "c" + std::to_string(i) + "@x.test", kMessage, [state](SmtpOutcome outcome) {
      {
        std::lock_guard lock(state->mutex);
        state->answers.outcomes.push_back(std::move(outcome));
        state->answers.threads.insert(std::this_thread::get_id());
      }
      state->changed.notify_all();
    });
  std::unique_lock lock(state->mutex);
  state->changed.wait_for(lock, std::chrono::seconds(10),
                          [&] { return state->answers.outcomes.size() == static_cast<std::size_t>(count); });
  return state->answers;
}

}  // namespace

TEST_CASE("with PIPELINING, messages stream on one connection: the data and the next envelope in one write") {
  ScriptedServer server(true);
  {
    SmtpTransport transport(settings_for(server, 1));
    const auto outcomes = send_many(transport, 200, 8, [](int i) { return "c" + std::to_string(i) + "@x.test"; });
    for (const auto& outcome : outcomes) {
      REQUIRE(outcome.kind == SmtpOutcome::Kind::accepted);
      CHECK(outcome.code == 250);
      CHECK(outcome.reply == "250 2.0.0 queued");
    }
  }
  const auto received = server.received();
  REQUIRE(received.size() == 200);
  for (const auto& message : received) {
    CHECK(message.from == "shop@acme.test");
    CHECK(message.data == kMessage);  // dot-stuffed on the wire, the same text after
  }
  CHECK(server.connections == 1);
  CHECK(server.envelopes_in_one_read > 0);
  // Eight senders keep a message waiting behind the one on the wire: most go out behind
  // the previous message's data.
  CHECK(server.data_with_next_envelope > 100);
}

TEST_CASE("send_async: no thread waits, answers come on the connections' threads and may queue the next message") {
  ScriptedServer server(true);
  std::mutex mutex;
  std::condition_variable changed;
  std::vector<SmtpOutcome> outcomes;
  std::vector<std::thread::id> threads;
  int resent = 0;
  SmtpTransport transport(settings_for(server, 2));
  std::function<void(SmtpOutcome)> done = [&](SmtpOutcome outcome) {
    bool again = false;
    {
      std::lock_guard lock(mutex);
      outcomes.push_back(std::move(outcome));
      threads.push_back(std::this_thread::get_id());
      again = resent < 50;  // an answer that queues the next message, as the host does
      resent += again ? 1 : 0;
    }
    changed.notify_all();
    if (again) transport.send_async("shop@acme.test", "again@x.test", kMessage, done);
  };
  for (int i = 0; i < 150; ++i)
    transport.send_async("shop@acme.test", "c" + std::to_string(i) + "@x.test", kMessage, done);
  std::unique_lock lock(mutex);
  REQUIRE(changed.wait_for(lock, std::chrono::seconds(10), [&] { return outcomes.size() == 200; }));
  for (const auto& outcome : outcomes) CHECK(outcome.kind == SmtpOutcome::Kind::accepted);
  for (const auto& thread : threads) CHECK(thread != std::this_thread::get_id());
  CHECK(server.received().size() == 200);
  CHECK(server.connections <= 2);
}

TEST_CASE("a thread drives two connections: both stream, and one thread answers for both") {
  ScriptedServer server(true);
  AsyncAnswers answers;
  {
    SmtpTransport transport(settings_for(server, 2));
    answers = send_all_async(transport, 400);
  }
  REQUIRE(answers.outcomes.size() == 400);
  CHECK(answers.count(SmtpOutcome::Kind::accepted) == 400);
  CHECK(answers.threads.size() == 1);
  CHECK(server.received().size() == 400);
  // 400 messages queued at once keep both connections busy, each one streaming.
  const auto by_connection = server.received_by_connection();
  REQUIRE(by_connection.size() == 2);
  CHECK(by_connection[0] > 50);
  CHECK(by_connection[1] > 50);
  CHECK(server.data_with_next_envelope > 200);
}

TEST_CASE("one connection more than a thread drives: a second thread, and never more connections than asked") {
  ScriptedServer server(true);
  constexpr int connections = SmtpTransport::kConnectionsPerThread + 1;
  AsyncAnswers answers;
  {
    SmtpTransport transport(settings_for(server, connections));
    answers = send_all_async(transport, 600);
  }
  CHECK(answers.count(SmtpOutcome::Kind::accepted) == 600);
  CHECK(answers.threads.size() == 2);
  CHECK(server.connections <= connections);
  CHECK(server.received().size() == 600);
}

TEST_CASE("421 on one of a thread's two connections: its messages are retried, the other goes on") {
  ScriptedServer server(true);
  std::atomic<int> seen{0};
  server.data_reply = [&](const Received&) {
    return ++seen == 40 ? std::string("421 4.3.2 shutting down") : std::string("250 2.0.0 queued");
  };
  AsyncAnswers answers;
  {
    SmtpTransport transport(settings_for(server, 2));
    answers = send_all_async(transport, 200);
  }
  REQUIRE(answers.outcomes.size() == 200);
  // The message answered 421, and the one whose envelope went out behind it, are
  // retried; every other message is delivered, on the surviving connection or a new one.
  const int retried = answers.count(SmtpOutcome::Kind::transient);
  CHECK(retried >= 1);
  CHECK(retried <= 2);
  CHECK(answers.count(SmtpOutcome::Kind::accepted) == 200 - retried);
  CHECK(server.received().size() == static_cast<std::size_t>(200 - retried));
  CHECK(server.connections == 3);
}

TEST_CASE("a thread's second connection, idle for `idle` while the first is busy, says QUIT") {
  ScriptedServer server(true);
  SmtpSettings settings = settings_for(server, 2);
  settings.idle = std::chrono::milliseconds(100);
  SmtpTransport transport(settings);
  CHECK(send_all_async(transport, 200).count(SmtpOutcome::Kind::accepted) == 200);  // opens both
  REQUIRE(server.connections == 2);
  // Then one message at a time for 400 ms: one connection carries them, the other quits.
  const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(400);
  while (std::chrono::steady_clock::now() < until) {
    REQUIRE(transport.send("shop@acme.test", "one@x.test", kMessage).kind == SmtpOutcome::Kind::accepted);
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  CHECK(server.quits == 1);
  CHECK(server.connections == 2);
}

TEST_CASE("a transport going away sends and answers every message queued with send_async first") {
  ScriptedServer server(true);
  std::atomic<int> accepted{0};
  {
    SmtpTransport transport(settings_for(server, 2));
    for (int i = 0; i < 100; ++i)
      transport.send_async("shop@acme.test", "c" + std::to_string(i) + "@x.test", kMessage, [&](SmtpOutcome outcome) {
        accepted += outcome.kind == SmtpOutcome::Kind::accepted ? 1 : 0;
      });
  }
  CHECK(accepted == 100);
  CHECK(server.received().size() == 100);
}

TEST_CASE("a message that does not end with CRLF still ends where it should") {
  ScriptedServer server(true);
  {
    SmtpTransport transport(settings_for(server, 1));
    for (const char* data : {"Subject: a\r\n\r\nno line end", "Subject: b\r\n\r\nbare LF\n", ".\r\n"})
      CHECK(transport.send("shop@acme.test", "a@x.test", data).kind == SmtpOutcome::Kind::accepted);
  }
  const auto received = server.received();
  REQUIRE(received.size() == 3);
  CHECK(received[0].data == "Subject: a\r\n\r\nno line end\r\n");
  CHECK(received[1].data == "Subject: b\r\n\r\nbare LF\n\r\n");
  CHECK(received[2].data == ".\r\n");  // a lone dot line is stuffed, not the end
}

TEST_CASE("without PIPELINING, one command at a time, and the same messages arrive") {
  ScriptedServer server(false);
  {
    SmtpTransport transport(settings_for(server, 2));
    for (const auto& outcome : send_many(transport, 40, 4, [](int i) { return "c" + std::to_string(i) + "@x.test"; }))
      REQUIRE(outcome.kind == SmtpOutcome::Kind::accepted);
  }
  CHECK(server.received().size() == 40);
  CHECK(server.early_commands == 0);
  CHECK(server.connections <= 2);
}

TEST_CASE("a refused recipient fails that message alone, with the server's text; the connection goes on") {
  for (const auto& [pipelining, connections] : {std::pair{true, 1}, {false, 1}, {true, 2}, {false, 2}}) {
    ScriptedServer server(pipelining);
    server.rcpt_reply = [](const std::string& to) {
      return to.starts_with("gone") ? std::string("550 5.1.1 <" + to + ">: no such user") : std::string("250 OK");
    };
    server.data_reply = [](const Received& message) {
      return message.to.starts_with("busy") ? std::string("451 4.3.0 try later") : std::string("250 2.0.0 queued");
    };
    SmtpTransport transport(settings_for(server, connections));
    const auto outcomes = send_many(transport, 30, 3, [](int i) {
      return (i % 3 == 1 ? "gone" : i % 3 == 2 ? "busy" : "ok") + std::to_string(i) + "@x.test";
    });
    for (int i = 0; i < 30; ++i) {
      const auto& outcome = outcomes[static_cast<std::size_t>(i)];
      if (i % 3 == 0) {
        CHECK(outcome.kind == SmtpOutcome::Kind::accepted);
      } else if (i % 3 == 1) {
        CHECK(outcome.kind == SmtpOutcome::Kind::permanent);
        CHECK(outcome.code == 550);
        CHECK(outcome.error ==
              "the SMTP server refused the message: 550 5.1.1 <gone" + std::to_string(i) + "@x.test>: no such user");
      } else {
        CHECK(outcome.kind == SmtpOutcome::Kind::transient);
        CHECK(outcome.code == 451);
        CHECK(outcome.error == "the SMTP server deferred the message: 451 4.3.0 try later");
      }
    }
    CHECK(server.received().size() == 10);
    CHECK(server.resets == 10);  // MAIL was accepted: each refused transaction is reset
    CHECK(server.connections <= connections);
  }
}

TEST_CASE("421 ends the connection: the message is retried and the next one opens a new connection") {
  ScriptedServer server(true);
  std::atomic<int> seen{0};
  server.data_reply = [&](const Received&) {
    return ++seen == 3 ? std::string("421 4.3.2 shutting down") : std::string("250 2.0.0 queued");
  };
  SmtpTransport transport(settings_for(server, 1));
  std::vector<SmtpOutcome> outcomes;
  for (int i = 0; i < 5; ++i) outcomes.push_back(transport.send("shop@acme.test", "a@x.test", kMessage));
  CHECK(outcomes[2].kind == SmtpOutcome::Kind::transient);
  CHECK(outcomes[2].code == 421);
  for (const int i : {0, 1, 3, 4}) CHECK(outcomes[static_cast<std::size_t>(i)].kind == SmtpOutcome::Kind::accepted);
  CHECK(server.connections == 2);
}

TEST_CASE("a pooled connection the server closed while idle is replaced, not used: nothing fails") {
  ScriptedServer server(true);
  server.hang_up_after_each = true;
  SmtpTransport transport(settings_for(server, 1));
  for (int i = 0; i < 3; ++i) {
    CHECK(transport.send("shop@acme.test", "a@x.test", kMessage).kind == SmtpOutcome::Kind::accepted);
    std::this_thread::sleep_for(std::chrono::milliseconds(50));  // the server's FIN arrives
  }
  CHECK(server.connections == 3);
  CHECK(server.received().size() == 3);
}

TEST_CASE("a connection idle for `idle` says QUIT and closes; the next message opens another") {
  ScriptedServer server(true);
  SmtpSettings settings = settings_for(server, 1);
  settings.idle = std::chrono::milliseconds(100);
  SmtpTransport transport(settings);
  CHECK(transport.send("shop@acme.test", "a@x.test", kMessage).kind == SmtpOutcome::Kind::accepted);
  std::this_thread::sleep_for(std::chrono::milliseconds(400));
  CHECK(server.quits == 1);
  CHECK(transport.send("shop@acme.test", "b@x.test", kMessage).kind == SmtpOutcome::Kind::accepted);
  CHECK(server.connections == 2);
}

TEST_CASE("a server that is down: every waiting message is answered at once, to be retried") {
  int port = 0;
  {
    ScriptedServer gone(true);  // a port that was just free, now closed
    port = std::stoi(gone.url().substr(gone.url().rfind(':') + 1));
  }
  SmtpSettings settings;
  settings.url = "smtp://127.0.0.1:" + std::to_string(port);
  settings.starttls = SmtpSettings::StartTls::off;
  SmtpTransport transport(settings);
  const SmtpOutcome outcome = transport.send("shop@acme.test", "a@x.test", kMessage);
  CHECK(outcome.kind == SmtpOutcome::Kind::transient);
  CHECK(outcome.code == 0);
  CHECK_THAT(outcome.error, Catch::StartsWith("cannot reach the SMTP server: cannot connect to 127.0.0.1:"));
}

TEST_CASE("a URL the transport cannot use is refused when the channel starts") {
  SmtpSettings settings;
  settings.starttls = SmtpSettings::StartTls::off;
  for (const char* url : {"smtp://", "http://mail.test", "smtp://mail.test:25x", "smtp://[::1"}) {
    settings.url = url;
    CHECK_THROWS_AS(SmtpTransport(settings), std::invalid_argument);
  }
}

TEST_CASE("SMTP replies: multi-line, split across reads, several in one read; garbage is refused") {
  ReplyReader reader;
  reader.feed("250-mail.test hello\r\n250-PIPE");
  CHECK_FALSE(reader.next());
  reader.feed("LINING\r\n250 SIZE 1000\r\n354 go");
  auto ehlo = reader.next();
  REQUIRE(ehlo);
  CHECK(ehlo->code == 250);
  CHECK(ehlo->text == "250-mail.test hello 250-PIPELINING 250 SIZE 1000");
  CHECK(ehlo->lines == std::vector<std::string>{"mail.test hello", "PIPELINING", "SIZE 1000"});
  CHECK_FALSE(reader.next());
  reader.feed(" ahead\r\n250 ok\n");  // a bare LF is taken too
  CHECK(reader.next()->code == 354);
  CHECK(reader.next()->text == "250 ok");
  CHECK_FALSE(reader.has_pending());

  ReplyReader garbage;
  garbage.feed("HTTP/1.1 400 Bad Request\r\n");
  CHECK_THROWS_WITH(garbage.next(), Catch::Contains("not an SMTP reply"));
  ReplyReader mixed;
  mixed.feed("250-first\r\n550 second\r\n");
  CHECK_THROWS_WITH(mixed.next(), Catch::Contains("changed its reply code"));
}
