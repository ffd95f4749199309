// SPDX-License-Identifier: MIT
// What the service stores: one row per decoded telegram (a Reading), the raw telegram as it
// arrived (RawTelegram), and one row per meter per closed debounce bucket (DebouncedRow).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>

#include "meter/core/telegram.h"

namespace meter::app {

using OptionalValue = std::optional<double>;

// Columns of `history`: the original's (timestamp, WIn .. PF) plus what it lacked.
struct Reading {
  std::string meter;  // system title as 16 hex digits: identifies the meter
  std::uint32_t frame_counter = 0;
  std::int64_t timestamp = 0;  // meter time, UTC epoch seconds
  std::string meter_time;      // meter's local time, ISO 8601 with offset
  std::string meter_number;
  std::int64_t received_at_ms = 0;                           // server receive time, metadata only
  std::array<OptionalValue, core::kQuantityCount> values{};  // scaled; nullopt = not sent

  const OptionalValue& operator[](core::Quantity q) const {
    return values[static_cast<std::size_t>(q)];
  }
};

Reading make_reading(const core::Telegram& telegram, std::int64_t received_at_ms);

struct RawTelegram {
  std::int64_t received_at_ms = 0;
  std::string payload;  // as received (hex text)
  std::string meter;    // system title when it decoded, else empty
  std::string error;    // DecodeError name when it did not decode, else empty
  // Where the service's journal held it; with received_at_ms it identifies the telegram, so
  // a journal record written again after a crash is archived once.
  std::uint64_t journal_offset = 0;
};

// One row of `<table>Debounced`: the bucket [bucket_start, bucket_start + interval) of a meter.
// Energy counters are the last reading's in the bucket; power, voltage, current and power factor
// are means over the bucket's readings; min/max of power in/out; samples = readings in it.
struct DebouncedRow {
  std::string meter;
  std::int64_t bucket_start = 0;  // UTC epoch seconds, aligned to the interval
  std::int64_t samples = 0;
  std::array<OptionalValue, core::kQuantityCount> values{};
  OptionalValue power_in_min, power_in_max, power_out_min, power_out_max;
};

}  // namespace meter::app
