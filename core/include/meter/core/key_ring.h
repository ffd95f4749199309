// SPDX-License-Identifier: MIT
// Which keys decrypt which meter: a default (SMARTMETER_KEY) plus keys per system title.
#pragma once

#include <optional>
#include <utility>
#include <vector>

#include "meter/core/apdu.h"
#include "meter/core/gcm_cipher.h"

namespace meter::core {

struct MeterKeys {
  AesKey encryption;
  std::optional<AesKey> authentication;
};

class KeyRing {
 public:
  KeyRing() = default;
  explicit KeyRing(MeterKeys default_keys) : default_(default_keys) {}

  void set_default(MeterKeys keys) { default_ = keys; }
  void add(const SystemTitle& system_title, MeterKeys keys);
  // Keys for this meter, else the default, else nullptr.
  const MeterKeys* find(const SystemTitle& system_title) const;
  bool empty() const { return !default_ && entries_.empty(); }
  bool has_default() const { return default_.has_value(); }
  // The system titles that have keys of their own, in the order they were added.
  std::vector<SystemTitle> titles() const {
    std::vector<SystemTitle> out;
    out.reserve(entries_.size());
    for (const auto& entry : entries_) out.push_back(entry.first);
    return out;
  }

 private:
  std::optional<MeterKeys> default_;
  std::vector<std::pair<SystemTitle, MeterKeys>> entries_;
};

}  // namespace meter::core
