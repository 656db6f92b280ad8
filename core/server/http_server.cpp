#include "server/http_server.hpp"

#include <parcours/thread_name.hpp>

#include <spdlog/spdlog.h>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <algorithm>
#include <array>
#include <atomic>
#include <condition_variable>
#include <map>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <thread>
#include <vector>

namespace parcours::server {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

tcp::endpoint parse_endpoint(const std::string& listen) {
  const auto colon = listen.rfind(':');
  if (colon == std::string::npos)
    throw std::runtime_error("listen address '" + listen + "' has no port: write host:port, e.g. 127.0.0.1:8080");
  std::string host = listen.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  if (host.empty() || host == "*") host = "0.0.0.0";
  if (host == "localhost") host = "127.0.0.1";
  boost::system::error_code error;
  const auto address = asio::ip::make_address(host, error);
  if (error)
    throw std::runtime_error("listen address '" + listen + "': '" + host +
                             "' is not an IP address (write 127.0.0.1, 0.0.0.0 or [::1])");
  unsigned long port = 0;
  try {
    std::size_t used = 0;
    port = std::stoul(listen.substr(colon + 1), &used);
    if (used != listen.size() - colon - 1 || port > 65535) throw std::out_of_range("port");
  } catch (const std::exception&) {
    throw std::runtime_error("listen address '" + listen + "': the port must be a number from 0 to 65535");
  }
  return {address, static_cast<unsigned short>(port)};
}

std::string to_lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::tolower(c); });
  return text;
}

}  // namespace

class HttpServer::Impl {
 public:
  class Session;

  Impl(HttpServerOptions options, HttpHandler handler)
      : options_(std::move(options)), handler_(std::move(handler)), acceptor_(io_) {
    const tcp::endpoint endpoint = parse_endpoint(options_.listen);
    boost::system::error_code error;
    acceptor_.open(endpoint.protocol(), error);
    if (!error) acceptor_.set_option(asio::socket_base::reuse_address(true), error);
    if (!error) acceptor_.bind(endpoint, error);
    if (!error) acceptor_.listen(asio::socket_base::max_listen_connections, error);
    if (error)
      throw std::runtime_error("cannot listen on " + options_.listen + ": " + error.message() +
                               (error == asio::error::address_in_use
                                    ? " (another process has this port: stop it or set [server] listen)"
                                    : ""));
    bound_ = acceptor_.local_endpoint();
  }

  std::string address() const {
    const auto host = bound_.address().to_string();
    return (bound_.address().is_v6() ? "[" + host + "]" : host) + ":" + std::to_string(bound_.port());
  }

  void start() {
    work_.emplace(io_.get_executor());
    accept();
    for (std::size_t i = 0; i < std::max<std::size_t>(1, options_.threads); ++i)
      threads_.emplace_back([this] {
        parcours::name_this_thread("parcours-http");
        io_.run();
      });
  }

  void stop() {
    if (stopped_.exchange(true)) return;
    asio::post(acceptor_.get_executor(), [this] {
      boost::system::error_code ignored;
      acceptor_.close(ignored);
    });
    // Idle connections are closed now; a connection handling a request answers it
    // (with Connection: close) and then closes.
    close_idle_sessions();
    std::unique_lock lock(sessions_mutex_);
    if (!sessions_done_.wait_for(lock, std::chrono::seconds(3), [&] { return sessions_.empty(); })) {
      lock.unlock();
      log_open_sessions();
      lock.lock();
      sessions_done_.wait_for(lock, std::chrono::seconds(27), [&] { return sessions_.empty(); });
    }
    lock.unlock();
    work_.reset();
    io_.stop();
    for (auto& thread : threads_) thread.join();
    threads_.clear();
  }

  ~Impl() { stop(); }

  bool stopping() const { return stopped_.load(); }
  const HttpServerOptions& options() const { return options_; }
  void handle(HttpRequest request, HttpRespond respond) {
    const std::string method = request.method, path = request.path;
    try {
      handler_(std::move(request), respond);
    } catch (const std::exception& error) {
      spdlog::error("{} {}: {}", method, path, error.what());
      respond(HttpResponse::error(500, "internal", "the request failed inside the host; the log has the details"));
    }
  }

  void add(const std::shared_ptr<Session>& session) {
    std::lock_guard lock(sessions_mutex_);
    sessions_.emplace(session.get(), session);
  }
  void remove(Session* session) {
    std::lock_guard lock(sessions_mutex_);
    sessions_.erase(session);
    if (sessions_.empty()) sessions_done_.notify_all();
  }

