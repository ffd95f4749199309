// SPDX-License-Identifier: MIT
// Access to the dashboard and API against the real `smartmeter run` over HTTPS (a throw-away CA
// made with the openssl command; the client verifies the server against it): every route of
// meter/http/routes.h without, with wrong and with right credentials (password and token), each
// from a loopback address of its own (127.0.0.N) so that the per-address limit of failed logins
// does not mix the cases; malformed Authorization headers and huge headers; the limit itself;
// that no refusal says anything about the readings; the security headers; and the refusal to
// start on a non-loopback address without credentials, and with a certificate and key that do
// not belong together.
#include <arpa/inet.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <regex>
#include <string>
#include <vector>

#include "meter/http/routes.h"
#include "meter/http/web_assets.h"
#include "sec_support.h"

namespace meter::it {
namespace {

using std::chrono::seconds;

constexpr const char* kUser = "smartmeter";
constexpr const char* kPassword = "correct horse battery staple";

std::string base64(const std::string& text) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  unsigned value = 0;
  int bits = -6;
  for (const char c : text) {
    value = (value << 8) + static_cast<unsigned char>(c);
    bits += 8;
    while (bits >= 0) {
      out.push_back(kAlphabet[(value >> static_cast<unsigned>(bits)) & 0x3F]);
      bits -= 6;
    }
  }
  if (bits > -6) {
    out.push_back(kAlphabet[((value << 8) >> static_cast<unsigned>(bits + 8)) & 0x3F]);
  }
  while (out.size() % 4 != 0) out.push_back('=');
  return out;
}

std::string basic(const std::string& user, const std::string& password) {
  return "Basic " + base64(user + ":" + password);
}

struct Answer {
  int status = 0;  // 0: no answer
  httplib::Headers headers;
  std::string body;
};

class HttpAuthTest : public ServiceTest {
 protected:
  void SetUp() override {
    ServiceTest::SetUp();
    pki_ = make_test_pki(dir_ / "pki");
    meter_.first_time = std::chrono::duration_cast<std::chrono::seconds>(
                            std::chrono::system_clock::now().time_since_epoch())
                            .count() -
                        60;
    env_["SMARTMETER_HTTP_LISTEN"] = "127.0.0.1:0";
  }

  // The line `smartmeter passwd` prints for kPassword, and a token with its line.
  void add_credentials() {
    const CommandResult hashed = run_smartmeter({"passwd"}, dir_, std::string(kPassword) + "\n");
    ASSERT_EQ(hashed.status, 0) << hashed.err;
    std::smatch match;
    ASSERT_TRUE(std::regex_search(hashed.out, match,
                                  std::regex(R"(SMARTMETER_HTTP_PASSWORD_HASH='([^']+)')")))
        << hashed.out;
    env_["SMARTMETER_HTTP_PASSWORD_HASH"] = "'" + match[1].str() + "'";
    EXPECT_EQ(hashed.out.find(kPassword), std::string::npos) << "the password was printed";
    const CommandResult token = run_smartmeter({"passwd", "--token"}, dir_);
    ASSERT_EQ(token.status, 0) << token.err;
    ASSERT_TRUE(std::regex_search(token.out, match,
                                  std::regex(R"(SMARTMETER_HTTP_TOKEN_SHA256=([0-9a-f]{64}))")))
        << token.out;
    env_["SMARTMETER_HTTP_TOKEN_SHA256"] = match[1].str();
    ASSERT_TRUE(std::regex_search(token.err, match, std::regex(R"(\n([A-Za-z0-9_-]{43})\n)")))
        << token.err;
    token_ = match[1].str();
    EXPECT_EQ(token.out.find(token_), std::string::npos) << "the token went to the env line";
  }

  void start_https() {
    add_credentials();
    env_["SMARTMETER_HTTP_TLS_CERT"] = pki_.server_cert.string();
    env_["SMARTMETER_HTTP_TLS_KEY"] = pki_.server_key.string();
    ASSERT_TRUE(start_service());
    ASSERT_TRUE(service().wait_for_log("http: dashboard at https://127.0.0.1:", seconds(10)));
    std::smatch match;
    const std::string log = service().log();
    ASSERT_TRUE(std::regex_search(log, match, std::regex(R"(https://127\.0\.0\.1:(\d+)/)")));
    port_ = std::stoi(match[1].str());
    // A reading, so that there is something that must not leak.
    publish(meter_.telegrams(0, 3));
    ASSERT_TRUE(wait_rows(3, seconds(10)));
  }

