// SPDX-License-Identifier: MIT
#include "meter/http/http_server.h"

#include <microhttpd.h>
#include <netdb.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <spdlog/spdlog.h>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <exception>
#include <fstream>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <sstream>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "meter/http/routes.h"
#include "meter/http/web_assets.h"

namespace meter::http {
namespace {

using SteadyClock = std::chrono::steady_clock;

constexpr const char* kMetricsType = "text/plain; version=0.0.4; charset=utf-8";
constexpr const char* kTextType = "text/plain; charset=utf-8";

// libmicrohttpd has an idle timeout (reset by every byte) but no deadline for a whole request:
// a client sending one header line every few seconds would hold its connection for ever. This
// keeps each connection's deadline and shuts overdue sockets down; libmicrohttpd then sees the
// connection end and closes it as usual (the socket itself stays its to close).
class HeaderDeadlines {
 public:
  explicit HeaderDeadlines(SteadyClock::duration allowed) : allowed_(allowed) {
    reaper_ = std::thread([this] { run(); });
  }
  ~HeaderDeadlines() {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_all();
    reaper_.join();
  }
  HeaderDeadlines(const HeaderDeadlines&) = delete;
  HeaderDeadlines& operator=(const HeaderDeadlines&) = delete;

  // A connection opened: the clock runs.
  void opened(MHD_Connection* connection) {
    const MHD_ConnectionInfo* info =
        MHD_get_connection_info(connection, MHD_CONNECTION_INFO_CONNECTION_FD);
    if (info == nullptr) return;
    std::lock_guard lock(mutex_);
    open_[connection] = {info->connect_fd, SteadyClock::now() + allowed_};
  }
  // A request was answered; the next one on the connection has the same time (never a
  // connection already forgotten: its socket may be another one's by now).
  void rearm(MHD_Connection* connection) {
    std::lock_guard lock(mutex_);
    if (auto it = open_.find(connection); it != open_.end()) {
      it->second.due = SteadyClock::now() + allowed_;
    }
  }
  // The request's headers are in: answering is not limited by this deadline.
  void disarm(MHD_Connection* connection) {
    std::lock_guard lock(mutex_);
    if (auto it = open_.find(connection); it != open_.end()) it->second.due.reset();
  }
  // Called before libmicrohttpd closes the socket: the reaper never touches it afterwards.
  void forget(MHD_Connection* connection) {
    std::lock_guard lock(mutex_);
    open_.erase(connection);
  }

 private:
  struct Open {
    int fd = -1;
    std::optional<SteadyClock::time_point> due;
  };

  void run() {
    std::unique_lock lock(mutex_);
    while (!wake_.wait_for(lock, std::chrono::milliseconds(250), [this] { return stopping_; })) {
      const auto now = SteadyClock::now();
      for (auto& [connection, open] : open_) {
        if (open.due && *open.due <= now) {
          ::shutdown(open.fd, SHUT_RDWR);
          open.due.reset();
        }
      }
    }
  }

  const SteadyClock::duration allowed_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::map<MHD_Connection*, Open> open_;
  std::thread reaper_;
};

// /api answers may wait for the database (a slow query, a locked table, a server that does not
// answer until its timeout). They are worked out here, off libmicrohttpd's threads, while their
// connection is suspended: /healthz, /metrics and the dashboard's files are answered at once
// even while every API worker waits.
class ApiWorkers {
 public:
  using Job = std::function<void()>;

  ApiWorkers(std::size_t threads, std::size_t queue_limit) : queue_limit_(queue_limit) {
    for (std::size_t i = 0; i < threads; ++i) threads_.emplace_back([this] { run(); });
  }
  ~ApiWorkers() { stop(); }
  ApiWorkers(const ApiWorkers&) = delete;
  ApiWorkers& operator=(const ApiWorkers&) = delete;

