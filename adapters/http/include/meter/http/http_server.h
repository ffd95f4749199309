// SPDX-License-Identifier: MIT
// The service's web server: the dashboard (embedded web/ files), the REST API, /metrics and
// /healthz, on its own threads (cpp-httplib: one listener, a small worker pool). Only GET (and
// HEAD) is served; nothing here can change the service's state.
#pragma once

#include <memory>
#include <string>
#include <thread>

#include "meter/app/ports.h"
#include "meter/http/api.h"

namespace meter::http {

class HttpServer {
 public:
  explicit HttpServer(ApiSources sources);
  ~HttpServer();  // stops
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds host:port (port 0: any free port) and serves in the background.
  app::Outcome start(const std::string& host, unsigned port);
  unsigned port() const { return port_; }  // the bound port once started
  void stop();

  // A keep-alive connection holds a worker while idle (cpp-httplib), and a browser opens up
  // to six: enough workers for a few open dashboards, and idle connections closed after 1 s.
  static constexpr std::size_t kWorkers = 8;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::thread thread_;
  unsigned port_ = 0;
};

}  // namespace meter::http
