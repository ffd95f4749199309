// SPDX-License-Identifier: MIT
// The route table and AccessControl without a socket: which paths are public, Basic and Bearer
// credentials right, wrong and malformed, the per-address limit of failed logins on a clock the
// test moves, and the log line once per burst.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "meter/http/access.h"
#include "meter/http/routes.h"

namespace meter::http {
namespace {

using Clock = AccessControl::Clock;
using std::chrono::seconds;

// "smartmeter:correct horse battery staple", "smartmeter:wrong", "admin:correct horse..."
constexpr const char* kRight = "Basic c21hcnRtZXRlcjpjb3JyZWN0IGhvcnNlIGJhdHRlcnkgc3RhcGxl";
constexpr const char* kWrong = "Basic c21hcnRtZXRlcjp3cm9uZw==";
constexpr const char* kWrongUser = "Basic YWRtaW46Y29ycmVjdCBob3JzZSBiYXR0ZXJ5IHN0YXBsZQ==";

class AccessTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    hash_ = new std::string(hash_password("correct horse battery staple"));
    token_ = new std::string(new_token());
  }
  static void TearDownTestSuite() {
    delete hash_;
    delete token_;
  }
  AccessSettings settings() const {
    AccessSettings s;
    s.password_hash = *hash_;
    s.token_sha256 = token_sha256(*token_);
    return s;
  }
  static std::string* hash_;
  static std::string* token_;
  Clock::time_point t0_ = Clock::now();
};
std::string* AccessTest::hash_ = nullptr;
std::string* AccessTest::token_ = nullptr;

TEST(Routes, OnlyHealthzIsPublicAndUnknownPathsAreProtected) {
  for (const Route& route : routes()) {
    EXPECT_EQ(route.access == Access::kPublic, route.pattern == "/healthz") << route.pattern;
  }
  EXPECT_EQ(route_for("/healthz").access, Access::kPublic);
  EXPECT_EQ(route_for("/healthz/").pattern, "/healthz");
  EXPECT_EQ(route_for("/healthzz").access, Access::kProtected);
  EXPECT_EQ(route_for("/metrics").pattern, "/metrics");
  EXPECT_EQ(route_for("/api/meters/4B464D6750012345/power").pattern, "/api/meters/{id}/power");
  EXPECT_EQ(route_for("/api/meters/x").pattern, "/api/meters/{id}");
  EXPECT_EQ(route_for("/api/meters/x/y/z").pattern, "/api/{file}");
  EXPECT_EQ(route_for("/api/new-endpoint").access, Access::kProtected);
  EXPECT_EQ(route_for("/").pattern, "/{file}");
  EXPECT_EQ(route_for("/app.js").pattern, "/{file}");
  EXPECT_EQ(route_for("/../healthz").access, Access::kProtected);
  EXPECT_EQ(routes().back().pattern, "/{file}") << "the catch-all must stay last";
}

TEST(Routes, MatchesSegmentByTemplate) {
  EXPECT_TRUE(matches("/api/meters/{id}/daily", "/api/meters/abc/daily"));
  EXPECT_FALSE(matches("/api/meters/{id}/daily", "/api/meters//daily"));
  EXPECT_FALSE(matches("/api/meters/{id}/daily", "/api/meters/abc/daily/more"));
  EXPECT_FALSE(matches("/api/meters", "/api/meter"));
  EXPECT_TRUE(matches("/{file}", "/vendor/uplot/uPlot.min.css"));
  EXPECT_FALSE(matches("/metrics", "metrics"));
}

TEST_F(AccessTest, WithoutCredentialsConfiguredEverythingIsOpen) {
  AccessControl open{AccessSettings{}};
  EXPECT_FALSE(open.enabled());
  for (const Route& route : routes()) {
    EXPECT_EQ(open.check(route, "", "192.0.2.1", t0_).status, 0) << route.pattern;
  }
}

TEST_F(AccessTest, EveryProtectedRouteNeedsThePasswordOrTheToken) {
  AccessControl access(settings());
  int client = 0;
  for (const Route& route : routes()) {
    const std::string from = "192.0.2." + std::to_string(++client);
    const bool open = route.access == Access::kPublic;
    SCOPED_TRACE(std::string(route.pattern));
    EXPECT_EQ(access.check(route, "", from, t0_).status, open ? 0 : 401);
    EXPECT_EQ(access.check(route, kWrong, from, t0_).status, open ? 0 : 401);
    EXPECT_EQ(access.check(route, kWrongUser, from, t0_).status, open ? 0 : 401);
    EXPECT_EQ(access.check(route, "Bearer nope", from, t0_).status, open ? 0 : 401);
    EXPECT_EQ(access.check(route, kRight, from, t0_).status, 0);
    EXPECT_EQ(access.check(route, "Bearer " + *token_, from, t0_).status, 0);
    EXPECT_EQ(access.check(route, "bearer  " + *token_ + " ", from, t0_).status, 0)
        << "the scheme in any case, spaces around";
  }
  EXPECT_EQ(access.challenge(),
            R"(Basic realm="smartmeter", charset="UTF-8", Bearer realm="smartmeter")");
}