  bool has_room() {
    std::lock_guard lock(mutex_);
    return jobs_.size() < queue_limit_;
  }
  // Queued; once stopping, run right here (so no connection stays suspended).
  void submit(Job job) {
    {
      std::lock_guard lock(mutex_);
      if (!stopping_) {
        jobs_.push_back(std::move(job));
        ready_.notify_one();
        return;
      }
    }
    job();
  }
  // Runs what is queued, then ends the threads.
  void stop() {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    ready_.notify_all();
    for (auto& thread : threads_) {
      if (thread.joinable()) thread.join();
    }
  }

 private:
  void run() {
    std::unique_lock lock(mutex_);
    for (;;) {
      ready_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
      if (jobs_.empty()) return;  // stopping, and nothing left
      Job job = std::move(jobs_.front());
      jobs_.pop_front();
      lock.unlock();
      job();
      lock.lock();
    }
  }

  const std::size_t queue_limit_;
  std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<Job> jobs_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

// The part of a file a Range header asks for. One range only ("bytes=a-b", "bytes=a-",
// "bytes=-n"): several ranges, or anything unreadable, get the whole file, as RFC 9110 allows,
// so an answer is never larger than the file.
struct ByteRange {
  bool partial = false;
  bool unsatisfiable = false;
  std::size_t first = 0;
  std::size_t length = 0;
};

std::optional<std::size_t> whole_number(std::string_view text) {
  std::size_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || error != std::errc() || end != text.data() + text.size()) {
    return std::nullopt;
  }
  return value;
}

ByteRange byte_range(std::string_view header, std::size_t size) {
  const ByteRange whole{false, false, 0, size};
  constexpr std::string_view kUnit = "bytes=";
  if (header.substr(0, kUnit.size()) != kUnit) return whole;
  const std::string_view spec = header.substr(kUnit.size());
  const auto dash = spec.find('-');
  if (dash == std::string_view::npos || spec.find(',') != std::string_view::npos) return whole;
  const std::string_view first_text = spec.substr(0, dash);
  const std::string_view last_text = spec.substr(dash + 1);
  if (first_text.empty()) {  // the last n bytes
    const auto suffix = whole_number(last_text);
    if (!suffix) return whole;
    if (*suffix == 0 || size == 0) return {false, true, 0, 0};
    const std::size_t length = std::min(*suffix, size);
    return {true, false, size - length, length};
  }
  const auto first = whole_number(first_text);
  if (!first) return whole;
  if (*first >= size) return {false, true, 0, 0};
  const auto last = last_text.empty() ? std::optional(size - 1) : whole_number(last_text);
  if (!last || *last < *first) return whole;
  return {true, false, *first, std::min(*last, size - 1) - *first + 1};
}

using Headers = std::initializer_list<std::pair<const char*, std::string>>;

MHD_Result queue(MHD_Connection* connection, unsigned status, std::string_view body,
                 MHD_ResponseMemoryMode memory, Headers headers) {
  // PERSISTENT bodies are the embedded files, never written to.
  MHD_Response* response = MHD_create_response_from_buffer(
      body.size(), const_cast<char*>(body.data()), memory);  // NOLINT(*-const-cast)
  if (response == nullptr) return MHD_NO;
  MHD_add_response_header(response, "X-Content-Type-Options", "nosniff");
  MHD_add_response_header(response, "Content-Security-Policy", HttpServer::kContentSecurityPolicy);
  MHD_add_response_header(response, "X-Frame-Options", "DENY");
  MHD_add_response_header(response, "Referrer-Policy", "no-referrer");
  for (const auto& [name, value] : headers) MHD_add_response_header(response, name, value.c_str());
  const MHD_Result queued = MHD_queue_response(connection, status, response);
  MHD_destroy_response(response);
  return queued;
}

MHD_Result send(MHD_Connection* connection, const Response& r) {
  if (!r.attachment.empty()) {
    return queue(connection, static_cast<unsigned>(r.status), r.body, MHD_RESPMEM_MUST_COPY,
                 {{"Content-Type", r.content_type},
                  {"Cache-Control", "no-store"},
                  {"Content-Disposition", "attachment; filename=\"" + r.attachment + "\""}});
  }
  return queue(connection, static_cast<unsigned>(r.status), r.body, MHD_RESPMEM_MUST_COPY,
               {{"Content-Type", r.content_type}, {"Cache-Control", "no-store"}});
}

std::string header_of(MHD_Connection* connection, const char* name) {
  const char* value = MHD_lookup_connection_value(connection, MHD_HEADER_KIND, name);
  return value == nullptr ? std::string() : std::string(value);
}

MHD_Result add_param(void* params, MHD_ValueKind, const char* name, const char* value) {
  static_cast<Params*>(params)->emplace(name, value == nullptr ? "" : value);
  return MHD_YES;
}

MHD_Result send_asset(MHD_Connection* connection, const std::string& path) {
  const WebAsset* asset = find_web_asset(path);
  if (asset == nullptr) return send(connection, {404, kTextType, "not found\n"});
  const std::string etag(asset->etag);
  if (header_of(connection, "If-None-Match") == etag) {
    return queue(connection, 304, {}, MHD_RESPMEM_PERSISTENT,
                 {{"ETag", etag}, {"Cache-Control", "no-cache"}});
  }
  const std::string if_range = header_of(connection, "If-Range");
  const ByteRange range = if_range.empty() || if_range == etag
                              ? byte_range(header_of(connection, "Range"), asset->body.size())
                              : ByteRange{false, false, 0, asset->body.size()};
  const std::string type(asset->content_type);
  if (range.unsatisfiable) {
    return queue(connection, 416, {}, MHD_RESPMEM_PERSISTENT,
                 {{"Content-Range", "bytes */" + std::to_string(asset->body.size())}});
  }
  if (range.partial) {
    const std::string content_range = "bytes " + std::to_string(range.first) + "-" +
                                      std::to_string(range.first + range.length - 1) + "/" +
                                      std::to_string(asset->body.size());
    return queue(connection, 206, std::string_view(asset->body.data() + range.first, range.length),
                 MHD_RESPMEM_PERSISTENT,
                 {{"Content-Type", type},
                  {"Content-Range", content_range},
                  {"ETag", etag},
                  {"Cache-Control", "no-cache"}});
  }
  return queue(connection, 200, std::string_view(asset->body.data(), asset->body.size()),
               MHD_RESPMEM_PERSISTENT,
               {{"Content-Type", type},
                {"Accept-Ranges", "bytes"},
                {"ETag", etag},
                {"Cache-Control", "no-cache"}});
}

// The listening socket is made here rather than by libmicrohttpd: SO_REUSEADDR only (quick
// restarts), never SO_REUSEPORT, so a second service on the same port fails to start instead of
// silently getting half the requests.
int listen_on(const std::string& host, unsigned port, std::string& error) {
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* found = nullptr;
  const std::string service = std::to_string(port);
  if (const int failed = ::getaddrinfo(host.c_str(), service.c_str(), &hints, &found)) {
    error = ::gai_strerror(failed);
    return -1;
  }
  int fd = -1;
  for (const addrinfo* a = found; a != nullptr && fd < 0; a = a->ai_next) {
    fd = ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) continue;
    const int yes = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    if (::bind(fd, a->ai_addr, a->ai_addrlen) != 0 || ::listen(fd, 128) != 0) {
      error = std::strerror(errno);
      ::close(fd);
      fd = -1;
    }
  }
  ::freeaddrinfo(found);
  return fd;
}

unsigned bound_port(int fd) {
  sockaddr_storage address{};
  socklen_t length = sizeof address;
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) return 0;
  if (address.ss_family == AF_INET6) {
    return ntohs(reinterpret_cast<const sockaddr_in6*>(&address)->sin6_port);
  }
  return ntohs(reinterpret_cast<const sockaddr_in*>(&address)->sin_port);
}

