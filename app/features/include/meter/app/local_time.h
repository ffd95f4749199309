// SPDX-License-Identifier: MIT
// Europe/Vienna civil time for statistics and the simulator: CET (UTC+1) in winter, CEST (UTC+2)
// from the last Sunday of March 01:00 UTC to the last Sunday of October 01:00 UTC. Local days
// are therefore 23 h (March switch), 25 h (October switch) or 24 h long; local midnight never
// falls into a switch (they happen at 02:00 / 03:00 local).
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace meter::app {

struct CivilDate {
  std::int64_t year = 1970;
  unsigned month = 1;  // 1..12
  unsigned day = 1;    // 1..31
};

// The proleptic Gregorian date of a day number (days since 1970-01-01).
CivilDate civil_from_days(std::int64_t days);
std::int64_t days_from_date(const CivilDate& date);

// "YYYY-MM-DD" as its day number; nullopt when it is not such a date (2026-02-30 is not).
std::optional<std::int64_t> parse_day(std::string_view text);

// Floor division for epoch arithmetic before 1970 as well.
std::int64_t floor_div(std::int64_t value, std::int64_t divisor);

// 3600 or 7200: Vienna's offset from UTC at that instant.
std::int64_t vienna_offset_seconds(std::int64_t utc_seconds);
// The local date (as a day number) an instant falls on.
std::int64_t vienna_local_day(std::int64_t utc_seconds);
// UTC instant of a local wall-clock time (seconds since 1970-01-01 00:00 local). A time in the
// hour skipped in March is read as winter time (it lands an hour later); in the hour repeated
// in October the first (summer time) occurrence is taken.
std::int64_t vienna_local_to_utc(std::int64_t local_seconds);
// UTC instant of local midnight starting `local_day`.
std::int64_t vienna_day_start_utc(std::int64_t local_day);
// Months since year 0 (year * 12 + month - 1) of the local date of an instant.
std::int64_t vienna_month_index(std::int64_t utc_seconds);
// UTC instant of local midnight on the first day of a month index.
std::int64_t vienna_month_start_utc(std::int64_t month_index);

}  // namespace meter::app
