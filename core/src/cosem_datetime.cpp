// SPDX-License-Identifier: MIT
#include "meter/core/cosem_datetime.h"

#include <algorithm>
#include <cstdio>

namespace meter::core {
namespace {

std::int64_t local_seconds(const CosemDateTime& t) {
  return days_from_civil(t.year, t.month, t.day) * kSecondsPerDay + t.hour * 3600 + t.minute * 60 +
         t.second;
}

}  // namespace

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

std::size_t CosemDateTime::write_iso_local(char* text) const {
  const std::int32_t offset = utc_offset_min();
  const char sign = offset < 0 ? '-' : '+';
  const std::int32_t magnitude = offset < 0 ? -offset : offset;
  if (year > 9999 || magnitude / 60 > 99) {
    const int written =
        std::snprintf(text, kIsoLocalMaxChars, "%04u-%02u-%02uT%02u:%02u:%02u%c%02d:%02d",
                      unsigned{year}, unsigned{month}, unsigned{day}, unsigned{hour},
                      unsigned{minute}, unsigned{second}, sign, magnitude / 60, magnitude % 60);
    return written < 0
               ? 0
               : std::min<std::size_t>(static_cast<std::size_t>(written), kIsoLocalMaxChars - 1);
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
  return static_cast<std::size_t>(out - text);
}

std::string CosemDateTime::to_iso_local() const {
  char text[kIsoLocalMaxChars];
  return {text, write_iso_local(text)};
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
