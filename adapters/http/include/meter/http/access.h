// SPDX-License-Identifier: MIT
// Who may ask for what (routes.h says which routes need credentials): HTTP Basic with a
// password kept only as an argon2id hash (libsodium's crypto_pwhash_str), and an API token for
// scripts and Prometheus (Authorization: Bearer), kept only as its SHA-256. Failed attempts are
// limited per client address; the attempted secrets are never logged or kept.
//
// Contract of check(): the Authorization header as received (empty: none), the client's
// address as text, the time. Thread-safe (libmicrohttpd calls it from several threads).
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <map>
#include <mutex>
#include <string>
#include <string_view>

#include "meter/http/routes.h"

namespace meter::http {

struct AccessSettings {
  std::string user = "smartmeter";
  std::string password_hash;        // "$argon2id$..." from `smartmeter passwd`; empty: no password
  std::string token_sha256;         // 64 hex digits; empty: no token
  bool open_opt_in_routes = false;  // Access::kPublicIfOptedIn routes need no credentials
};

struct Verdict {
  int status = 0;          // 0: allowed; else 400 (malformed), 401 (missing/wrong), 429
  std::string message;     // the answer's text, in plain words, naming no secret
  std::string log;         // a line for the log (once per burst of failures), or empty
  long retry_after_s = 0;  // with 429
};

class AccessControl {
 public:
  using Clock = std::chrono::steady_clock;

  explicit AccessControl(AccessSettings settings);

  // Whether any credential is configured (without one, every route is open).
  bool enabled() const { return !settings_.password_hash.empty() || !token_.empty(); }

  Verdict check(const Route& route, std::string_view authorization, const std::string& client,
                Clock::time_point now);

  // The WWW-Authenticate header of a 401 answer.
  std::string challenge() const;

  // Failed attempts one address may make at once, and how fast it may try again after them.
  static constexpr double kFailureBurst = 10;
  static constexpr std::chrono::seconds kFailureRefill{6};
  static constexpr std::size_t kMaxHeader = 1024;       // an Authorization header longer: 400
  static constexpr std::size_t kMaxTracked = 4096;      // client addresses remembered at most
  static constexpr std::chrono::minutes kRemember{15};  // a verified password is kept this long

 private:
  using Digest = std::array<unsigned char, 32>;
  struct Failures {
    double allowance = kFailureBurst;
    Clock::time_point updated;
    bool reported_limit = false;
  };

  // 0 when the credentials are right; else the verdict for them.
  Verdict basic(std::string_view credentials, Clock::time_point now);
  Verdict bearer(std::string_view token) const;
  // Counts a failure from `client`; the verdict's log line once per burst.
  void failed(const std::string& client, Clock::time_point now, Verdict& verdict);
  // Whether `client` has used up its failures (refilled by the time passed).
  bool limited(const std::string& client, Clock::time_point now, long& retry_after_s);

  AccessSettings settings_;
  std::string token_;   // the token's SHA-256 as 32 bytes
  Digest cache_key_{};  // random per process: cached passwords are kept as keyed hashes only
  std::mutex mutex_;
  std::map<std::string, Failures> failures_;
  std::map<Digest, Clock::time_point> verified_;  // keyed hash of "user:password" -> until
};

// A new password hash for AccessSettings::password_hash (argon2id, libsodium's interactive
// limits); empty if the system could not make one (out of memory).
std::string hash_password(std::string_view password);
// A new random API token (43 characters, URL-safe) and its SHA-256 in hex.
std::string new_token();
std::string token_sha256(std::string_view token);

}  // namespace meter::http
