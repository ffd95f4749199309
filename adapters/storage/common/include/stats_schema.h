// SPDX-License-Identifier: MIT
// Columns of the statistics tables (statsQuarterHour, statsDaily), shared by the SQLite and the
// MariaDB statistics stores; each adapter maps the kinds to its own SQL types.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "meter/app/statistics.h"

namespace meter::storage::detail {

enum class StatsColumnKind : std::uint8_t {
  kMeter,
  kTime,
  kLocalTime,
  kValue,
  kCount,
  kRatio,
  kFlag
};

struct StatsColumn {
  const char* name;
  StatsColumnKind kind;
};

// The primary key is (meter, intervalStart).
inline constexpr std::array<StatsColumn, 16> kStatsColumns = {{
    {"meter", StatsColumnKind::kMeter},
    {"intervalStart", StatsColumnKind::kTime},    // UTC epoch seconds
    {"intervalEnd", StatsColumnKind::kTime},      // exclusive
    {"localStart", StatsColumnKind::kLocalTime},  // Vienna time with offset, for people
    {"WIn", StatsColumnKind::kValue},             // Wh in the interval (NULL: unknown)
    {"WOut", StatsColumnKind::kValue},
    {"PInMean", StatsColumnKind::kValue},
    {"PInMin", StatsColumnKind::kValue},
    {"PInMax", StatsColumnKind::kValue},
    {"POutMean", StatsColumnKind::kValue},
    {"POutMin", StatsColumnKind::kValue},
    {"POutMax", StatsColumnKind::kValue},
    {"samples", StatsColumnKind::kCount},
    {"coverage", StatsColumnKind::kRatio},
    {"gap", StatsColumnKind::kFlag},
    {"complete", StatsColumnKind::kFlag},
}};

// The column names in order, for insert and select lists.
inline std::vector<std::string> stats_column_names() {
  std::vector<std::string> names;
  names.reserve(kStatsColumns.size());
  for (const auto& column : kStatsColumns) names.emplace_back(column.name);
  return names;
}
// The history columns the statistics read (StatisticsStore::readings), in this order.
inline std::vector<std::string> stats_reading_columns() {
  return {"timestamp", "WIn", "WOut", "PIn", "POut"};
}

// The optional values of a row in column order (WIn .. POutMax); Row is StatsRow or const.
template <typename Row>
auto stats_values(Row& row) {
  return std::array{&row.energy_in_wh,    &row.energy_out_wh,  &row.power_in_mean_w,
                    &row.power_in_min_w,  &row.power_in_max_w, &row.power_out_mean_w,
                    &row.power_out_min_w, &row.power_out_max_w};
}
inline constexpr std::size_t kStatsFirstValueColumn = 4;

// Query bounds both engines store without overflow.
inline std::int64_t clamp_bound(std::int64_t value) {
  constexpr std::int64_t kLimit = 4'000'000'000'000'000'000;
  return value < -kLimit ? -kLimit : (value > kLimit ? kLimit : value);
}

}  // namespace meter::storage::detail
