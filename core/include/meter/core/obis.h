// SPDX-License-Identifier: MIT
// OBIS code (IEC 62056-61): six bytes A-B:C.D.E*F, e.g. 1-0:1.8.0*255 = active energy import.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>

namespace meter::core {

struct Obis {
  std::array<std::uint8_t, 6> bytes{};

  static constexpr Obis of(std::uint8_t a, std::uint8_t b, std::uint8_t c, std::uint8_t d,
                           std::uint8_t e, std::uint8_t f = 255) {
    return Obis{{a, b, c, d, e, f}};
  }
  static Obis from(std::span<const std::uint8_t> six) {
    Obis obis;
    for (std::size_t i = 0; i < 6 && i < six.size(); ++i) obis.bytes[i] = six[i];
    return obis;
  }

  friend constexpr bool operator==(const Obis&, const Obis&) = default;

  // "1-0:1.8.0*255"
  std::string to_string() const;
};

}  // namespace meter::core
