// SPDX-License-Identifier: MIT
#include "meter/http/access.h"

#include <sodium.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <stdexcept>
#include <vector>

namespace meter::http {
namespace {

bool same_word(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

std::string_view trim_spaces(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

Verdict refuse(int status, std::string message) { return {status, std::move(message), "", 0}; }

void start_sodium() {
  if (sodium_init() < 0) throw std::runtime_error("libsodium could not be initialised");
}

}  // namespace

AccessControl::AccessControl(AccessSettings settings) : settings_(std::move(settings)) {
  start_sodium();
  randombytes_buf(cache_key_.data(), cache_key_.size());
  if (!settings_.token_sha256.empty()) {
    std::array<unsigned char, crypto_hash_sha256_BYTES> digest{};
    std::size_t length = 0;
    if (sodium_hex2bin(digest.data(), digest.size(), settings_.token_sha256.data(),
                       settings_.token_sha256.size(), nullptr, &length, nullptr) != 0 ||
        length != digest.size()) {
      throw std::invalid_argument("the token's SHA-256 is not 64 hex digits");
    }
    token_.assign(digest.begin(), digest.end());
  }
}

std::string AccessControl::challenge() const {
  std::string value;
  if (!settings_.password_hash.empty()) value = R"(Basic realm="smartmeter", charset="UTF-8")";
  if (!token_.empty())
    value += std::string(value.empty() ? "" : ", ") + R"(Bearer realm="smartmeter")";
  return value;
}

Verdict AccessControl::check(const Route& route, std::string_view authorization,
                             const std::string& client, Clock::time_point now) {
  if (!enabled() || route.access == Access::kPublic) return {};
  if (route.access == Access::kPublicIfOptedIn && settings_.open_opt_in_routes) return {};
  if (authorization.empty()) {
    return refuse(401, "log in: this service needs its password (or, for scripts, its API token)");
  }
  if (long retry = 0; limited(client, now, retry)) {
    return {
        429,
        "too many failed logins from your address: try again in " + std::to_string(retry) + " s",
        "", retry};
  }
  Verdict verdict;
  const std::string_view header = trim_spaces(authorization);
  const auto space = header.find(' ');
  const std::string_view scheme = header.substr(0, space);
  const std::string_view value =
      space == std::string_view::npos ? std::string_view() : trim_spaces(header.substr(space));
  if (authorization.size() > kMaxHeader) {
    verdict = refuse(400, "the Authorization header is too long");
  } else if (same_word(scheme, "Basic")) {
    verdict = basic(value, now);
  } else if (same_word(scheme, "Bearer")) {
    verdict = bearer(value);
  } else {
    verdict = refuse(400, "the Authorization header is neither Basic nor Bearer credentials");
  }
  if (verdict.status != 0) failed(client, now, verdict);
  return verdict;
}

Verdict AccessControl::basic(std::string_view credentials, Clock::time_point now) {
  std::vector<unsigned char> decoded(credentials.size());
  std::size_t length = 0;
  const char* end = nullptr;
  if (credentials.empty() ||
      sodium_base642bin(decoded.data(), decoded.size(), credentials.data(), credentials.size(),
                        nullptr, &length, &end, sodium_base64_VARIANT_ORIGINAL) != 0 ||
      end != credentials.data() + credentials.size()) {
    return refuse(400, "the Basic credentials are not base64 of user:password");
  }
  const std::string_view pair(reinterpret_cast<const char*>(decoded.data()), length);
  const auto colon = pair.find(':');
  if (colon == std::string_view::npos) {
    return refuse(400, "the Basic credentials have no ':' between user and password");
  }
  if (settings_.password_hash.empty()) {
    return refuse(401, "no password is set here: use the API token (Authorization: Bearer)");
  }
  Digest key{};
  crypto_generichash(key.data(), key.size(), decoded.data(), length, cache_key_.data(),
                     cache_key_.size());
  {
    std::lock_guard lock(mutex_);
    if (auto it = verified_.find(key); it != verified_.end() && it->second > now) return {};
  }
  const std::string_view password = pair.substr(colon + 1);
  // The password is checked even for a wrong user, so that the answer's time does not tell.
  const bool password_right = crypto_pwhash_str_verify(settings_.password_hash.c_str(),
                                                       password.data(), password.size()) == 0;
  const bool user_right = pair.substr(0, colon) == settings_.user;
  sodium_memzero(decoded.data(), decoded.size());
  if (!password_right || !user_right) {
    return refuse(401, "wrong user or password");
  }
  std::lock_guard lock(mutex_);
  constexpr std::size_t kMaxVerified = 64;
  std::erase_if(verified_, [&](const auto& entry) { return entry.second <= now; });
  if (verified_.size() >= kMaxVerified) verified_.erase(verified_.begin());
  verified_[key] = now + kRemember;
  return {};
}

Verdict AccessControl::bearer(std::string_view token) const {
  if (token.empty()) return refuse(400, "the Bearer credentials hold no token");
  if (token_.empty()) return refuse(401, "no API token is set here: log in with the password");
  std::array<unsigned char, crypto_hash_sha256_BYTES> digest{};
  crypto_hash_sha256(digest.data(), reinterpret_cast<const unsigned char*>(token.data()),
                     token.size());
  if (sodium_memcmp(digest.data(), token_.data(), digest.size()) != 0) {
    return refuse(401, "wrong token");
  }
  return {};
}

namespace {

// Failures are a bucket: kFailureBurst at once, one more per kFailureRefill.
void refill(double& allowance, AccessControl::Clock::time_point& updated,
            AccessControl::Clock::time_point now) {
  const double seconds = std::chrono::duration<double>(now - updated).count();
  if (seconds > 0) {
    allowance =
        std::min(AccessControl::kFailureBurst,
                 allowance + seconds / static_cast<double>(AccessControl::kFailureRefill.count()));
    updated = now;
  }
}

}  // namespace

bool AccessControl::limited(const std::string& client, Clock::time_point now, long& retry_after_s) {
  std::lock_guard lock(mutex_);
  const auto it = failures_.find(client);
  if (it == failures_.end()) return false;
  refill(it->second.allowance, it->second.updated, now);
  if (it->second.allowance >= 1) return false;
  retry_after_s = static_cast<long>(
      std::ceil((1 - it->second.allowance) * static_cast<double>(kFailureRefill.count())));
  return true;
}

void AccessControl::failed(const std::string& client, Clock::time_point now, Verdict& verdict) {
  std::lock_guard lock(mutex_);
  if (failures_.size() >= kMaxTracked && failures_.find(client) == failures_.end()) {
    for (auto& [address, f] : failures_) refill(f.allowance, f.updated, now);
    std::erase_if(failures_,
                  [](const auto& entry) { return entry.second.allowance >= kFailureBurst; });
    if (failures_.size() >= kMaxTracked) failures_.erase(failures_.begin());
  }
  auto [it, added] = failures_.try_emplace(client, Failures{kFailureBurst, now, false});
  Failures& f = it->second;
  refill(f.allowance, f.updated, now);
  if (f.allowance >= kFailureBurst) {  // a new burst
    f.reported_limit = false;
    verdict.log = "failed login from " + client + " (" + verdict.message + ")";
  }
  f.allowance -= 1;
  if (f.allowance < 1 && !f.reported_limit) {
    f.reported_limit = true;
    verdict.log = std::to_string(static_cast<int>(kFailureBurst)) + " failed logins from " +
                  client + "; its further attempts are refused (one more every " +
                  std::to_string(kFailureRefill.count()) + " s)";
  }
}

std::string hash_password(std::string_view password) {
  start_sodium();
  std::array<char, crypto_pwhash_STRBYTES> out{};
  if (crypto_pwhash_str(out.data(), password.data(), password.size(),
                        crypto_pwhash_OPSLIMIT_INTERACTIVE,
                        crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0) {
    return {};
  }
  return out.data();
}

std::string new_token() {
  start_sodium();
  std::array<unsigned char, 32> bytes{};
  randombytes_buf(bytes.data(), bytes.size());
  std::array<char, sodium_base64_ENCODED_LEN(32, sodium_base64_VARIANT_URLSAFE_NO_PADDING)> text{};
  sodium_bin2base64(text.data(), text.size(), bytes.data(), bytes.size(),
                    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  return text.data();
}

std::string token_sha256(std::string_view token) {
  start_sodium();
  std::array<unsigned char, crypto_hash_sha256_BYTES> digest{};
  crypto_hash_sha256(digest.data(), reinterpret_cast<const unsigned char*>(token.data()),
                     token.size());
  std::array<char, crypto_hash_sha256_BYTES * 2 + 1> hex{};
  sodium_bin2hex(hex.data(), hex.size(), digest.data(), digest.size());
  return hex.data();
}

}  // namespace meter::http
