// SPDX-License-Identifier: MIT
// Quarter-hour (the Austrian billing interval) and daily statistics of one meter, computed from
// its readings (history rows) ordered by meter time. Pure: no I/O, no clock.
//
// Intervals: quarter-hours are [k * 900, (k + 1) * 900) in UTC seconds, which are also Vienna's
// local quarter-hours (the offsets are whole hours). Days are Europe/Vienna local days, from
// local midnight to local midnight: 23 h on the last Sunday of March, 25 h on the last Sunday of
// October, else 24 h.
//
// Energy is a counter delta: WIn/WOut of the last reading at or before the interval's end minus
// the baseline, the last reading at or before its start if that lies at most `max_gap_s` before
// the start, else the interval's first reading. Consecutive intervals thus share their boundary
// reading and add up exactly to the counter difference (the energy between two readings counts
// in the interval where the later one lies; a reading exactly on a boundary closes one interval
// and opens the next). After a hole the energy before the first reading is unknown: it is left
// out and the row is flagged as a gap (the counters of the next day still include it).
// A counter that goes down (meter exchange) gives no energy (null) for that interval.
//
// Power: mean, minimum and maximum of PIn and POut over the readings inside the interval.
// Coverage: the fraction of the interval's seconds lying between two consecutive readings at
// most `max_gap_s` apart. Gap: some second of the interval up to the newest reading is not
// covered (a hole, the start of the data, or a partial interval after a hole). Complete: a
// reading at or after the interval's end exists, so the row will not change any more.
#pragma once

#include <cstdint>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "meter/app/reading.h"

namespace meter::app {

enum class StatsInterval : std::uint8_t { kQuarterHour, kDay };

inline constexpr std::int64_t kQuarterHourSeconds = 900;

const char* to_string(StatsInterval interval);  // "quarter-hour", "day"

struct StatsOptions {
  std::int64_t max_gap_s = 60;  // readings further apart than this leave a hole (meters: 5 s)
};

struct StatsRow {
  std::string meter;
  StatsInterval interval = StatsInterval::kQuarterHour;
  std::int64_t start = 0;  // UTC epoch seconds
  std::int64_t end = 0;    // exclusive
  OptionalValue energy_in_wh;
  OptionalValue energy_out_wh;
  OptionalValue power_in_mean_w, power_in_min_w, power_in_max_w;
  OptionalValue power_out_mean_w, power_out_min_w, power_out_max_w;
  std::int64_t samples = 0;
  double coverage = 0;  // 0..1
  bool gap = false;
  bool complete = false;

  friend bool operator==(const StatsRow&, const StatsRow&) = default;
};

// The interval containing a UTC instant: [start, end).
struct IntervalBounds {
  std::int64_t start = 0;
  std::int64_t end = 0;
};
IntervalBounds interval_of(StatsInterval interval, std::int64_t utc_seconds);

// "2026-03-29T00:00:00+01:00": the start as Vienna local time with its offset.
std::string vienna_iso(std::int64_t utc_seconds);

// Rows for the intervals that hold at least one reading (none inside a hole; the rows around it
// are flagged as gaps), keeping those whose start lies in [from, until). `readings` are one
// meter's, ordered by timestamp; include the readings up to max_gap_s before `from` and after
// `until` for exact baselines and coverage at the edges.
std::vector<StatsRow> compute_statistics(
    std::span<const Reading> readings, StatsInterval interval, const StatsOptions& options = {},
    std::int64_t from = std::numeric_limits<std::int64_t>::min(),
    std::int64_t until = std::numeric_limits<std::int64_t>::max());

// The highest-energy quarter-hour of each Vienna local month (import): what grid tariffs with a
// demand charge bill. Ties keep the earliest quarter-hour.
struct MonthlyPeak {
  std::string meter;
  std::string month;  // "2026-03" (local)
  std::int64_t start = 0;
  double energy_in_wh = 0;
  double mean_power_w() const { return energy_in_wh * 4; }  // Wh per quarter-hour -> W
};

// `quarter_hours` of any meters, in any order; one result per meter and month with energy.
std::vector<MonthlyPeak> monthly_peaks(std::span<const StatsRow> quarter_hours);

// CSV with a header line: meter, interval, start (UTC epoch), start_local, end, energy and power
// columns (empty = unknown), samples, coverage, gap, complete.
std::string stats_csv(std::span<const StatsRow> rows);
// The JSON array with the same fields: json::stats_json (the json adapter).

}  // namespace meter::app
