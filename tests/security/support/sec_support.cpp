// SPDX-License-Identifier: MIT
#include "sec_support.h"

#include <httplib.h>
#include <mysql.h>

#include <mqtt/async_client.h>
#include <algorithm>
#include <cctype>
#include <cstdio>
#include <fstream>
#include <regex>
#include <stdexcept>
#include <thread>

namespace meter::it {
namespace {

namespace fs = std::filesystem;

// Extensions of the test CA and of the server certificate; the server certificate names the
// addresses the clients connect to, so host name verification holds.
constexpr const char* kOpensslConfig = R"([req]
distinguished_name = dn
prompt = no
[dn]
CN = smartmeter test
[ca_ext]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
[server_ext]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = IP:127.0.0.1,DNS:localhost
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
)";

std::string quoted(const fs::path& path) { return "'" + path.string() + "'"; }

void openssl(const fs::path& dir, const std::string& arguments) {
  const fs::path output = dir / "openssl.log";
  const std::string command = "openssl " + arguments + " >>" + quoted(output) + " 2>&1";
  if (std::system(command.c_str()) != 0) {
    throw std::runtime_error("`" + command + "` failed:\n" + read_text(output));
  }
}

std::string new_key(const fs::path& key) {
  return "-newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout " + quoted(key);
}

std::string upper(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return text;
}

}  // namespace

TestPki make_test_pki(const fs::path& dir) {
  fs::create_directories(dir);
  TestPki pki{dir, dir / "ca.crt", dir / "server.crt", dir / "server.key", dir / "other-ca.crt"};
  const fs::path config = dir / "openssl.cnf";
  write_text(config, kOpensslConfig);
  const std::string with_config = " -config " + quoted(config);
  openssl(dir, "req -x509 -days 2 -extensions ca_ext -subj '/CN=smartmeter test CA'" + with_config +
                   " " + new_key(dir / "ca.key") + " -out " + quoted(pki.ca));
  openssl(dir, "req -new -subj '/CN=127.0.0.1'" + with_config + " " + new_key(pki.server_key) +
                   " -out " + quoted(dir / "server.csr"));
  openssl(dir, "x509 -req -days 2 -in " + quoted(dir / "server.csr") + " -CA " + quoted(pki.ca) +
                   " -CAkey " + quoted(dir / "ca.key") + " -CAcreateserial -extfile " +
                   quoted(config) + " -extensions server_ext -out " + quoted(pki.server_cert));
  openssl(dir, "req -x509 -days 2 -extensions ca_ext -subj '/CN=another test CA'" + with_config +
                   " " + new_key(dir / "other-ca.key") + " -out " + quoted(pki.other_ca));
  openssl(dir, "verify -CAfile " + quoted(pki.ca) + " " + quoted(pki.server_cert));
  return pki;
}

std::optional<std::string> mariadb_login_error(unsigned port, const std::string& user,
                                               const std::string& password, bool tls,
                                               const std::string& ca) {
  MYSQL* connection = mysql_init(nullptr);
  if (connection == nullptr) return "mysql_init failed";
  const unsigned timeout_s = 5;
  const my_bool yes = 1;
  mysql_options(connection, MYSQL_OPT_CONNECT_TIMEOUT, &timeout_s);
  if (tls) {
    mysql_options(connection, MYSQL_OPT_SSL_ENFORCE, &yes);
    mysql_options(connection, MYSQL_OPT_SSL_VERIFY_SERVER_CERT, &yes);
    if (!ca.empty()) mysql_options(connection, MYSQL_OPT_SSL_CA, ca.c_str());
  }
  std::optional<std::string> error;
  if (mysql_real_connect(connection, "127.0.0.1", user.c_str(), password.c_str(), nullptr, port,
                         nullptr, 0) == nullptr) {
    error = mysql_error(connection);
  }
  mysql_close(connection);
  return error;
}

void mariadb_as_root(const std::vector<std::string>& statements) {
  const std::string socket = (Servers::get().server_dir("mariadb") / "mysqld.sock").string();
  MYSQL* connection = mysql_init(nullptr);
  if (connection == nullptr) throw std::runtime_error("mysql_init failed");
  if (mysql_real_connect(connection, "localhost", "root", "", nullptr, 0, socket.c_str(), 0) ==
      nullptr) {
    const std::string error = mysql_error(connection);
    mysql_close(connection);
    throw std::runtime_error("root login on " + socket + ": " + error);
  }
  for (const auto& sql : statements) {
    if (mysql_query(connection, sql.c_str()) != 0) {
      const std::string error = mysql_error(connection);
      mysql_close(connection);
      throw std::runtime_error(sql + ": " + error);
    }
  }
  mysql_close(connection);
}

