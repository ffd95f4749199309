// SPDX-License-Identifier: MIT
#include "meter/crypto/openssl_gcm_cipher.h"

#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <climits>
#include <new>

namespace meter::crypto {

using core::CipherResult;

namespace {

bool fits_int(std::size_t size) { return size <= static_cast<std::size_t>(INT_MAX); }

}  // namespace

OpenSslGcmCipher::OpenSslGcmCipher()
    : ctr_cipher_(EVP_CIPHER_fetch(nullptr, "AES-128-ECB", nullptr)),
      gcm_cipher_(EVP_CIPHER_fetch(nullptr, "AES-128-GCM", nullptr)),
      ctr_context_(EVP_CIPHER_CTX_new()),
      gcm_context_(EVP_CIPHER_CTX_new()) {
  if (ctr_cipher_ == nullptr || gcm_cipher_ == nullptr || ctr_context_ == nullptr ||
      gcm_context_ == nullptr) {
    throw std::bad_alloc();
  }
}

OpenSslGcmCipher::~OpenSslGcmCipher() {
  EVP_CIPHER_CTX_free(ctr_context_);
  EVP_CIPHER_CTX_free(gcm_context_);
  EVP_CIPHER_free(ctr_cipher_);
  EVP_CIPHER_free(gcm_cipher_);
}

CipherResult OpenSslGcmCipher::decrypt_unverified(
    const core::AesKey& key, std::span<const std::uint8_t, core::kGcmIvBytes> iv,
    std::span<std::uint8_t> data) {
  // GCM's keystream is AES-CTR starting at counter block IV || 00000002: encrypt the counter
  // blocks with a once-keyed AES-ECB context and XOR them in (no per-call IV set-up).
  const bool rekey = !ctr_key_ || !(*ctr_key_ == key);
  if (rekey) {
    if (EVP_EncryptInit_ex2(ctr_context_, ctr_cipher_, key.bytes.data(), nullptr, nullptr) != 1) {
      ctr_key_.reset();
      return CipherResult::kFailed;
    }
    EVP_CIPHER_CTX_set_padding(ctr_context_, 0);
    ctr_key_ = key;
  }
  constexpr std::size_t kChunkBlocks = 32;
  std::array<std::uint8_t, 16 * kChunkBlocks> blocks;
  std::uint32_t counter = 2;
  std::size_t done = 0;
  while (done < data.size()) {
    const std::size_t n = std::min(data.size() - done, blocks.size());
    const std::size_t count = (n + 15) / 16;
    for (std::size_t b = 0; b < count; ++b, ++counter) {
      std::uint8_t* block = blocks.data() + 16 * b;
      std::copy(iv.begin(), iv.end(), block);
      block[12] = static_cast<std::uint8_t>(counter >> 24);
      block[13] = static_cast<std::uint8_t>(counter >> 16);
      block[14] = static_cast<std::uint8_t>(counter >> 8);
      block[15] = static_cast<std::uint8_t>(counter);
    }
    int written = 0;
    if (EVP_EncryptUpdate(ctr_context_, blocks.data(), &written, blocks.data(),
                          static_cast<int>(16 * count)) != 1) {
      return CipherResult::kFailed;
    }
    for (std::size_t i = 0; i < n; ++i) data[done + i] ^= blocks[i];
    done += n;
  }
  return CipherResult::kOk;
}

CipherResult OpenSslGcmCipher::decrypt(const core::AesKey& key,
                                       std::span<const std::uint8_t, core::kGcmIvBytes> iv,
                                       std::span<const std::uint8_t> aad,
                                       std::span<std::uint8_t> data,
                                       std::span<const std::uint8_t> tag) {
  if (!fits_int(data.size()) || !fits_int(aad.size())) return CipherResult::kFailed;
  if (tag.empty()) return decrypt_unverified(key, iv, data);

  EVP_CIPHER_CTX* context = gcm_context_;
  int written = 0;
  const bool ok =
      EVP_DecryptInit_ex2(context, gcm_cipher_, key.bytes.data(), iv.data(), nullptr) == 1 &&
      (aad.empty() || EVP_DecryptUpdate(context, nullptr, &written, aad.data(),
                                        static_cast<int>(aad.size())) == 1) &&
      (data.empty() || EVP_DecryptUpdate(context, data.data(), &written, data.data(),
                                         static_cast<int>(data.size())) == 1) &&
      EVP_CIPHER_CTX_ctrl(context, EVP_CTRL_GCM_SET_TAG, static_cast<int>(tag.size()),
                          const_cast<std::uint8_t*>(tag.data())) == 1;
  if (!ok) return CipherResult::kFailed;
  std::array<std::uint8_t, 16> tail{};
  return EVP_DecryptFinal_ex(context, tail.data(), &written) == 1 ? CipherResult::kOk
                                                                  : CipherResult::kTagMismatch;
}

CipherResult OpenSslGcmCipher::encrypt(const core::AesKey& key,
                                       std::span<const std::uint8_t, core::kGcmIvBytes> iv,
                                       std::span<const std::uint8_t> aad,
                                       std::span<std::uint8_t> data,
                                       std::span<std::uint8_t> tag_out) {
  if (!fits_int(data.size()) || !fits_int(aad.size()) || tag_out.size() > 16) {
    return CipherResult::kFailed;
  }
  EVP_CIPHER_CTX* context = gcm_context_;
  int written = 0;
  std::array<std::uint8_t, 16> tail{};
  std::array<std::uint8_t, 16> tag{};
  const bool ok =
      EVP_EncryptInit_ex2(context, gcm_cipher_, key.bytes.data(), iv.data(), nullptr) == 1 &&
      (aad.empty() || EVP_EncryptUpdate(context, nullptr, &written, aad.data(),
                                        static_cast<int>(aad.size())) == 1) &&
      (data.empty() || EVP_EncryptUpdate(context, data.data(), &written, data.data(),
                                         static_cast<int>(data.size())) == 1) &&
      EVP_EncryptFinal_ex(context, tail.data(), &written) == 1 &&
      EVP_CIPHER_CTX_ctrl(context, EVP_CTRL_GCM_GET_TAG, 16, tag.data()) == 1;
  if (!ok) return CipherResult::kFailed;
  std::copy_n(tag.begin(), tag_out.size(), tag_out.begin());
  return CipherResult::kOk;
}

}  // namespace meter::crypto
