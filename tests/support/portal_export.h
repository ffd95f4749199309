// SPDX-License-Identifier: MIT
// A Netz NÖ consumption export (format netz-noe-v2: "Messzeitpunkt;Verbrauch (kWh);Qualität",
// time stamps at the end of each quarter-hour, decimal comma) written from quarter-hour values,
// for the CLI and API tests of the reconciliation.
#pragma once

#include <cstdint>
#include <cstdio>
#include <functional>
#include <string>

#include "meter/core/civil_time.h"

namespace meter::testing_support {

inline constexpr const char* kPortalPoint = "AT0020000000000000000000100012345";

// One line per quarter-hour from `first` (UTC, on a quarter-hour) for `count` quarter-hours;
// `wh(start)` the consumption of the quarter-hour starting at `start`.
inline std::string netz_noe_export(std::int64_t first, int count,
                                   const std::function<double(std::int64_t)>& wh) {
  std::string out = "Messzeitpunkt;Verbrauch (kWh);Qualität;\r\n";
  for (int i = 0; i < count; ++i) {
    const std::int64_t start = first + static_cast<std::int64_t>(i) * 900;
    const core::LocalTime end = core::vienna_local_time(start + 900);
    char line[96];
    std::snprintf(line, sizeof line, "%02u.%02u.%04lld %02lld:%02lld;%.6f;L1;\r\n", end.date.day,
                  end.date.month, static_cast<long long>(end.date.year),
                  static_cast<long long>(end.second_of_day / 3600),
                  static_cast<long long>(end.second_of_day / 60 % 60), wh(start) / 1000);
    std::string text = line;
    const std::size_t dot = text.find('.', text.find(';'));
    text[dot] = ',';
    out += text;
  }
  return out;
}

}  // namespace meter::testing_support