TopicRecorder::TopicRecorder(unsigned port, std::string client_id)
    : port_(port), client_id_(std::move(client_id)) {}

TopicRecorder::~TopicRecorder() {
  if (client_ && client_->is_connected()) {
    try {
      client_->disconnect()->wait_for(std::chrono::seconds(2));
    } catch (const mqtt::exception&) {
    }
  }
}

bool TopicRecorder::start(std::chrono::milliseconds timeout) {
  client_ =
      std::make_unique<mqtt::async_client>("tcp://127.0.0.1:" + std::to_string(port_), client_id_,
                                           mqtt::create_options(MQTTVERSION_3_1_1));
  client_->set_message_callback([this](const mqtt::const_message_ptr& message) {
    std::lock_guard lock(mutex_);
    received_.emplace_back(message->get_topic(), message->get_payload_str());
  });
  try {
    const auto options = mqtt::connect_options_builder().clean_session(true).finalize();
    if (!client_->connect(options)->wait_for(timeout)) return false;
    return client_->subscribe("#", 1)->wait_for(timeout);
  } catch (const mqtt::exception&) {
    return false;
  }
}

std::vector<std::pair<std::string, std::string>> TopicRecorder::messages() const {
  std::lock_guard lock(mutex_);
  return received_;
}

std::size_t TopicRecorder::count_with_prefix(const std::string& prefix) const {
  std::lock_guard lock(mutex_);
  return static_cast<std::size_t>(
      std::count_if(received_.begin(), received_.end(),
                    [&](const auto& message) { return message.first.rfind(prefix, 0) == 0; }));
}

std::optional<HttpAnswer> HttpProbe::get(const std::string& path) const {
  httplib::Client client("127.0.0.1", static_cast<int>(port_));
  client.set_read_timeout(10, 0);
  auto result = client.Get(path);
  if (!result) return std::nullopt;
  return HttpAnswer{result->status, result->get_header_value("Content-Type"), result->body};
}

nlohmann::json HttpProbe::get_json(const std::string& path) const {
  const auto answer = get(path);
  if (!answer || answer->status != 200) {
    ADD_FAILURE() << "GET " << path << ": "
                  << (answer ? std::to_string(answer->status) + " " + answer->body : "no answer");
    return nlohmann::json::object();
  }
  return nlohmann::json::parse(answer->body);
}

test::PromText HttpProbe::metrics() const {
  const auto answer = get("/metrics");
  if (!answer || answer->status != 200) {
    ADD_FAILURE() << "GET /metrics failed";
    return {};
  }
  test::PromText text = test::parse_prometheus_text(answer->body);
  for (const auto& error : text.errors) ADD_FAILURE() << "/metrics: " << error;
  return text;
}

std::optional<unsigned> wait_http_port(ServiceProcess& service, std::chrono::milliseconds timeout) {
  if (!service.wait_for_log("http: dashboard at http://127.0.0.1:", timeout)) return std::nullopt;
  std::smatch match;
  const std::string log = service.log();
  if (!std::regex_search(log, match, std::regex(R"(http://127\.0\.0\.1:(\d+)/)"))) {
    return std::nullopt;
  }
  return static_cast<unsigned>(std::stoul(match[1].str()));
}

std::string find_secret(const std::string& text, const std::vector<std::string>& keys) {
  const std::string folded = upper(text);
  for (const auto& key : keys) {
    for (const std::string& part : {key, key.substr(0, 16), key.substr(16)}) {
      if (folded.find(upper(part)) != std::string::npos) return part;
    }
  }
  return "";
}

std::string key_bytes(const std::string& key_hex) {
  std::string bytes;
  for (std::size_t i = 0; i + 1 < key_hex.size(); i += 2) {
    bytes += static_cast<char>(std::stoi(key_hex.substr(i, 2), nullptr, 16));
  }
  return bytes;
}

double metric_value(const test::PromText& metrics, const std::string& name,
                    const std::map<std::string, std::string>& labels) {
  const test::PromSample* sample = metrics.find(name, labels);
  return sample == nullptr ? -1.0 : sample->value;
}

}  // namespace meter::it