TEST_F(AccessTest, OptInRoutesOpenOnlyWhenOptedIn) {
  const Route feed{"/feed", Access::kPublicIfOptedIn, "a device's feed"};
  AccessSettings s = settings();
  EXPECT_EQ(AccessControl(s).check(feed, "", "192.0.2.1", t0_).status, 401);
  s.open_opt_in_routes = true;
  EXPECT_EQ(AccessControl(s).check(feed, "", "192.0.2.1", t0_).status, 0);
  EXPECT_EQ(AccessControl(s).check(route_for("/metrics"), "", "192.0.2.1", t0_).status, 401);
}

TEST_F(AccessTest, MalformedAuthorizationIs400AndNamesNoSecret) {
  AccessControl access(settings());
  const Route& status = route_for("/api/status");
  int client = 0;
  for (const std::string& header : std::vector<std::string>{
           "Basic", "Basic ", "Basic !!!", "Basic bm8tY29sb24=", "Bearer", "Digest x=1",
           "Token abc", std::string("Basic ") + std::string(2000, 'Q'), std::string(3000, 'x')}) {
    const Verdict verdict =
        access.check(status, header, "198.51.100." + std::to_string(++client), t0_);
    EXPECT_EQ(verdict.status, 400) << header.substr(0, 30) << ": " << verdict.message;
    if (header.size() > 20) {
      EXPECT_EQ(verdict.log.find(header), std::string::npos);
    }
  }
}

TEST_F(AccessTest, OnlyAPasswordOrOnlyATokenAsksForThatOne) {
  AccessSettings only_token = settings();
  only_token.password_hash.clear();
  AccessControl token(only_token);
  EXPECT_EQ(token.challenge(), R"(Bearer realm="smartmeter")");
  EXPECT_EQ(token.check(route_for("/"), kRight, "192.0.2.1", t0_).status, 401);
  AccessSettings only_password = settings();
  only_password.token_sha256.clear();
  AccessControl password(only_password);
  EXPECT_EQ(password.check(route_for("/"), "Bearer " + *token_, "192.0.2.1", t0_).status, 401);
  EXPECT_EQ(password.check(route_for("/"), kRight, "192.0.2.1", t0_).status, 0);
}

TEST_F(AccessTest, FailuresAreLimitedPerAddressAndLoggedOncePerBurst) {
  AccessControl access(settings());
  const Route& route = route_for("/api/meters");
  const std::string attacker = "203.0.113.9";
  std::vector<std::string> logs;
  for (int i = 0; i < static_cast<int>(AccessControl::kFailureBurst); ++i) {
    const Verdict v = access.check(route, "Bearer guess" + std::to_string(i), attacker, t0_);
    EXPECT_EQ(v.status, 401);
    if (!v.log.empty()) logs.push_back(v.log);
  }
  ASSERT_EQ(logs.size(), 2U) << "the first failure and reaching the limit";
  EXPECT_NE(logs[0].find("failed login from 203.0.113.9"), std::string::npos) << logs[0];
  EXPECT_NE(logs[1].find("10 failed logins from 203.0.113.9"), std::string::npos) << logs[1];
  for (const auto& line : logs) EXPECT_EQ(line.find("guess"), std::string::npos) << line;

  const Verdict limited = access.check(route, "Bearer " + *token_, attacker, t0_);
  EXPECT_EQ(limited.status, 429) << "even the right token waits";
  EXPECT_GT(limited.retry_after_s, 0);
  EXPECT_TRUE(limited.log.empty()) << "logged once, not per refusal";
  EXPECT_EQ(access.check(route, "Bearer " + *token_, "203.0.113.10", t0_).status, 0)
      << "another address is not limited";
  // One more attempt per kFailureRefill.
  const auto later = t0_ + AccessControl::kFailureRefill;
  EXPECT_EQ(access.check(route, "Bearer " + *token_, attacker, later).status, 0);
  EXPECT_EQ(access.check(route, "Bearer wrong", attacker, later).status, 401);
  EXPECT_EQ(access.check(route, "Bearer wrong", attacker, later).status, 429);
  // Fully refilled: a new burst, logged again.
  const auto much_later = later + AccessControl::kFailureRefill * 20;
  const Verdict again = access.check(route, "Bearer wrong", attacker, much_later);
  EXPECT_EQ(again.status, 401);
  EXPECT_NE(again.log.find("failed login"), std::string::npos);
}

TEST_F(AccessTest, AVerifiedPasswordIsRememberedForAWhileOnly) {
  AccessControl access(settings());
  const Route& route = route_for("/");
  EXPECT_EQ(access.check(route, kRight, "192.0.2.1", t0_).status, 0);
  EXPECT_EQ(access.check(route, kRight, "192.0.2.1", t0_ + seconds(1)).status, 0);
  EXPECT_EQ(access.check(route, kRight, "192.0.2.1", t0_ + AccessControl::kRemember * 2).status, 0)
      << "checked again against the hash";
  EXPECT_EQ(access.check(route, kWrong, "192.0.2.1", t0_).status, 401);
}

TEST(Credentials, HashAndTokenHaveTheirFormats) {
  const std::string hash = hash_password("some password");
  EXPECT_EQ(hash.rfind("$argon2id$", 0), 0U) << hash;
  EXPECT_NE(hash, hash_password("some password")) << "salted";
  const std::string token = new_token();
  EXPECT_EQ(token.size(), 43U);
  EXPECT_NE(token, new_token());
  // printf %s abc | sha256sum
  EXPECT_EQ(token_sha256("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

}  // namespace
}  // namespace meter::http
