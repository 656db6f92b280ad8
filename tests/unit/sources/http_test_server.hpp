// A small HTTP/1.1 server on 127.0.0.1 for the http-json source's tests: one thread
// per connection, one request per connection (Connection: close), answers from a
// handler the test swaps at will, and every request kept for inspection. A handler
// may hang (to test timeouts); the destructor releases it and joins every thread.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace parcours::sources::test {

struct HttpRequest {
  std::string method;
  std::string target;
  std::map<std::string, std::string> headers;  // names in lower case
};

struct HttpResponse {
  int status = 200;
  std::string body;
  std::map<std::string, std::string> headers;
  std::chrono::milliseconds hang{0};  // wait this long (or until the server stops) before answering
};

class HttpTestServer {
 public:
  using Handler = std::function<HttpResponse(const HttpRequest&)>;

  HttpTestServer() {
    listener_ = ::socket(AF_INET, SOCK_STREAM, 0);
    const int yes = 1;
    ::setsockopt(listener_, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    if (::bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 || ::listen(listener_, 16) != 0 ||
        ::getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length) != 0)
      throw std::runtime_error("the test HTTP server cannot listen on 127.0.0.1");
    port_ = ntohs(address.sin_port);
    acceptor_ = std::thread([this] { accept_loop(); });
  }

  ~HttpTestServer() {
    {
      const std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    released_.notify_all();
    ::shutdown(listener_, SHUT_RDWR);
    ::close(listener_);
    acceptor_.join();
    for (auto& thread : connections_) thread.join();
  }

  HttpTestServer(const HttpTestServer&) = delete;
  HttpTestServer& operator=(const HttpTestServer&) = delete;

  std::string url(const std::string& path) const { return "http://127.0.0.1:" + std::to_string(port_) + path; }

  void answer(Handler handler) {
    const std::lock_guard lock(mutex_);
    handler_ = std::move(handler);
  }

  std::vector<HttpRequest> requests() const {
    const std::lock_guard lock(mutex_);
    return requests_;
  }

 private:
  void accept_loop() {
    for (;;) {
      const int client = ::accept(listener_, nullptr, nullptr);
      if (client < 0) return;  // the listener was shut down
      const std::lock_guard lock(mutex_);
      if (stopping_) {
        ::close(client);
        return;
      }
      connections_.emplace_back([this, client] { serve(client); });
    }
  }

  void serve(int client) {
    std::string data;
    char buffer[4096];
    while (data.find("\r\n\r\n") == std::string::npos) {
      const ssize_t n = ::recv(client, buffer, sizeof buffer, 0);
      if (n <= 0) {
        ::close(client);
        return;
      }
      data.append(buffer, static_cast<std::size_t>(n));
    }
    HttpRequest request;
    const auto line_end = data.find("\r\n");
    const std::string first = data.substr(0, line_end);
    request.method = first.substr(0, first.find(' '));
    request.target = first.substr(first.find(' ') + 1, first.rfind(' ') - first.find(' ') - 1);
    std::size_t at = line_end + 2;
    for (;;) {
      const auto end = data.find("\r\n", at);
      if (end == at || end == std::string::npos) break;
      const std::string header = data.substr(at, end - at);
      const auto colon = header.find(':');
      std::string name = header.substr(0, colon);
      for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      std::string value = header.substr(colon + 1);
      value.erase(0, value.find_first_not_of(' '));
      request.headers[name] = value;
      at = end + 2;
    }
    Handler handler;
    {
      const std::lock_guard lock(mutex_);
      requests_.push_back(request);
      handler = handler_;
    }
    HttpResponse response = handler ? handler(request) : HttpResponse{404, "no handler", {}, {}};
    if (response.hang.count() > 0) {
      std::unique_lock lock(mutex_);
      released_.wait_for(lock, response.hang, [this] { return stopping_; });
    }
    std::string out = "HTTP/1.1 " + std::to_string(response.status) +
                      " Test\r\nContent-Length: " + std::to_string(response.body.size()) + "\r\nConnection: close\r\n";
    for (const auto& [name, value] : response.headers) out += name + ": " + value + "\r\n";
    out += "\r\n" + response.body;
    ::send(client, out.data(), out.size(), MSG_NOSIGNAL);
    ::close(client);
  }

  int listener_ = -1;
  int port_ = 0;
  std::thread acceptor_;
  mutable std::mutex mutex_;
  std::condition_variable released_;
  bool stopping_ = false;
  Handler handler_;
  std::vector<HttpRequest> requests_;
  std::vector<std::thread> connections_;
};

}  // namespace parcours::sources::test
