// SPDX-License-Identifier: MIT
#include "meter/core/key_ring.h"

#include "meter/core/hex.h"

namespace meter::core {

std::optional<AesKey> AesKey::from_hex(std::string_view text) {
  // Only digits and blanks: a key is never read out of junk-prefixed text.
  std::size_t digits = 0;
  for (const char c : text) {
    const bool hex = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    if (hex) {
      ++digits;
    } else if (c != ' ' && c != ':' && c != '-') {
      return std::nullopt;
    }
  }
  if (digits != 2 * kAesKeyBytes) return std::nullopt;
  AesKey key;
  const HexDecodeResult decoded =
      decode_hex(text.data(), text.size(), key.bytes.data(), key.bytes.size());
  if (!decoded.ok || decoded.size != kAesKeyBytes) return std::nullopt;
  return key;
}

void KeyRing::add(const SystemTitle& system_title, MeterKeys keys) {
  for (auto& entry : entries_) {
    if (entry.first == system_title) {
      entry.second = keys;
      return;
    }
  }
  entries_.emplace_back(system_title, keys);
}

const MeterKeys* KeyRing::find(const SystemTitle& system_title) const {
  for (const auto& entry : entries_) {
    if (entry.first == system_title) return &entry.second;
  }
  return default_ ? &*default_ : nullptr;
}

}  // namespace meter::core
