// The SMTP leg alone, as a baseline for the welcome-journey benchmark
// (email_journey_bench.py): the email plugin's own transport (pooled connections that
// stream with PIPELINING) sending one composed message over and over from N threads to
// a sink, with no engine, store or HTTP in front. What the journey reaches is read
// against this.
//
//   parcours_smtp_bench --url smtp://127.0.0.1:2525 --messages 20000 --threads 8 --connections 4
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "mime_message.hpp"
#include "smtp_transport.hpp"

int main(int argc, char** argv) {
  std::string url = "smtp://127.0.0.1:2525";
  long messages = 20000;
  int threads = 8;
  int connections = 4;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--url")
      url = argv[i + 1];
    else if (flag == "--messages")
      messages = std::atol(argv[i + 1]);
    else if (flag == "--threads")
      threads = std::atoi(argv[i + 1]);
    else if (flag == "--connections")
      connections = std::atoi(argv[i + 1]);
    else {
      std::fprintf(stderr, "usage: %s [--url U] [--messages N] [--threads T] [--connections C]\n", argv[0]);
      return 2;
    }
  }
  parcours::email::MimeMessage mail;
  mail.from = {"Bench Shop", "hello@bench.test"};
  mail.to = {"Ann", "ann@example.test"};
  mail.subject = "Welcome, Ann";
  mail.html = "<p>Hello Ann, welcome to <a href=\"https://shop.test\">the shop</a>.</p>";
  mail.message_id = "bench@bench.test";
  const std::string data = parcours::email::render(mail);

  parcours::email::SmtpSettings settings;
  settings.url = url;
  settings.starttls = parcours::email::SmtpSettings::StartTls::off;
  settings.connections = connections;
  parcours::email::SmtpTransport transport(settings);
  std::atomic<long> next{0}, failed{0};
  const auto start = std::chrono::steady_clock::now();
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t)
    pool.emplace_back([&] {
      while (next.fetch_add(1) < messages)
        if (transport.send("hello@bench.test", "ann@example.test", data).kind !=
            parcours::email::SmtpOutcome::Kind::accepted)
          failed.fetch_add(1);
    });
  for (auto& thread : pool) thread.join();
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("smtp: %ld messages, %d threads, %d connections, %.2f s, %.0f messages/s, %ld failed\n", messages,
              threads, connections, seconds, static_cast<double>(messages) / seconds, failed.load());
  return failed.load() == 0 ? 0 : 1;
}
