// SPDX-License-Identifier: MIT
// AES-128-GCM on OpenSSL's EVP interface, behind the core's GcmCipher port.
// Keeps one cipher context per mode and re-keys only when the key changes, so decoding a stream
// from one meter costs an IV reset per telegram, not a key schedule.
// Not thread-safe: one instance per decoding thread.
#pragma once

#include <optional>

#include "meter/core/gcm_cipher.h"

struct evp_cipher_ctx_st;
struct evp_cipher_st;

namespace meter::crypto {

class OpenSslGcmCipher final : public core::GcmCipher {
 public:
  OpenSslGcmCipher();
  ~OpenSslGcmCipher() override;
  OpenSslGcmCipher(const OpenSslGcmCipher&) = delete;
  OpenSslGcmCipher& operator=(const OpenSslGcmCipher&) = delete;

  core::CipherResult decrypt(const core::AesKey& key,
                             std::span<const std::uint8_t, core::kGcmIvBytes> iv,
                             std::span<const std::uint8_t> aad, std::span<std::uint8_t> data,
                             std::span<const std::uint8_t> tag) override;

  core::CipherResult decrypt_unverified(const core::AesKey& key,
                                        std::span<const std::uint8_t, core::kGcmIvBytes> iv,
                                        std::span<std::uint8_t> data) override;

  core::CipherResult encrypt(const core::AesKey& key,
                             std::span<const std::uint8_t, core::kGcmIvBytes> iv,
                             std::span<const std::uint8_t> aad, std::span<std::uint8_t> data,
                             std::span<std::uint8_t> tag_out) override;

 private:
  evp_cipher_st* ctr_cipher_ = nullptr;
  evp_cipher_st* gcm_cipher_ = nullptr;
  evp_cipher_ctx_st* ctr_context_ = nullptr;
  evp_cipher_ctx_st* gcm_context_ = nullptr;
  std::optional<core::AesKey> ctr_key_;
};

}  // namespace meter::crypto
