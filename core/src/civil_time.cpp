// SPDX-License-Identifier: MIT
#include "meter/core/civil_time.h"

namespace meter::core {
namespace {

constexpr int64_t kCet = 3600;
constexpr int64_t kCest = 7200;
constexpr int64_t kSwitchUtc = 3600;  // both switches happen at 01:00 UTC

// Day number of the last Sunday of `month`.
int64_t last_sunday(int64_t year, unsigned month) {
  const int64_t last = days_from_civil(year, month, days_in_month(year, month));
  return last - weekday_from_days(last) % 7;  // Sunday is 7: 0 days back
}

bool parse_digits(const char* text, size_t count, int* value) {
  int result = 0;
  for (size_t i = 0; i < count; ++i) {
    if (text[i] < '0' || text[i] > '9') return false;
    result = result * 10 + (text[i] - '0');
  }
  *value = result;
  return true;
}

}  // namespace

bool parse_iso_day(const char* text, size_t size, int64_t* day) {
  if (size != 10 || text[4] != '-' || text[7] != '-') return false;
  int year = 0;
  int month = 0;
  int day_of_month = 0;
  const bool negative = text[0] == '-';  // "-001-01-01": a year before 1 (parses, as it did)
  if (!parse_digits(text + (negative ? 1 : 0), negative ? 3 : 4, &year) ||
      !parse_digits(text + 5, 2, &month) || !parse_digits(text + 8, 2, &day_of_month)) {
    return false;
  }
  if (negative) year = -year;
  if (month < 1 || month > 12 || day_of_month < 1 ||
      static_cast<unsigned>(day_of_month) > days_in_month(year, static_cast<unsigned>(month))) {
    return false;
  }
  *day = days_from_civil(year, static_cast<unsigned>(month), static_cast<unsigned>(day_of_month));
  return true;
}

bool vienna_summer_time_at(int64_t utc_seconds) {
  const int64_t year = civil_from_days(floor_div(utc_seconds, kSecondsPerDay)).year;
  const int64_t begin = last_sunday(year, 3) * kSecondsPerDay + kSwitchUtc;
  const int64_t end = last_sunday(year, 10) * kSecondsPerDay + kSwitchUtc;
  return utc_seconds >= begin && utc_seconds < end;
}

int64_t vienna_offset_seconds(int64_t utc_seconds) {
  return vienna_summer_time_at(utc_seconds) ? kCest : kCet;
}

LocalTime vienna_local_time(int64_t utc_seconds) {
  LocalTime local;
  local.offset_seconds = vienna_offset_seconds(utc_seconds);
  const int64_t wall = utc_seconds + local.offset_seconds;
  local.day = floor_div(wall, kSecondsPerDay);
  local.second_of_day = wall - local.day * kSecondsPerDay;
  local.date = civil_from_days(local.day);
  return local;
}

int64_t vienna_local_day(int64_t utc_seconds) {
  return floor_div(utc_seconds + vienna_offset_seconds(utc_seconds), kSecondsPerDay);
}

int64_t vienna_local_to_utc(int64_t local_seconds) {
  const int64_t summer_candidate = local_seconds - kCest;
  return vienna_summer_time_at(summer_candidate) ? summer_candidate : local_seconds - kCet;
}

int64_t vienna_day_start_utc(int64_t local_day) {
  return vienna_local_to_utc(local_day * kSecondsPerDay);
}

int64_t vienna_day_length_seconds(int64_t local_day) {
  return vienna_day_start_utc(local_day + 1) - vienna_day_start_utc(local_day);
}

int64_t vienna_month_index(int64_t utc_seconds) {
  const CivilDate date = civil_from_days(vienna_local_day(utc_seconds));
  return date.year * 12 + static_cast<int64_t>(date.month) - 1;
}

int64_t vienna_month_start_utc(int64_t month_index) {
  const int64_t year = floor_div(month_index, 12);
  const auto month = static_cast<unsigned>(month_index - year * 12 + 1);
  return vienna_day_start_utc(days_from_civil(year, month, 1));
}

}  // namespace meter::core