// The client's address as text ("192.0.2.7", "2001:db8::1"): what failed logins are counted by.
std::string client_address(MHD_Connection* connection) {
  const MHD_ConnectionInfo* info =
      MHD_get_connection_info(connection, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
  if (info == nullptr || info->client_addr == nullptr) return "unknown";
  const sockaddr* address = info->client_addr;
  const socklen_t length =
      address->sa_family == AF_INET6 ? sizeof(sockaddr_in6) : sizeof(sockaddr_in);
  char host[NI_MAXHOST] = "unknown";
  ::getnameinfo(address, length, host, sizeof host, nullptr, 0, NI_NUMERICHOST);
  return host;
}

std::optional<std::string> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string openssl_error() {
  const unsigned long code = ERR_get_error();
  ERR_clear_error();
  if (code == 0) return "no PEM data";
  char text[256];
  ERR_error_string_n(code, text, sizeof text);
  return text;
}

// The certificate (the first of the file; a chain may follow) and the key, checked with
// OpenSSL before libmicrohttpd (GnuTLS) gets them, so that a mistake has a plain message.
app::Outcome check_tls(const std::string& cert_file, const std::string& cert,
                       const std::string& key_file, const std::string& key, std::string& warning) {
  const auto bio = [](const std::string& text) {
    return std::unique_ptr<BIO, decltype(&BIO_free)>(
        BIO_new_mem_buf(text.data(), static_cast<int>(text.size())), &BIO_free);
  };
  ERR_clear_error();
  const auto cert_bio = bio(cert);
  std::unique_ptr<X509, decltype(&X509_free)> x509(
      PEM_read_bio_X509(cert_bio.get(), nullptr, nullptr, nullptr), &X509_free);
  if (!x509) {
    return app::Outcome::failure(
        "TLS certificate " + cert_file +
        " holds no PEM certificate (-----BEGIN CERTIFICATE-----): " + openssl_error());
  }
  const auto key_bio = bio(key);
  // An empty passphrase: an encrypted key fails here instead of prompting on the terminal.
  char no_passphrase[] = "";
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> pkey(
      PEM_read_bio_PrivateKey(key_bio.get(), nullptr, nullptr, no_passphrase), &EVP_PKEY_free);
  if (!pkey) {
    const bool encrypted = key.find("ENCRYPTED") != std::string::npos;
    return app::Outcome::failure(
        "TLS key " + key_file +
        (encrypted
             ? " is protected by a passphrase: store it without one (openssl pkey -in "
               "KEY -out PLAIN_KEY) and keep the file readable only by the service"
             : " holds no PEM private key (-----BEGIN PRIVATE KEY-----): " + openssl_error()));
  }
  if (X509_check_private_key(x509.get(), pkey.get()) != 1) {
    ERR_clear_error();
    return app::Outcome::failure("TLS key " + key_file + " does not belong to the certificate " +
                                 cert_file + " (they were not made together)");
  }
  if (X509_cmp_current_time(X509_get0_notAfter(x509.get())) < 0) {
    warning = "TLS certificate " + cert_file + " has expired: browsers will refuse it";
  }
  return app::Outcome::success();
}

}  // namespace

