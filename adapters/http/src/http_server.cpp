// SPDX-License-Identifier: MIT
#include "meter/http/http_server.h"

#include <httplib.h>

#include <atomic>
#include <chrono>

#include "meter/http/web_assets.h"

namespace meter::http {
namespace {

constexpr const char* kMetricsType = "text/plain; version=0.0.4; charset=utf-8";

Params params_of(const httplib::Request& request) {
  Params params;
  for (const auto& [name, value] : request.params) params.emplace(name, value);
  return params;
}

void send(httplib::Response& response, const Response& r) {
  response.status = r.status;
  response.set_header("Cache-Control", "no-store");
  response.set_content(r.body, r.content_type.c_str());
}

}  // namespace

struct HttpServer::Impl {
  explicit Impl(ApiSources s) : sources(with_version(std::move(s))), api(sources) {}

  static ApiSources with_version(ApiSources s) {
    if (s.version.empty()) s.version = METER_VERSION;
    return s;
  }

  ApiSources sources;
  Api api;
  httplib::Server server;
  std::atomic<bool> finished{false};
};

HttpServer::HttpServer(ApiSources sources) : impl_(std::make_unique<Impl>(std::move(sources))) {
  httplib::Server& server = impl_->server;
  // cpp-httplib's default adds SO_REUSEPORT: a second service on the same port would then bind
  // too and get half the requests. Only SO_REUSEADDR (quick restarts), so a busy port fails.
  server.set_socket_options([](socket_t sock) {
    int yes = 1;
    ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  });
  Impl& impl = *impl_;
  server.new_task_queue = [] { return new httplib::ThreadPool(kWorkers); };
  server.set_read_timeout(5, 0);
  server.set_write_timeout(5, 0);
  server.set_keep_alive_timeout(1);
  server.set_default_headers({{"X-Content-Type-Options", "nosniff"}});

  server.Get("/metrics", [&impl](const httplib::Request&, httplib::Response& response) {
    const std::int64_t now = impl.sources.now_ms();
    send(response, {200, kMetricsType,
                    metrics_text(impl.sources.status(), impl.sources.live->snapshot(now),
                                 impl.sources.version)});
  });
  server.Get("/healthz", [&impl](const httplib::Request&, httplib::Response& response) {
    const std::int64_t now = impl.sources.now_ms();
    send(response, health_response(impl.sources.status(), impl.sources.live->snapshot(now)));
  });
  server.Get(R"(/api/.*)", [&impl](const httplib::Request& request, httplib::Response& response) {
    send(response, impl.api.get(request.path, params_of(request)));
  });
  server.Get(R"(/.*)", [](const httplib::Request& request, httplib::Response& response) {
    const WebAsset* asset = find_web_asset(request.path);
    if (asset == nullptr) {
      send(response, {404, "text/plain; charset=utf-8", "not found\n"});
      return;
    }
    response.set_header("ETag", std::string(asset->etag));
    response.set_header("Cache-Control", "no-cache");
    if (request.get_header_value("If-None-Match") == asset->etag) {
      response.status = 304;
      return;
    }
    response.set_content(asset->body.data(), asset->body.size(),
                         std::string(asset->content_type).c_str());
  });
}

HttpServer::~HttpServer() { stop(); }

app::Outcome HttpServer::start(const std::string& host, unsigned port) {
  httplib::Server& server = impl_->server;
  if (port == 0) {
    const int bound = server.bind_to_any_port(host);
    if (bound <= 0) return app::Outcome::failure("cannot listen on " + host + ":0");
    port_ = static_cast<unsigned>(bound);
  } else {
    if (!server.bind_to_port(host, static_cast<int>(port))) {
      return app::Outcome::failure("cannot listen on " + host + ":" + std::to_string(port) +
                                   " (address in use, or not an address of this host)");
    }
    port_ = port;
  }
  thread_ = std::thread([this] {
    impl_->server.listen_after_bind();
    impl_->finished = true;
  });
  return app::Outcome::success();
}

void HttpServer::stop() {
  if (!thread_.joinable()) return;
  // stop() before the listener runs would be lost: wait for it to start (or to have failed).
  while (!impl_->server.is_running() && !impl_->finished) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  impl_->server.stop();
  thread_.join();
}

}  // namespace meter::http
