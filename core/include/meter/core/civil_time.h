// SPDX-License-Identifier: MIT
// Civil time: the proleptic Gregorian calendar and Europe/Vienna local time, in one place for the
// decoder (COSEM date-times without a deviation), statistics, the simulator and the dashboard.
//
// Vienna is CET (UTC+1) in winter and CEST (UTC+2) from the last Sunday of March 01:00 UTC to the
// last Sunday of October 01:00 UTC (the EU rule). Local days are therefore 23 h (March switch),
// 25 h (October switch) or 24 h long; local midnight never falls into a switch (they happen at
// 02:00 / 03:00 local). No time zone database is read: the rule is the one the meters follow.
//
// Day numbers count days since 1970-01-01; instants are seconds since the epoch (UTC).
// Freestanding (no heap, no exceptions, only <stdint.h>/<stddef.h>).
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace meter::core {

inline constexpr int64_t kSecondsPerDay = 86400;

struct CivilDate {
  int64_t year = 1970;
  unsigned month = 1;  // 1..12
  unsigned day = 1;    // 1..31
};

// Floor division, for epoch arithmetic before 1970 as well.
constexpr int64_t floor_div(int64_t value, int64_t divisor) {
  const int64_t quotient = value / divisor;
  return (value % divisor != 0 && (value < 0) != (divisor < 0)) ? quotient - 1 : quotient;
}

constexpr bool is_leap_year(int64_t year) {
  return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

constexpr unsigned days_in_month(int64_t year, unsigned month) {
  constexpr unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return month == 2 && is_leap_year(year) ? 29 : kDays[month - 1];
}

// Day number of a date (Howard Hinnant's days_from_civil).
constexpr int64_t days_from_civil(int64_t year, unsigned month, unsigned day) {
  year -= month <= 2 ? 1 : 0;
  const int64_t era = (year >= 0 ? year : year - 399) / 400;
  const auto year_of_era = static_cast<unsigned>(year - era * 400);
  const unsigned day_of_year = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1;
  const unsigned day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
  return era * 146097 + static_cast<int64_t>(day_of_era) - 719468;
}

constexpr int64_t days_from_civil(const CivilDate& date) {
  return days_from_civil(date.year, date.month, date.day);
}

// The date of a day number (the inverse of days_from_civil).
constexpr CivilDate civil_from_days(int64_t days) {
  const int64_t z = days + 719468;
  const int64_t era = floor_div(z, 146097);
  const auto day_of_era = static_cast<unsigned>(z - era * 146097);
  const unsigned year_of_era =
      (day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146096) / 365;
  const unsigned day_of_year =
      day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
  const unsigned mp = (5 * day_of_year + 2) / 153;
  CivilDate date;
  date.day = day_of_year - (153 * mp + 2) / 5 + 1;
  date.month = mp < 10 ? mp + 3 : mp - 9;
  date.year = static_cast<int64_t>(year_of_era) + era * 400 + (date.month <= 2 ? 1 : 0);
  return date;
}

// ISO weekday of a day number: 1 = Monday .. 7 = Sunday (as COSEM counts; 1970-01-01 was a
// Thursday).
constexpr unsigned weekday_from_days(int64_t days) {
  return static_cast<unsigned>(days + 3 - floor_div(days + 3, 7) * 7) + 1;
}

static_assert(days_from_civil(1970, 1, 1) == 0);
static_assert(days_from_civil(2000, 3, 1) == 11017);
static_assert(civil_from_days(11017).month == 3 && civil_from_days(-1).year == 1969);
static_assert(weekday_from_days(0) == 4 && weekday_from_days(-4) == 7);

// "YYYY-MM-DD" as its day number; false when it is not such a date (2026-02-30 is not).
bool parse_iso_day(const char* text, size_t size, int64_t* day);

// --- Europe/Vienna -------------------------------------------------------------------------

// Is the instant inside summer time (CEST)?
bool vienna_summer_time_at(int64_t utc_seconds);
// 3600 or 7200: Vienna's offset from UTC at that instant.
int64_t vienna_offset_seconds(int64_t utc_seconds);

// An instant as Vienna reads it.
struct LocalTime {
  int64_t day = 0;             // day number of the local date
  CivilDate date;              // the local date
  int64_t second_of_day = 0;   // 0 .. 86399, seconds since local midnight on the wall clock
  int64_t offset_seconds = 0;  // 3600 or 7200
};
LocalTime vienna_local_time(int64_t utc_seconds);

// The local date (as a day number) an instant falls on.
int64_t vienna_local_day(int64_t utc_seconds);
// UTC instant of a local wall-clock time (seconds since 1970-01-01 00:00 local). A time in the
// hour skipped in March is read as winter time (it lands an hour later); in the hour repeated
// in October the first (summer time) occurrence is taken.
int64_t vienna_local_to_utc(int64_t local_seconds);
// UTC instant of local midnight starting `local_day`.
int64_t vienna_day_start_utc(int64_t local_day);
// 82800, 86400 or 90000: how long the local day is.
int64_t vienna_day_length_seconds(int64_t local_day);
// Months since year 0 (year * 12 + month - 1) of the local date of an instant.
int64_t vienna_month_index(int64_t utc_seconds);
// UTC instant of local midnight on the first day of a month index.
int64_t vienna_month_start_utc(int64_t month_index);

}  // namespace meter::core
