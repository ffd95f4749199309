// SPDX-License-Identifier: MIT
// OpenSslGcmCipher against the published AES-128-GCM test vectors (McGrew and Viega, "The
// Galois/Counter Mode of Operation", test cases 2 and 4), with the 12-byte tag DLMS uses: the
// vectors' tags cut to their first 12 bytes.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "meter/core/gcm_cipher.h"
#include "meter/crypto/openssl_gcm_cipher.h"

namespace {

using meter::core::AesKey;
using meter::core::CipherResult;
using meter::core::kGcmIvBytes;
using meter::core::kGcmTagBytes;
using meter::crypto::OpenSslGcmCipher;

std::vector<std::uint8_t> bytes(std::string_view hex) {
  std::vector<std::uint8_t> out;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
    const auto digit = [](char c) {
      return static_cast<std::uint8_t>(c <= '9' ? c - '0' : c - 'a' + 10);
    };
    out.push_back(static_cast<std::uint8_t>(digit(hex[i]) << 4 | digit(hex[i + 1])));
  }
  return out;
}

struct Vector {
  std::string_view key, iv, aad, plaintext, ciphertext, tag;
};

// Test case 4: 60 bytes of plaintext (not a whole block) and 20 bytes of additional data.
constexpr Vector kCase4{
    "feffe9928665731c6d6a8f9467308308",
    "cafebabefacedbaddecaf888",
    "feedfacedeadbeeffeedfacedeadbeefabaddad2",
    "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
    "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39",
    "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e"
    "21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091",
    "5bc94fbc3221a5db94fae95ae7121a47",
};
// Test case 2: the all-zero key, IV and block.
constexpr Vector kCase2{
    "00000000000000000000000000000000",
    "000000000000000000000000",
    "",
    "00000000000000000000000000000000",
    "0388dace60b6a392f328c2b971b2fe78",
    "ab6e47d42cec13bdf53a67b21257bddf",
};

AesKey key_of(const Vector& v) { return *AesKey::from_hex(v.key); }

std::array<std::uint8_t, kGcmIvBytes> iv_of(const Vector& v) {
  std::array<std::uint8_t, kGcmIvBytes> iv{};
  const auto b = bytes(v.iv);
  std::copy(b.begin(), b.end(), iv.begin());
  return iv;
}

std::vector<std::uint8_t> dlms_tag(const Vector& v) {
  auto tag = bytes(v.tag);
  tag.resize(kGcmTagBytes);
  return tag;
}

TEST(OpenSslGcmCipher, EncryptsToThePublishedCiphertextAndTag) {
  for (const Vector& v : {kCase4, kCase2}) {
    OpenSslGcmCipher cipher;
    auto data = bytes(v.plaintext);
    std::vector<std::uint8_t> tag(kGcmTagBytes);
    const auto iv = iv_of(v);
    ASSERT_EQ(cipher.encrypt(key_of(v), iv, bytes(v.aad), data, tag), CipherResult::kOk);
    EXPECT_EQ(data, bytes(v.ciphertext)) << v.key;
    EXPECT_EQ(tag, dlms_tag(v)) << v.key;
  }
}

TEST(OpenSslGcmCipher, DecryptsAndChecksTheTag) {
  OpenSslGcmCipher cipher;
  auto data = bytes(kCase4.ciphertext);
  const auto iv = iv_of(kCase4);
  ASSERT_EQ(cipher.decrypt(key_of(kCase4), iv, bytes(kCase4.aad), data, dlms_tag(kCase4)),
            CipherResult::kOk);
  EXPECT_EQ(data, bytes(kCase4.plaintext));
}

TEST(OpenSslGcmCipher, DecryptsWithoutATagAsTheCounterModeItIs) {
  // Security byte 0x20 (EVN): no tag is sent, so nothing can be checked.
  OpenSslGcmCipher cipher;
  auto data = bytes(kCase4.ciphertext);
  const auto iv = iv_of(kCase4);
  ASSERT_EQ(cipher.decrypt(key_of(kCase4), iv, {}, data, {}), CipherResult::kOk);
  EXPECT_EQ(data, bytes(kCase4.plaintext));
}

TEST(OpenSslGcmCipher, DecryptsUnverifiedWhateverTheTag) {
  // A tagged frame (SC 0x30) read without the authentication key: the same keystream, no check.
  OpenSslGcmCipher cipher;
  auto data = bytes(kCase4.ciphertext);
  const auto iv = iv_of(kCase4);
  ASSERT_EQ(cipher.decrypt_unverified(key_of(kCase4), iv, data), CipherResult::kOk);
  EXPECT_EQ(data, bytes(kCase4.plaintext));
  // A 600-byte buffer crosses the cipher's internal chunk of 512 bytes: encrypt, then undo.
  std::vector<std::uint8_t> long_data(600);
  for (std::size_t i = 0; i < long_data.size(); ++i) long_data[i] = static_cast<std::uint8_t>(i);
  const auto original = long_data;
  ASSERT_EQ(cipher.encrypt(key_of(kCase4), iv, {}, long_data, {}), CipherResult::kOk);
  ASSERT_NE(long_data, original);
  ASSERT_EQ(cipher.decrypt_unverified(key_of(kCase4), iv, long_data), CipherResult::kOk);
  EXPECT_EQ(long_data, original);
}

TEST(OpenSslGcmCipher, RefusesAChangedTagCiphertextOrAdditionalData) {
  const auto iv = iv_of(kCase4);
  const auto key = key_of(kCase4);
  for (int what = 0; what < 3; ++what) {
    OpenSslGcmCipher cipher;
    auto data = bytes(kCase4.ciphertext);
    auto aad = bytes(kCase4.aad);
    auto tag = dlms_tag(kCase4);
    std::vector<std::uint8_t>& changed = what == 0 ? tag : what == 1 ? data : aad;
    changed[changed.size() / 2] ^= 0x01;
    EXPECT_EQ(cipher.decrypt(key, iv, aad, data, tag), CipherResult::kTagMismatch) << what;
  }
}

TEST(OpenSslGcmCipher, OneInstanceFollowsAChangeOfKey) {
  // The cipher keeps its key schedule between calls; a stream of several meters changes it.
  OpenSslGcmCipher cipher;
  for (const Vector& v : {kCase4, kCase2, kCase4, kCase2}) {
    auto data = bytes(v.ciphertext);
    const auto iv = iv_of(v);
    ASSERT_EQ(cipher.decrypt(key_of(v), iv, {}, data, {}), CipherResult::kOk);
    EXPECT_EQ(data, bytes(v.plaintext)) << v.key;
    data = bytes(v.ciphertext);
    ASSERT_EQ(cipher.decrypt(key_of(v), iv, bytes(v.aad), data, dlms_tag(v)), CipherResult::kOk);
    EXPECT_EQ(data, bytes(v.plaintext)) << v.key;
  }
}

}  // namespace