struct HttpServer::Impl {
  Impl(ApiSources s, HttpOptions o)
      : sources(with_version(std::move(s))),
        api(sources),
        options(std::move(o)),
        access(options.access) {}

  static ApiSources with_version(ApiSources s) {
    if (s.version.empty()) s.version = METER_VERSION;
    return s;
  }

  // What libmicrohttpd keeps for us per request, from its headers to its end.
  struct Request {
    std::optional<Response> api_answer;  // set by an API worker
  };

  // Answers at once, or suspends the connection and hands an /api request to the workers.
  MHD_Result answer(MHD_Connection* connection, Request& request, const std::string& path,
                    const std::string& method) {
    if (method != "GET" && method != "HEAD") {
      return queue(connection, 405, "only GET and HEAD\n", MHD_RESPMEM_PERSISTENT,
                   {{"Allow", "GET, HEAD"}, {"Content-Type", kTextType}});
    }
    const Verdict verdict = access.check(route_for(path), header_of(connection, "Authorization"),
                                         client_address(connection), AccessControl::Clock::now());
    if (verdict.status != 0) return refuse(connection, verdict);
    if (options.role == HttpRole::kLocalFeed) {  // live state only: answered at once
      return send(connection,
                  path == "/v1/json" ? api.local_feed() : Response{404, kTextType, "not found\n"});
    }
    if (path == "/metrics") {
      const std::int64_t now = sources.now_ms();
      return send(connection,
                  {200, kMetricsType,
                   metrics_text(sources.status(), sources.live->snapshot(now), sources.version)});
    }
    if (path == "/healthz") {
      const std::int64_t now = sources.now_ms();
      return send(connection, health_response(sources.status(), sources.live->snapshot(now)));
    }
    if (path.rfind("/api/", 0) == 0) {
      if (!workers.has_room()) {
        return queue(connection, 503, R"({"error":"busy, try again"})", MHD_RESPMEM_PERSISTENT,
                     {{"Content-Type", "application/json"},
                      {"Cache-Control", "no-store"},
                      {"Retry-After", "1"}});
      }
      Params params;
      MHD_get_connection_values(connection, MHD_GET_ARGUMENT_KIND, add_param, &params);
      MHD_suspend_connection(connection);  // before the worker can resume it
      workers.submit([this, connection, &request, path, params = std::move(params)] {
        try {
          request.api_answer = api.get(path, params);
        } catch (const std::exception&) {
          request.api_answer = Response{500, kTextType, "internal error\n"};
        }
        MHD_resume_connection(connection);  // libmicrohttpd calls on_request again
      });
      return MHD_YES;
    }
    return send_asset(connection, path);
  }

