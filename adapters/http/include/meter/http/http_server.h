// SPDX-License-Identifier: MIT
// The service's web server: the dashboard (embedded web/ files), the REST API, /metrics and
// /healthz. Only GET and HEAD are served (other methods: 405 at once); nothing here can change
// the service's state.
//
// Built to stay up with hostile clients on the network (libmicrohttpd: a few event-driven
// threads, so an open connection costs a slot and a little memory, never a thread):
//   - at most kConnectionLimit connections, kPerAddressLimit from one client address;
//   - a request's line and headers must arrive within kHeaderDeadline of the connection opening
//     (or of the previous answer on it), however slowly they trickle in; a connection with no
//     byte either way for kIdleTimeout is closed;
//   - request line and headers together at most kRequestMemory bytes;
//   - Range: one range at most; several ranges get the whole file (no multipart answer);
//   - /api answers, which may wait for the database, are worked out by threads of their own, so
//     /healthz, /metrics and the files never wait behind them.
// Access (access.h, routes.h): with a password or token configured, every route but the public
// ones needs them; HTTPS with a certificate and key (libmicrohttpd on GnuTLS). Every answer
// carries the security headers (a Content-Security-Policy for the dashboard's own files, no
// framing, nosniff, no referrer).
// cpp-httplib 0.11 (Debian's, compiled) cannot be configured to do this: one worker thread per
// connection for its whole life, per-read timeouts only, no connection caps, no limit on ranges.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "meter/app/ports.h"
#include "meter/http/access.h"
#include "meter/http/api.h"

namespace meter::http {

// What a listener serves: the dashboard with its API, or only the local meter feed (GET
// /v1/json, for devices on the LAN; every other path 404), with the same limits and access rules.
enum class HttpRole : std::uint8_t { kDashboard, kLocalFeed };

struct HttpOptions {
  AccessSettings access;
  // PEM files; both or neither (plain HTTP). Read by load_tls().
  std::string tls_cert_file;
  std::string tls_key_file;
  HttpRole role = HttpRole::kDashboard;
};

class HttpServer {
 public:
  explicit HttpServer(ApiSources sources, HttpOptions options = {});
  ~HttpServer();  // stops
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Reads and checks the certificate and key, if any: a failure names the file and what is
  // wrong with it (unreadable, not PEM, encrypted key, key not the certificate's). Call
  // before start(); a warning (a certificate past its end) comes back in `warning`.
  app::Outcome load_tls(std::string& warning);
  bool tls() const;
  // Binds host:port (port 0: any free port) and serves in the background.
  app::Outcome start(const std::string& host, unsigned port);
  unsigned port() const { return port_; }  // the bound port once started
  void stop();

  static constexpr unsigned kConnectionLimit = 512;
  // A browser opens up to six connections to a host; a few tabs and a scraper fit.
  static constexpr unsigned kPerAddressLimit = 32;
  static constexpr std::chrono::seconds kHeaderDeadline{5};
  static constexpr std::chrono::seconds kIdleTimeout{10};
  static constexpr std::size_t kRequestMemory = 32 * 1024;
  // Threads reading requests and sending answers; they never wait for the database.
  static constexpr unsigned kThreads = 2;
  // Threads answering /api requests (they read the database). Beyond kApiQueue waiting, an /api
  // request gets 503 with Retry-After at once.
  static constexpr std::size_t kApiWorkers = 2;
  static constexpr std::size_t kApiQueue = 64;
  // Sent with every answer. The dashboard loads only its own files and talks only to its own
  // origin; its icon is a data: URL.
  static constexpr const char* kContentSecurityPolicy =
      "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
      "connect-src 'self'; font-src 'self'; manifest-src 'self'; base-uri 'none'; "
      "form-action 'none'; frame-ancestors 'none'";

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  unsigned port_ = 0;
};

}  // namespace meter::http
