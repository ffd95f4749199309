// SPDX-License-Identifier: MIT
// COSEM date-time (IEC 62056-62, 12 bytes) and its conversion to UTC epoch seconds.
//
//   year(2) month day weekday hour minute second hundredths deviation(int16, minutes) status
//   e.g. 07E5 09 1B 01 09 2F 0F 00 FF88 80 = 2021-09-27 09:47:15, deviation -120, DST active
//
// UTC = local + deviation (EVN sends -120 in summer, -60 in winter). Deviation 0x8000 means "not
// specified": the time is then read as Europe/Vienna local time (civil_time.h).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "meter/core/civil_time.h"  // days_from_civil, vienna_summer_time_at
#include "meter/core/result.h"

namespace meter::core {

inline constexpr std::int16_t kDeviationUnspecified = INT16_MIN;  // 0x8000 on the wire
inline constexpr std::uint8_t kClockStatusDaylightSaving = 0x80;

struct CosemDateTime {
  std::uint16_t year = 0;
  std::uint8_t month = 0;
  std::uint8_t day = 0;
  std::uint8_t weekday = 0xFF;
  std::uint8_t hour = 0;
  std::uint8_t minute = 0;
  std::uint8_t second = 0;
  std::uint8_t hundredths = 0xFF;
  std::int16_t deviation_min = kDeviationUnspecified;
  std::uint8_t clock_status = 0xFF;

  bool has_deviation() const { return deviation_min != kDeviationUnspecified; }
  // Offset of the local time from UTC in minutes (+120 for CEST), as used for the epoch.
  std::int32_t utc_offset_min() const;
  std::int64_t to_utc_epoch() const;
  // "2021-09-27T09:47:15+02:00" (the offset the epoch conversion used).
  std::string to_iso_local() const;
  // The same text written to `out` (at least kIsoLocalMaxChars); returns its length.
  static constexpr std::size_t kIsoLocalMaxChars = 40;
  std::size_t write_iso_local(char* out) const;
};

// Parses and validates the 12 bytes; kBadDateTime (at the offending byte) for a time that is
// not fully specified or out of range. Years outside 2000..2099 are rejected as implausible.
Result<CosemDateTime> parse_cosem_datetime(std::span<const std::uint8_t> bytes,
                                           std::size_t base_offset = 0);

}  // namespace meter::core