  // 400, 401 or 429 in JSON; the log line (once per burst of failures) names no secret.
  MHD_Result refuse(MHD_Connection* connection, const Verdict& verdict) {
    if (!verdict.log.empty()) spdlog::warn("http: {}", verdict.log);
    const std::string body = nlohmann::json{{"error", verdict.message}}.dump();
    if (verdict.status == 429) {
      return queue(connection, 429, body, MHD_RESPMEM_MUST_COPY,
                   {{"Content-Type", "application/json"},
                    {"Cache-Control", "no-store"},
                    {"Retry-After", std::to_string(verdict.retry_after_s)}});
    }
    if (verdict.status == 401) {
      return queue(connection, 401, body, MHD_RESPMEM_MUST_COPY,
                   {{"Content-Type", "application/json"},
                    {"Cache-Control", "no-store"},
                    {"WWW-Authenticate", access.challenge()}});
    }
    return queue(connection, static_cast<unsigned>(verdict.status), body, MHD_RESPMEM_MUST_COPY,
                 {{"Content-Type", "application/json"}, {"Cache-Control", "no-store"}});
  }

  // Called once the request line and headers are in: answered at once, whatever the method, so
  // a body that may follow is never waited for (libmicrohttpd then closes the connection).
  static MHD_Result on_request(void* self, MHD_Connection* connection, const char* url,
                               const char* method, const char*, const char*,
                               std::size_t* upload_size, void** state) {
    Impl& impl = *static_cast<Impl*>(self);
    try {
      if (*state == nullptr) {
        auto* request = new Request;
        *state = request;
        impl.deadlines.disarm(connection);
        return impl.answer(connection, *request, url, method);
      }
      auto& request = *static_cast<Request*>(*state);
      if (*upload_size != 0 || !request.api_answer) {  // body bytes nobody asked for: dropped
        *upload_size = 0;
        return MHD_YES;
      }
      const Response answer = std::move(*request.api_answer);
      request.api_answer.reset();
      return send(connection, answer);
    } catch (const std::exception&) {  // never through libmicrohttpd's C frames
      return send(connection, {500, kTextType, "internal error\n"});
    }
  }
  static void on_completed(void* self, MHD_Connection* connection, void** state,
                           MHD_RequestTerminationCode) {
    delete static_cast<Request*>(*state);
    *state = nullptr;
    static_cast<Impl*>(self)->deadlines.rearm(connection);
  }
  static void on_connection(void* self, MHD_Connection* connection, void**,
                            MHD_ConnectionNotificationCode code) {
    Impl& impl = *static_cast<Impl*>(self);
    if (code == MHD_CONNECTION_NOTIFY_STARTED) {
      impl.deadlines.opened(connection);
    } else {
      impl.deadlines.forget(connection);
    }
  }

