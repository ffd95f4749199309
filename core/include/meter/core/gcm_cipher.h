// SPDX-License-Identifier: MIT
// Port: AES-128-GCM as DLMS security suite 0/1 uses it (12-byte IV = system title || frame
// counter, 12-byte tag). The core decides what to decrypt; an adapter (OpenSSL) does the maths.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace meter::core {

inline constexpr std::size_t kAesKeyBytes = 16;
inline constexpr std::size_t kGcmIvBytes = 12;
inline constexpr std::size_t kGcmTagBytes = 12;

struct AesKey {
  std::array<std::uint8_t, kAesKeyBytes> bytes{};

  // Exactly 32 hex digits (spaces allowed between pairs); nullopt otherwise.
  static std::optional<AesKey> from_hex(std::string_view text);
  friend bool operator==(const AesKey&, const AesKey&) = default;
};

enum class CipherResult : std::uint8_t { kOk, kTagMismatch, kFailed };

class GcmCipher {
 public:
  virtual ~GcmCipher() = default;

  // Decrypts `data` in place (GCM keystream from counter block IV || 00000002). With a non-empty
  // `tag`, checks it over `aad` and the ciphertext first-to-last; kTagMismatch if it differs.
  virtual CipherResult decrypt(const AesKey& key, std::span<const std::uint8_t, kGcmIvBytes> iv,
                               std::span<const std::uint8_t> aad, std::span<std::uint8_t> data,
                               std::span<const std::uint8_t> tag) = 0;

  // Decrypts `data` in place without looking at a tag (AES-CTR from counter block
  // IV || 00000002, as GCM does): for a tagged frame when no authentication key is configured.
  virtual CipherResult decrypt_unverified(const AesKey& key,
                                          std::span<const std::uint8_t, kGcmIvBytes> iv,
                                          std::span<std::uint8_t> data) = 0;

  // Encrypts `data` in place; writes tag_out.size() bytes of the tag when it is not empty.
  virtual CipherResult encrypt(const AesKey& key, std::span<const std::uint8_t, kGcmIvBytes> iv,
                               std::span<const std::uint8_t> aad, std::span<std::uint8_t> data,
                               std::span<std::uint8_t> tag_out) = 0;
};

}  // namespace meter::core