  // GET over HTTPS from 127.0.0.`from` (a client address of its own), the server verified
  // against the test CA.
  Answer get(const std::string& path, const std::string& authorization, int from,
             const httplib::Headers& extra = {}) {
    httplib::SSLClient client("127.0.0.1", port_);
    client.set_ca_cert_path(pki_.ca.string().c_str());
    client.enable_server_certificate_verification(true);
    client.set_read_timeout(10, 0);
    client.set_socket_options([from](int socket) {
      sockaddr_in address{};
      address.sin_family = AF_INET;
      address.sin_addr.s_addr = htonl(0x7F000000U + static_cast<unsigned>(from));
      ::bind(socket, reinterpret_cast<const sockaddr*>(&address), sizeof address);
    });
    httplib::Headers headers = extra;
    if (!authorization.empty()) headers.emplace("Authorization", authorization);
    auto result = client.Get(path, headers);
    if (!result) return {};
    return {result->status, result->headers, result->body};
  }

  // A refusal: short JSON naming no meter and no value.
  void expect_says_nothing(const Answer& answer, const std::string& what) {
    EXPECT_EQ(answer.body.find(meter_.system_title()), std::string::npos) << what;
    for (const char* word : {"reading", "energy", "power", "voltage", "meter_number"}) {
      EXPECT_EQ(answer.body.find(word), std::string::npos) << what << ": " << answer.body;
    }
    EXPECT_LT(answer.body.size(), 200U) << what;
  }

  // Concrete paths for every route: {id} is the meter, {file} every dashboard file and more.
  std::vector<std::string> every_path() {
    std::vector<std::string> paths;
    for (const http::Route& route : http::routes()) {
      std::string pattern(route.pattern);
      if (const auto at = pattern.find("{id}"); at != std::string::npos) {
        pattern.replace(at, 4, meter_.system_title());
      }
      if (const auto at = pattern.find("{file}"); at != std::string::npos) {
        const std::string prefix = pattern.substr(0, at);
        if (prefix == "/") {
          for (const http::WebAsset& asset : http::web_assets()) paths.emplace_back(asset.path);
          paths.emplace_back("/");
        }
        paths.push_back(prefix + "no-such-thing");
        continue;
      }
      paths.push_back(pattern);
    }
    return paths;
  }