  ApiSources sources;
  Api api;
  HttpOptions options;
  AccessControl access;
  std::string tls_cert;  // PEM, kept for the daemon's life
  std::string tls_key;
  HeaderDeadlines deadlines{kHeaderDeadline};
  ApiWorkers workers{kApiWorkers, kApiQueue};
  MHD_Daemon* daemon = nullptr;
};

HttpServer::HttpServer(ApiSources sources, HttpOptions options)
    : impl_(std::make_unique<Impl>(std::move(sources), std::move(options))) {}

bool HttpServer::tls() const { return !impl_->tls_cert.empty(); }

app::Outcome HttpServer::load_tls(std::string& warning) {
  const std::string& cert_file = impl_->options.tls_cert_file;
  const std::string& key_file = impl_->options.tls_key_file;
  if (cert_file.empty() && key_file.empty()) return app::Outcome::success();
  if (cert_file.empty() || key_file.empty()) {
    return app::Outcome::failure("HTTPS needs both a certificate and its key");
  }
  if (MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES) {
    return app::Outcome::failure("this libmicrohttpd was built without TLS: HTTPS is not possible");
  }
  const auto cert = read_file(cert_file);
  if (!cert) return app::Outcome::failure("cannot read the TLS certificate " + cert_file);
  const auto key = read_file(key_file);
  if (!key) return app::Outcome::failure("cannot read the TLS key " + key_file);
  if (auto checked = check_tls(cert_file, *cert, key_file, *key, warning); !checked) {
    return checked;
  }
  impl_->tls_cert = *cert;
  impl_->tls_key = *key;
  return app::Outcome::success();
}

HttpServer::~HttpServer() { stop(); }

app::Outcome HttpServer::start(const std::string& host, unsigned port) {
  const std::string where = host + ":" + std::to_string(port);
  std::string error;
  const int fd = listen_on(host, port, error);
  if (fd < 0) return app::Outcome::failure("cannot listen on " + where + ": " + error);
  port_ = bound_port(fd);
  Impl* impl = impl_.get();
  const bool tls = !impl->tls_cert.empty();
  // MHD_OPTION_HTTPS_MEM_* take effect only with MHD_USE_TLS; without it they stay unused.
  impl->daemon = MHD_start_daemon(
      static_cast<unsigned>(MHD_USE_EPOLL_INTERNAL_THREAD | MHD_ALLOW_SUSPEND_RESUME) |
          (tls ? static_cast<unsigned>(MHD_USE_TLS) : 0U),
      0, nullptr, nullptr, &Impl::on_request, impl, MHD_OPTION_LISTEN_SOCKET, fd,
      MHD_OPTION_THREAD_POOL_SIZE, kThreads, MHD_OPTION_CONNECTION_LIMIT, kConnectionLimit,
      MHD_OPTION_PER_IP_CONNECTION_LIMIT, kPerAddressLimit, MHD_OPTION_CONNECTION_TIMEOUT,
      static_cast<unsigned>(kIdleTimeout.count()), MHD_OPTION_CONNECTION_MEMORY_LIMIT,
      kRequestMemory, MHD_OPTION_NOTIFY_COMPLETED, &Impl::on_completed, impl,
      MHD_OPTION_NOTIFY_CONNECTION, &Impl::on_connection, impl,
      tls ? MHD_OPTION_HTTPS_MEM_CERT : MHD_OPTION_END, impl->tls_cert.c_str(),
      MHD_OPTION_HTTPS_MEM_KEY, impl->tls_key.c_str(), MHD_OPTION_END);
  if (impl->daemon == nullptr) {
    ::close(fd);
    return app::Outcome::failure("cannot serve on " + where + " (libmicrohttpd did not start" +
                                 (tls ? "; GnuTLS may have refused the certificate or key)" : ")"));
  }
  return app::Outcome::success();
}

void HttpServer::stop() {
  if (impl_->daemon == nullptr) return;
  impl_->workers.stop();           // resumes every suspended connection
  MHD_stop_daemon(impl_->daemon);  // closes the listening socket and every connection
  impl_->daemon = nullptr;
}

}  // namespace meter::http
