// SPDX-License-Identifier: MIT
// History of a meter with a steady load, for energy report and `smartmeter stats` tests: read
// every 10 s, importing 400 W (100 Wh per quarter hour) plus `spike_wh` at `spike_at`, exporting
// 40 W; written through the real SQLite reading store.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

#include "meter/app/reading.h"
#include "meter/core/civil_time.h"
#include "meter/storage/sqlite_reading_store.h"

namespace meter::testing_support {

inline constexpr const char* kSteadyMeter = "4B464D6750012345";

inline std::int64_t vienna_time(std::int64_t year, unsigned month, unsigned day, std::int64_t hour,
                                std::int64_t minute = 0) {
  return core::vienna_local_to_utc(core::days_from_civil(year, month, day) * 86400 + hour * 3600 +
                                   minute * 60);
}

// Readings from `first` to `last` (excluded).
inline std::vector<app::Reading> steady_readings(std::int64_t first, std::int64_t last,
                                                 std::int64_t spike_at, double spike_wh) {
  std::vector<app::Reading> out;
  std::uint32_t counter = 1;
  for (std::int64_t t = first; t < last; t += 10) {
    app::Reading r;
    r.meter = kSteadyMeter;
    r.frame_counter = counter++;
    r.timestamp = t;
    const double hours = static_cast<double>(t - first) / 3600.0;
    r.values[static_cast<std::size_t>(core::Quantity::kEnergyImport)] =
        1'000'000.0 + 400.0 * hours + (t >= spike_at ? spike_wh : 0.0);
    r.values[static_cast<std::size_t>(core::Quantity::kEnergyExport)] = 40.0 * hours;
    r.values[static_cast<std::size_t>(core::Quantity::kPowerImport)] = 400.0;
    r.values[static_cast<std::size_t>(core::Quantity::kPowerExport)] = 40.0;
    out.push_back(r);
  }
  return out;
}

inline void write_steady_history(const std::filesystem::path& db, std::int64_t first,
                                 std::int64_t last, std::int64_t spike_at, double spike_wh) {
  storage::SqliteReadingStore history(db);
  ASSERT_TRUE(history.open());
  const auto rows = steady_readings(first, last, spike_at, spike_wh);
  for (std::size_t i = 0; i < rows.size(); i += 2000) {
    const std::size_t n = std::min<std::size_t>(2000, rows.size() - i);
    ASSERT_TRUE(history.write({std::span(rows).subspan(i, n), {}, {}}));
  }
  history.close();
}

}  // namespace meter::testing_support