  TestPki pki_;
  TestMeter meter_;
  std::string token_;
  int port_ = 0;
};

TEST_F(HttpAuthTest, EveryRouteWithoutWrongAndRightCredentials) {
  ASSERT_NO_FATAL_FAILURE(start_https());
  int from = 10;
  for (const std::string& path : every_path()) {
    const http::Route& route = http::route_for(path);
    SCOPED_TRACE(path + " (" + std::string(route.pattern) + ")");
    ++from;
    const Answer none = get(path, "", from);
    const Answer wrong_password = get(path, basic(kUser, "not the password"), from);
    const Answer wrong_user = get(path, basic("admin", kPassword), from);
    const Answer wrong_token = get(path, "Bearer " + std::string(43, 'A'), from);
    const Answer right_password = get(path, basic(kUser, kPassword), from);
    const Answer right_token = get(path, "Bearer " + token_, from);
    for (const Answer* answer :
         {&none, &wrong_password, &wrong_user, &wrong_token, &right_password, &right_token}) {
      ASSERT_NE(answer->status, 0) << "no answer";
      // On every answer, refused or not.
      EXPECT_NE(answer->headers.find("Content-Security-Policy"), answer->headers.end());
      EXPECT_EQ(httplib::detail::get_header_value(answer->headers, "X-Frame-Options", 0, ""),
                std::string("DENY"));
      EXPECT_EQ(httplib::detail::get_header_value(answer->headers, "X-Content-Type-Options", 0, ""),
                std::string("nosniff"));
      EXPECT_NE(answer->headers.find("Referrer-Policy"), answer->headers.end());
    }
    EXPECT_NE(right_password.status, 401);
    EXPECT_NE(right_password.status, 429);
    EXPECT_EQ(right_token.status, right_password.status) << right_token.body;
    if (route.access == http::Access::kPublic) {
      for (const Answer* answer : {&none, &wrong_password, &wrong_token}) {
        EXPECT_EQ(answer->status, right_password.status);
        expect_says_nothing(*answer, "the public answer");
      }
      continue;
    }
    for (const Answer* answer : {&none, &wrong_password, &wrong_user, &wrong_token}) {
      EXPECT_EQ(answer->status, 401) << answer->body;
      expect_says_nothing(*answer, "a 401");
    }
    const std::string challenge =
        httplib::detail::get_header_value(none.headers, "WWW-Authenticate", 0, "");
    EXPECT_NE(challenge.find("Basic realm="), std::string::npos) << challenge;
    EXPECT_NE(challenge.find("Bearer"), std::string::npos) << challenge;
  }
  // The reading is there for the right credentials (so the checks above could have seen it).
  const Answer latest =
      get("/api/meters/" + meter_.system_title() + "/latest", "Bearer " + token_, 250);
  EXPECT_EQ(latest.status, 200);
  EXPECT_NE(latest.body.find("energy"), std::string::npos) << latest.body;
  // The log names the failures, never what was tried.
  const std::string log = service().log();
  EXPECT_NE(log.find("failed login from 127.0.0.12"), std::string::npos);  // 11: /healthz
  EXPECT_EQ(log.find("not the password"), std::string::npos);
  EXPECT_EQ(log.find(std::string(43, 'A')), std::string::npos);
  EXPECT_EQ(log.find(base64(std::string(kUser) + ":not the password")), std::string::npos);
}

TEST_F(HttpAuthTest, MalformedAndHugeHeadersGetA4xxAndNothingElse) {
  ASSERT_NO_FATAL_FAILURE(start_https());
  const std::string path = "/api/meters/" + meter_.system_title() + "/latest";
  int from = 100;
  for (const std::string& header :
       {std::string("Basic"), std::string("Basic !!!not-base64!!!"), "Basic " + base64("no-colon"),
        std::string("Bearer"), std::string("Bearer "), std::string("Digest username=\"x\""),
        std::string("Basic ") + std::string(3000, 'Q'), std::string(5000, 'x'),
        "basic " + base64(std::string(kUser) + ":wrong"), std::string("\x01\x02 \x03")}) {
    SCOPED_TRACE(header.substr(0, 40));
    const Answer answer = get(path, header, ++from);
    EXPECT_GE(answer.status, 400);
    EXPECT_LT(answer.status, 500);
    expect_says_nothing(answer, "a refusal");
  }
  // A header larger than the request may be: refused at once, the service stays up.
  const Answer huge = get(path, "Bearer " + std::string(64 * 1024, 'z'), ++from);
  if (huge.status != 0) {
    EXPECT_GE(huge.status, 400);
    EXPECT_LT(huge.status, 500);
    expect_says_nothing(huge, "the huge header");
  }
  const Answer cookie = get(path, "", ++from, {{"Cookie", "session=forged; smartmeter=1"}});
  EXPECT_EQ(cookie.status, 401) << "a cookie is no login";
  EXPECT_EQ(get(path, basic(kUser, kPassword), ++from).status, 200);
  EXPECT_TRUE(service().running());
}

TEST_F(HttpAuthTest, FailedLoginsAreLimitedPerAddressAndLoggedOnce) {
  ASSERT_NO_FATAL_FAILURE(start_https());
  const std::string path = "/api/status";
  // Until the first 429 (the time the attempts take refills the allowance a little, so the
  // exact count of 401s before it is not fixed: at least the burst).
  int refused = 0;
  Answer limited;
  for (int i = 0; i < 40 && limited.status == 0; ++i) {
    const Answer answer = get(path, basic(kUser, "guess number " + std::to_string(i)), 200);
    if (answer.status == 401) ++refused;
    if (answer.status == 429) limited = answer;
    ASSERT_TRUE(answer.status == 401 || answer.status == 429) << answer.status;
  }
  EXPECT_GE(refused, static_cast<int>(10)) << "the burst of failures allowed";
  ASSERT_EQ(limited.status, 429);
  EXPECT_NE(limited.headers.find("Retry-After"), limited.headers.end());
  expect_says_nothing(limited, "a 429");
  // Another address is not limited.
  EXPECT_EQ(get(path, basic(kUser, kPassword), 201).status, 200);
  const std::string log = service().log();
  const auto count = [&](const std::string& text) {
    std::size_t n = 0;
    for (auto at = log.find(text); at != std::string::npos; at = log.find(text, at + 1)) ++n;
    return n;
  };
  EXPECT_EQ(count("failed login from 127.0.0.200"), 1U) << log;
  EXPECT_EQ(count("failed logins from 127.0.0.200"), 1U) << log;
  EXPECT_EQ(log.find("guess number"), std::string::npos) << "an attempted password was logged";
}

TEST_F(HttpAuthTest, PlainHttpToTheHttpsPortGetsNoReadings) {
  ASSERT_NO_FATAL_FAILURE(start_https());
  httplib::Client plain("127.0.0.1", port_);
  plain.set_read_timeout(5, 0);
  auto result = plain.Get("/api/meters", {{"Authorization", basic(kUser, kPassword)}});
  if (result) {
    EXPECT_EQ(result->body.find(meter_.system_title()), std::string::npos);
  }
  // A client that trusts another CA refuses the server.
  httplib::SSLClient other("127.0.0.1", port_);
  other.set_ca_cert_path(pki_.other_ca.string().c_str());
  other.enable_server_certificate_verification(true);
  EXPECT_FALSE(other.Get("/healthz"));
}

TEST_F(HttpAuthTest, NonLoopbackWithoutCredentialsRefusesToStart) {
  env_["SMARTMETER_HTTP_LISTEN"] = "0.0.0.0:0";
  write_env();
  service().start();
  EXPECT_EQ(service().wait_exit(seconds(10)), 2);
  const std::string log = service().log();
  EXPECT_NE(log.find("SMARTMETER_HTTP_LISTEN"), std::string::npos) << log;
  EXPECT_NE(log.find("smartmeter passwd"), std::string::npos) << log;
  EXPECT_NE(log.find("SMARTMETER_HTTP_ALLOW_UNAUTHENTICATED=1"), std::string::npos) << log;
}

TEST_F(HttpAuthTest, NonLoopbackStartsWithAPasswordOrTheExplicitOptOut) {
  env_["SMARTMETER_HTTP_LISTEN"] = "0.0.0.0:0";
  env_["SMARTMETER_HTTP_ALLOW_UNAUTHENTICATED"] = "1";
  ASSERT_TRUE(start_service());
  EXPECT_TRUE(service().wait_for_log("http: dashboard at http://0.0.0.0:", seconds(10)));
  ASSERT_EQ(stop_service(), 0);
  env_.erase("SMARTMETER_HTTP_ALLOW_UNAUTHENTICATED");
  ASSERT_NO_FATAL_FAILURE(add_credentials());
  ASSERT_TRUE(start_service());
  EXPECT_TRUE(service().wait_for_log("http: dashboard at http://0.0.0.0:", seconds(10)));
  // Plain HTTP with a password on the network: said at start.
  EXPECT_NE(service().log().find("SMARTMETER_HTTP_TLS_CERT"), std::string::npos);
}

TEST_F(HttpAuthTest, UnusableCertificateOrKeyStopsTheStart) {
  ASSERT_NO_FATAL_FAILURE(add_credentials());
  // The other CA's key is not the server certificate's.
  std::filesystem::path other_key = pki_.dir / "other-ca.key";
  ASSERT_TRUE(std::filesystem::exists(other_key)) << "make_test_pki keeps other-ca.key";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {pki_.server_cert.string(), other_key.string()},               // not the certificate's key
      {pki_.server_key.string(), pki_.server_key.string()},          // a key as the certificate
      {pki_.server_cert.string(), (dir_ / "missing.key").string()},  // no such file
  };
  for (const auto& [cert, key] : cases) {
    SCOPED_TRACE(cert + " + " + key);
    env_["SMARTMETER_HTTP_TLS_CERT"] = cert;
    env_["SMARTMETER_HTTP_TLS_KEY"] = key;
    std::filesystem::remove(dir_ / "service.log");
    service_ = std::make_unique<ServiceProcess>(dir_, env_file_, dir_ / "service.log");
    write_env();
    service().start();
    EXPECT_EQ(service().wait_exit(seconds(15)), 2);
    const std::string log = service().log();
    EXPECT_NE(log.find("SMARTMETER_HTTP_TLS_"), std::string::npos) << log;
    EXPECT_EQ(log.find("dashboard at"), std::string::npos) << log;
  }
}

}  // namespace
}  // namespace meter::it
