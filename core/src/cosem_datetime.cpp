// SPDX-License-Identifier: MIT
#include "meter/core/cosem_datetime.h"

#include <cstdio>

namespace meter::core {
namespace {

constexpr std::int64_t kSecondsPerDay = 86400;

bool is_leap(unsigned year) { return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0; }

unsigned days_in_month(unsigned year, unsigned month) {
  static constexpr unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return month == 2 && is_leap(year) ? 29 : kDays[month - 1];
}

// Day of month of the last Sunday of `month`.
unsigned last_sunday(unsigned year, unsigned month) {
  const unsigned last = days_in_month(year, month);
  const std::int64_t days = days_from_civil(year, month, last);
  const auto weekday = static_cast<unsigned>(((days % 7) + 11) % 7);  // 0 = Sunday (1970-01-01 Thu)
  return last - weekday;
}

std::int64_t local_seconds(const CosemDateTime& t) {
  return days_from_civil(t.year, t.month, t.day) * kSecondsPerDay + t.hour * 3600 + t.minute * 60 +
         t.second;
}

}  // namespace

bool vienna_summer_time_at(std::int64_t utc_epoch) {
  const std::int64_t days = utc_epoch >= 0 ? utc_epoch / kSecondsPerDay
                                           : (utc_epoch - kSecondsPerDay + 1) / kSecondsPerDay;
  // Year of `days` (civil_from_days, reduced to the year).
  const std::int64_t z = days + 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto day_of_era = static_cast<unsigned>(z - era * 146097);
  const unsigned year_of_era =
      (day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146096) / 365;
  const unsigned day_of_year =
      day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
  const unsigned mp = (5 * day_of_year + 2) / 153;
  const unsigned month = mp < 10 ? mp + 3 : mp - 9;
  const auto year = static_cast<unsigned>(static_cast<std::int64_t>(year_of_era) + era * 400 +
                                          (month <= 2 ? 1 : 0));
  const std::int64_t begin = days_from_civil(year, 3, last_sunday(year, 3)) * kSecondsPerDay + 3600;
  const std::int64_t end = days_from_civil(year, 10, last_sunday(year, 10)) * kSecondsPerDay + 3600;
  return utc_epoch >= begin && utc_epoch < end;
}

std::int32_t CosemDateTime::utc_offset_min() const {
  if (has_deviation()) return -deviation_min;
  // Europe/Vienna: CEST (+120) when that reading of the local time falls in summer time.
  const std::int64_t local = local_seconds(*this);
  const bool summer_reading = vienna_summer_time_at(local - 7200);
  const bool winter_reading = !vienna_summer_time_at(local - 3600);
  if (summer_reading && winter_reading) {
    // The repeated hour in October: the clock status tells which one, if it says anything.
    return clock_status != 0xFF && (clock_status & kClockStatusDaylightSaving) != 0 ? 120 : 60;
  }
  return summer_reading ? 120 : 60;
}

std::int64_t CosemDateTime::to_utc_epoch() const {
  return local_seconds(*this) - static_cast<std::int64_t>(utc_offset_min()) * 60;
}

std::string CosemDateTime::to_iso_local() const {
  const std::int32_t offset = utc_offset_min();
  const char sign = offset < 0 ? '-' : '+';
  const std::int32_t magnitude = offset < 0 ? -offset : offset;
  char text[40];
  if (year > 9999 || magnitude / 60 > 99) {
    (void)std::snprintf(text, sizeof text, "%04u-%02u-%02uT%02u:%02u:%02u%c%02d:%02d",
                        unsigned{year}, unsigned{month}, unsigned{day}, unsigned{hour},
                        unsigned{minute}, unsigned{second}, sign, magnitude / 60, magnitude % 60);
    return text;
  }
  // The common case without printf (it runs for every telegram the service publishes).
  char* out = text;
  const auto digits = [&out](unsigned value, int count) {
    for (int i = count - 1; i >= 0; --i) {
      out[i] = static_cast<char>('0' + value % 10);
      value /= 10;
    }
    out += count;
  };
  const auto put = [&out](char c) { *out++ = c; };
  digits(year, 4);
  put('-');
  digits(month, 2);
  put('-');
  digits(day, 2);
  put('T');
  digits(hour, 2);
  put(':');
  digits(minute, 2);
  put(':');
  digits(second, 2);
  put(sign);
  digits(static_cast<unsigned>(magnitude / 60), 2);
  put(':');
  digits(static_cast<unsigned>(magnitude % 60), 2);
  return std::string(text, out);
}

Result<CosemDateTime> parse_cosem_datetime(std::span<const std::uint8_t> bytes,
                                           std::size_t base_offset) {
  auto bad = [&](std::size_t at) {
    return failure_at(DecodeError::kBadDateTime, base_offset + at);
  };
  if (bytes.size() != 12) return bad(0);
  CosemDateTime t;
  t.year = static_cast<std::uint16_t>(bytes[0] << 8 | bytes[1]);
  t.month = bytes[2];
  t.day = bytes[3];
  t.weekday = bytes[4];
  t.hour = bytes[5];
  t.minute = bytes[6];
  t.second = bytes[7];
  t.hundredths = bytes[8];
  t.deviation_min =
      static_cast<std::int16_t>(static_cast<std::uint16_t>(bytes[9] << 8 | bytes[10]));
  t.clock_status = bytes[11];

  if (t.year < 2000 || t.year > 2099) return bad(0);
  if (t.month < 1 || t.month > 12) return bad(2);
  if (t.day < 1 || t.day > days_in_month(t.year, t.month)) return bad(3);
  if (t.weekday != 0xFF && (t.weekday < 1 || t.weekday > 7)) return bad(4);
  if (t.hour > 23) return bad(5);
  if (t.minute > 59) return bad(6);
  if (t.second > 59) return bad(7);
  if (t.hundredths != 0xFF && t.hundredths > 99) return bad(8);
  if (t.has_deviation() && (t.deviation_min < -900 || t.deviation_min > 900)) return bad(9);
  return t;
}

}  // namespace meter::core
