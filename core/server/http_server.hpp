// The HTTP/1.1 server (Boost.Beast on Asio): keep-alive, limits on header and body
// size, an idle timeout, and a graceful stop. Each request is handed to one handler
// function on one of the server's I/O threads; the handler answers through a callback,
// at once or later from any thread, so that a request waiting for a store commit holds
// no thread (core/api/ sends blocking routes to threads of its own).
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>

#include "server/http_message.hpp"

namespace parcours::server {

struct HttpServerOptions {
  std::string listen = "127.0.0.1:8080";      // host:port; port 0 picks a free one
  std::size_t threads = 2;                    // I/O threads: handlers do not block, so about one a core
  std::size_t body_limit = 10 * 1024 * 1024;  // 413 above it
  std::size_t header_limit = 16 * 1024;       // 431 above it
  std::chrono::seconds idle_timeout{30};      // a connection with no request begun for this long is closed
  std::chrono::seconds request_timeout{30};   // reading one request, from its first byte, may take at most this
};

// Answers the request it was given. Call it exactly once, from any thread.
using HttpRespond = std::function<void(HttpResponse)>;
// Runs on an I/O thread: must not block (hand blocking work to another thread, and
// call `respond` from there). An exception it throws before answering is a 500.
using HttpHandler = std::function<void(HttpRequest, HttpRespond)>;

class HttpServer {
 public:
  // Binds now, so that a port already in use is an error of the constructor (a
  // std::runtime_error that names the address), before anything else starts.
  HttpServer(HttpServerOptions options, HttpHandler handler);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // The address actually bound ("127.0.0.1:41234" when the port was 0).
  std::string address() const;

  // Starts the threads; returns at once.
  void start();
  // Stops accepting, lets requests being handled finish and answer (with
  // `Connection: close`), then returns when every thread is done.
  void stop();

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace parcours::server