 private:
  void accept();
  // The sessions' own references are taken under the lock and dropped after it: a
  // session that ends meanwhile removes itself, which takes the lock.
  std::vector<std::shared_ptr<Session>> open_sessions();
  void close_idle_sessions();
  void log_open_sessions();

  HttpServerOptions options_;
  HttpHandler handler_;
  asio::io_context io_;
  // An answer may come from another thread when nothing else is pending here (the
  // acceptor closed at stop, the last request still being answered): without this,
  // the I/O threads would see no work left, return, and never write it.
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work_;
  tcp::acceptor acceptor_;
  tcp::endpoint bound_;
  std::vector<std::thread> threads_;
  std::atomic<bool> stopped_{false};
  std::mutex sessions_mutex_;
  std::condition_variable sessions_done_;
  std::map<Session*, std::weak_ptr<Session>> sessions_;  // weak: a session ends with its connection
};

// One connection: read a request, answer it, again while keep-alive holds.
class HttpServer::Impl::Session : public std::enable_shared_from_this<Session> {
 public:
  Session(Impl& server, tcp::socket socket) : server_(server), stream_(std::move(socket)) {
    boost::system::error_code ignored;
    const auto peer = stream_.socket().remote_endpoint(ignored);
    remote_ = peer.address().to_string() + ":" + std::to_string(peer.port());
  }
  ~Session() { server_.remove(this); }

  void start() {
    server_.add(shared_from_this());
    asio::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->read(); });
  }

  // For the log at stop: who is still connected, and whether a request is in hand.
  std::string describe() const {
    return remote_ + (busy_.load() ? ", answering a request" : ", idle") + (linger_ ? ", lingering" : "") + ", " +
           std::to_string(requests_.load()) + " request(s) answered";
  }

  // From another thread, at stop: close the connection unless a request is in hand.
  void close_if_idle() {
    asio::post(stream_.get_executor(), [self = shared_from_this()] {
      if (!self->busy_) {
        boost::system::error_code ignored;
        self->stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
        self->stream_.close();
      }
    });
  }

 private:
  void read() {
    if (server_.stopping()) return;
    parser_.emplace();
    parser_->body_limit(server_.options().body_limit);
    parser_->header_limit(static_cast<std::uint32_t>(server_.options().header_limit));
    busy_ = false;
    if (buffer_.size() > 0) return read_request();  // the next request is already here (pipelined)
    // Idle until the first byte of the next request comes...
    stream_.expires_after(server_.options().idle_timeout);
    stream_.async_read_some(buffer_.prepare(kFirstRead),
                            [self = shared_from_this()](beast::error_code error, std::size_t size) {
                              if (error) return self->on_read(error);
                              self->buffer_.commit(size);
                              self->read_request();
                            });
  }

  // ... then the whole request within the request timeout, from that first byte: a
  // client trickling its request byte by byte is cut off then (Beast's deadline is one
  // point in time for every read of the request, not a delay between two bytes).
  void read_request() {
    stream_.expires_after(server_.options().request_timeout);
    http::async_read_header(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code error, std::size_t) { self->on_header(error); });
  }

  // curl and others send `Expect: 100-continue` before a larger body and wait for the
  // go-ahead (a second, else): give it, then read the body.
  void on_header(beast::error_code error) {
    if (error) return on_read(error);
    if (!beast::iequals(parser_->get()[http::field::expect], "100-continue")) return read_body();
    auto go_ahead = std::make_shared<http::response<http::empty_body>>(http::status::continue_, 11);
    http::async_write(stream_, *go_ahead, [self = shared_from_this(), go_ahead](beast::error_code error, std::size_t) {
      if (error) return self->close();
      self->read_body();
    });
  }

  void read_body() {
    http::async_read(stream_, buffer_, *parser_,
                     [self = shared_from_this()](beast::error_code error, std::size_t) { self->on_read(error); });
  }

  void on_read(beast::error_code error) {
    if (error == http::error::end_of_stream || error == asio::error::eof || error == beast::error::timeout ||
        error == asio::error::operation_aborted || error == asio::error::connection_reset ||
        error == asio::error::bad_descriptor)
      return close();
    if (error == http::error::body_limit)
      return reply_and_close(HttpResponse::error(413, "body_too_large",
                                                 "the request body is over " +
                                                     std::to_string(server_.options().body_limit) +
                                                     " bytes: send the events in smaller batches"));
    if (error == http::error::header_limit)
      return reply_and_close(HttpResponse::error(431, "headers_too_large", "the request headers are too large"));
    if (error) return reply_and_close(HttpResponse::error(400, "bad_http", "malformed HTTP: " + error.message()));

    busy_ = true;
    stream_.expires_never();  // the handler may take its time (a store commit)
    auto& message = parser_->get();
    HttpRequest request;
    request.method = std::string(message.method_string());
    const std::string target(message.target());
    const auto question = target.find('?');
    request.path = target.substr(0, question);
    if (question != std::string::npos) request.query = target.substr(question + 1);
    for (const auto& field : message)
      request.headers[to_lower(std::string(field.name_string()))] = std::string(field.value());
    request.body = std::move(message.body());
    request.remote = remote_;
    const bool keep_alive = message.keep_alive();
    // The answer may come from another thread (a commit done elsewhere): it is written
    // on this connection's strand; at once when it comes on it.
    server_.handle(std::move(request), [self = shared_from_this(), keep_alive](HttpResponse response) {
      auto* session = self.get();
      asio::dispatch(session->stream_.get_executor(),
                     [self = std::move(self), keep_alive, response = std::move(response)]() mutable {
                       self->write(std::move(response), keep_alive && !self->server_.stopping());
                     });
    });
  }

  // An answer before the request was read in full (too large, malformed): the client
  // may still be sending, and closing at once would reset the connection before it
  // reads the answer. So: answer, stop sending, and discard what still comes for a
  // moment (a "lingering close", as nginx does).
  void reply_and_close(HttpResponse response) {
    linger_ = true;
    write(std::move(response), false);
  }

  void drain() {
    stream_.expires_after(std::chrono::seconds(2));
    stream_.async_read_some(asio::buffer(discard_), [self = shared_from_this()](beast::error_code error, std::size_t) {
      if (error) return self->close();
      self->drain();
    });
  }

  void write(HttpResponse response, bool keep_alive) {
    ++requests_;
    auto out = std::make_shared<http::response<http::string_body>>();
    out->version(11);
    out->result(static_cast<http::status>(response.status));
    out->set(http::field::server, "parcours");
    out->set(http::field::content_type, response.content_type);
    for (const auto& [name, value] : response.headers) out->set(name, value);
    out->body() = std::move(response.body);
    out->keep_alive(keep_alive);
    out->prepare_payload();
    stream_.expires_after(server_.options().request_timeout);
    http::async_write(stream_, *out,
                      [self = shared_from_this(), out, keep_alive](beast::error_code error, std::size_t) {
                        if (error) return self->close();
                        if (!keep_alive && self->linger_) {
                          boost::system::error_code ignored;
                          self->stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
                          return self->drain();
                        }
                        if (!keep_alive) return self->close();
                        self->read();
                      });
  }

  void close() {
    busy_ = false;
    boost::system::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    stream_.close();
  }

  Impl& server_;
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::string remote_;
  std::atomic<int> requests_ = 0;
  std::atomic<bool> busy_ = false;  // changed on the session's strand only; read by describe()
  bool linger_ = false;
  std::array<char, 16384> discard_{};
  static constexpr std::size_t kFirstRead = 4096;  // bytes asked for when a request starts
};

