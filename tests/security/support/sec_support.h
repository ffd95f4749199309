// SPDX-License-Identifier: MIT
// What the security and reliability tests need beyond tests/integration/support: a throw-away
// certificate authority (made with the `openssl` command), a direct MariaDB login with or without
// TLS, an MQTT client that records every message on the broker ('#', retained ones included),
// the service's HTTP endpoints, and a search for a key's hex in any text.
#pragma once

#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "it_fixture.h"
#include "prometheus_text.h"

namespace mqtt {
class async_client;
}

namespace meter::it {

// A CA, a server certificate it signed for 127.0.0.1 and localhost (with its key), and a second
// CA that signed nothing of ours. PEM files in `dir`: ca.crt, server.crt, server.key, other-ca.crt.
struct TestPki {
  std::filesystem::path dir;
  std::filesystem::path ca;
  std::filesystem::path server_cert;
  std::filesystem::path server_key;
  std::filesystem::path other_ca;
};
// Throws std::runtime_error (with openssl's output) when a step fails.
TestPki make_test_pki(const std::filesystem::path& dir);

// Logs in to the test MariaDB on 127.0.0.1:port as `user`; with `tls`, TLS is required and the
// server certificate is verified against `ca`. The error text, or nullopt when the login worked.
std::optional<std::string> mariadb_login_error(unsigned port, const std::string& user,
                                               const std::string& password, bool tls,
                                               const std::string& ca = "");

// Runs `statements` as MariaDB's root (on the test server's socket; the test user may not grant
// privileges). Throws std::runtime_error naming the statement that failed.
void mariadb_as_root(const std::vector<std::string>& statements);

// Everything published on the broker from the moment of subscribing, topic by topic.
class TopicRecorder {
 public:
  TopicRecorder(unsigned port, std::string client_id);
  ~TopicRecorder();
  TopicRecorder(const TopicRecorder&) = delete;
  TopicRecorder& operator=(const TopicRecorder&) = delete;

  // Connects and subscribes to '#'; false when that fails within `timeout`.
  bool start(std::chrono::milliseconds timeout = std::chrono::seconds(10));
  std::vector<std::pair<std::string, std::string>> messages() const;
  std::size_t count_with_prefix(const std::string& prefix) const;

 private:
  unsigned port_;
  std::string client_id_;
  std::unique_ptr<mqtt::async_client> client_;
  mutable std::mutex mutex_;
  std::vector<std::pair<std::string, std::string>> received_;
};

struct HttpAnswer {
  int status = 0;
  std::string content_type;
  std::string body;
};

// GETs from the service's HTTP server on 127.0.0.1:port.
class HttpProbe {
 public:
  explicit HttpProbe(unsigned port) : port_(port) {}
  // nullopt when the request did not get an answer.
  std::optional<HttpAnswer> get(const std::string& path) const;
  // The JSON body of a 200 answer (an empty object and a test failure otherwise).
  nlohmann::json get_json(const std::string& path) const;
  test::PromText metrics() const;

 private:
  unsigned port_;
};

// The port in the service's "http: dashboard at http://127.0.0.1:PORT/" log line, once logged.
std::optional<unsigned> wait_http_port(ServiceProcess& service, std::chrono::milliseconds timeout);

// The first of `keys` (32 hex digits each), or either half of one, that `text` contains in any
// case; "" when none.
std::string find_secret(const std::string& text, const std::vector<std::string>& keys);
// The key's 16 bytes as they would sit in a binary file.
std::string key_bytes(const std::string& key_hex);

// `value` of the metric sample, or -1 when it is missing.
double metric_value(const test::PromText& metrics, const std::string& name,
                    const std::map<std::string, std::string>& labels = {});

}  // namespace meter::it
