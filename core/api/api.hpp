// The HTTP API of HTTP-API.md over a running host::Service: routing, bearer tokens,
// body parsing and the JSON error format. Every route answers JSON; a bad request
// changes nothing.
//
// Threads: the server calls handle() on its I/O threads, which must not block.
// Ingestion does not: its events go to the service's ingest queue and the answer is
// sent when they are committed. Health and metrics are answered at once. Every other
// route (store reads, reload, the dashboard) runs on a small pool of threads of its own.
#pragma once

#include <cstddef>
#include <memory>

#include "host/service.hpp"
#include "server/http_server.hpp"

namespace parcours::api {

class Api {
 public:
  explicit Api(host::Service& service, std::size_t blocking_threads = 8);
  ~Api();  // waits for the routes running on the pool
  Api(const Api&) = delete;
  Api& operator=(const Api&) = delete;

  // Answers one request through `respond`, exactly once. Thread-safe.
  void handle(server::HttpRequest request, server::HttpRespond respond);

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace parcours::api