void HttpServer::Impl::accept() {
  acceptor_.async_accept(asio::make_strand(io_), [this](beast::error_code error, tcp::socket socket) {
    if (error == asio::error::operation_aborted || !acceptor_.is_open()) return;
    if (!error && !stopping()) {
      // Answers are small and written whole as soon as they are ready: Nagle's algorithm
      // could only hold one back behind a client's delayed ACK (as nginx's tcp_nodelay).
      boost::system::error_code ignored;
      socket.set_option(tcp::no_delay(true), ignored);
      std::make_shared<Session>(*this, std::move(socket))->start();
    }
    accept();
  });
}

std::vector<std::shared_ptr<HttpServer::Impl::Session>> HttpServer::Impl::open_sessions() {
  std::vector<std::shared_ptr<Session>> open;
  std::lock_guard lock(sessions_mutex_);
  for (auto& [raw, weak] : sessions_)
    if (auto session = weak.lock()) open.push_back(std::move(session));
  return open;
}

void HttpServer::Impl::close_idle_sessions() {
  for (const auto& session : open_sessions()) session->close_if_idle();
}

void HttpServer::Impl::log_open_sessions() {
  const auto open = open_sessions();
  spdlog::warn("stopping: {} connection(s) still open after 3 s; waiting up to 27 s more", open.size());
  for (const auto& session : open) spdlog::warn("  still open: {}", session->describe());
}

HttpServer::HttpServer(HttpServerOptions options, HttpHandler handler)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(handler))) {}
HttpServer::~HttpServer() = default;
std::string HttpServer::address() const {
  return impl_->address();
}
void HttpServer::start() {
  impl_->start();
}
void HttpServer::stop() {
  impl_->stop();
}

}  // namespace parcours::server
