// SPDX-License-Identifier: MIT
// Shared by the benchmarks: realistic register values of a three-phase household meter for the
// core encoder, from a deterministic generator (the same telegrams on every run), and the
// Kaifa-style system titles ("KFMg" + a 32-bit number) of simulated meters.
#pragma once

#include <cstddef>
#include <cstdint>

#include "meter/core/apdu.h"
#include "meter/core/telegram.h"
#include "meter/core/telegram_encoder.h"

namespace meter::bench {

// A 64-bit LCG: deterministic pseudo-random numbers.
struct Random {
  std::uint64_t state = 0x9E3779B97F4A7C15;
  std::int64_t between(std::int64_t low, std::int64_t high) {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    return low +
           static_cast<std::int64_t>((state >> 33) % static_cast<std::uint64_t>(high - low + 1));
  }
};

struct EnergyCounters {
  std::int64_t import_wh = 12345678;
  std::int64_t export_wh = 1234567;
};

// One 5-second reading: power drawn (or fed in below 300 W of draw), the energy counters grown
// by it, 227.0-235.0 V, 0.05-18.00 A, PF 0.850-1.000, in the EVN raw scaling.
inline void set_household_values(core::TelegramSpec& spec, Random& random,
                                 EnergyCounters& counters) {
  using core::Quantity;
  const std::int64_t power_import_w = random.between(0, 6500);
  const std::int64_t power_export_w = power_import_w < 300 ? random.between(0, 4000) : 0;
  counters.import_wh += power_import_w * 5 / 3600;
  counters.export_wh += power_export_w * 5 / 3600;
  auto set = [&](Quantity q, std::int64_t raw) { spec.raw[static_cast<std::size_t>(q)] = raw; };
  set(Quantity::kEnergyImport, counters.import_wh);
  set(Quantity::kEnergyExport, counters.export_wh);
  set(Quantity::kPowerImport, power_import_w);
  set(Quantity::kPowerExport, power_export_w);
  set(Quantity::kVoltageL1, random.between(2270, 2350));
  set(Quantity::kVoltageL2, random.between(2270, 2350));
  set(Quantity::kVoltageL3, random.between(2270, 2350));
  set(Quantity::kCurrentL1, random.between(5, 1800));
  set(Quantity::kCurrentL2, random.between(5, 1800));
  set(Quantity::kCurrentL3, random.between(5, 1800));
  set(Quantity::kPowerFactor, random.between(850, 1000));
}

// "KFMg" followed by `number` big-endian.
inline core::SystemTitle kaifa_system_title(std::uint32_t number) {
  return {0x4B,
          0x46,
          0x4D,
          0x67,
          static_cast<std::uint8_t>(number >> 24),
          static_cast<std::uint8_t>(number >> 16),
          static_cast<std::uint8_t>(number >> 8),
          static_cast<std::uint8_t>(number)};
}

}  // namespace meter::bench
