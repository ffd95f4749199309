// SPDX-License-Identifier: MIT
#include "meter/app/local_time.h"

#include <charconv>

#include "meter/core/cosem_datetime.h"

namespace meter::app {
namespace {

constexpr std::int64_t kSecondsPerDay = 86400;
constexpr std::int64_t kCet = 3600;
constexpr std::int64_t kCest = 7200;

}  // namespace

std::int64_t floor_div(std::int64_t value, std::int64_t divisor) {
  const std::int64_t quotient = value / divisor;
  return (value % divisor != 0 && (value < 0) != (divisor < 0)) ? quotient - 1 : quotient;
}

// Howard Hinnant's civil_from_days algorithm (the inverse of core::days_from_civil).
CivilDate civil_from_days(std::int64_t days) {
  const std::int64_t z = days + 719468;
  const std::int64_t era = floor_div(z, 146097);
  const auto day_of_era = static_cast<unsigned>(z - era * 146097);
  const unsigned year_of_era =
      (day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146096) / 365;
  const unsigned day_of_year =
      day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
  const unsigned mp = (5 * day_of_year + 2) / 153;
  CivilDate date;
  date.day = day_of_year - (153 * mp + 2) / 5 + 1;
  date.month = mp < 10 ? mp + 3 : mp - 9;
  date.year = static_cast<std::int64_t>(year_of_era) + era * 400 + (date.month <= 2 ? 1 : 0);
  return date;
}

std::int64_t days_from_date(const CivilDate& date) {
  return core::days_from_civil(date.year, date.month, date.day);
}

std::int64_t vienna_offset_seconds(std::int64_t utc_seconds) {
  return core::vienna_summer_time_at(utc_seconds) ? kCest : kCet;
}

std::int64_t vienna_local_day(std::int64_t utc_seconds) {
  return floor_div(utc_seconds + vienna_offset_seconds(utc_seconds), kSecondsPerDay);
}

std::int64_t vienna_local_to_utc(std::int64_t local_seconds) {
  const std::int64_t summer_candidate = local_seconds - kCest;
  return core::vienna_summer_time_at(summer_candidate) ? summer_candidate : local_seconds - kCet;
}

std::int64_t vienna_day_start_utc(std::int64_t local_day) {
  return vienna_local_to_utc(local_day * kSecondsPerDay);
}

std::int64_t vienna_month_index(std::int64_t utc_seconds) {
  const CivilDate date = civil_from_days(vienna_local_day(utc_seconds));
  return date.year * 12 + static_cast<std::int64_t>(date.month) - 1;
}

std::int64_t vienna_month_start_utc(std::int64_t month_index) {
  const CivilDate first{floor_div(month_index, 12),
                        static_cast<unsigned>(month_index - floor_div(month_index, 12) * 12 + 1),
                        1};
  return vienna_day_start_utc(days_from_date(first));
}

std::optional<std::int64_t> parse_day(std::string_view text) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return std::nullopt;
  int parts[3] = {};
  const std::size_t offsets[3] = {0, 5, 8};
  const std::size_t lengths[3] = {4, 2, 2};
  for (int i = 0; i < 3; ++i) {
    const char* begin = text.data() + offsets[i];
    const auto [end, error] = std::from_chars(begin, begin + lengths[i], parts[i]);
    if (error != std::errc() || end != begin + lengths[i]) return std::nullopt;
  }
  if (parts[1] < 1 || parts[1] > 12 || parts[2] < 1 || parts[2] > 31) return std::nullopt;
  const CivilDate date{parts[0], static_cast<unsigned>(parts[1]), static_cast<unsigned>(parts[2])};
  const std::int64_t days = days_from_date(date);
  // 2026-02-30 or 2025-02-29 would count on into the next month: not a date.
  const CivilDate back = civil_from_days(days);
  if (back.month != date.month || back.day != date.day) return std::nullopt;
  return days;
}

}  // namespace meter::app
