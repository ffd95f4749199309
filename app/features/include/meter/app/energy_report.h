// SPDX-License-Identifier: MIT
// The energy report of a meter: energy imported and exported per interval (today so far, Vienna
// local days, the quarter-hours of a month) and the month's peak quarter-hour, for the API, the
// dashboard and `smartmeter stats`. It reads the statistics tables where they have rows and
// history's counter buckets where they do not (today, before the first statistics update).
//
// Everything is an IntervalEnergy, so that a price per interval (a tariff's cost per
// quarter-hour) can be added beside the energy of the same interval.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "meter/app/history_query.h"
#include "meter/app/ports.h"
#include "meter/app/statistics.h"
#include "meter/app/statistics_store.h"

namespace meter::app {

// kOperator: the grid operator's billed value (its portal export, portalQuarterHour), shown
// where we have no reading of our own (app/cost: with_operator_values).
enum class EnergySource : std::uint8_t { kStatistics, kHistory, kOperator };
const char* to_string(EnergySource source);  // "statistics", "history", "operator"

// Energy in [start, end) (UTC epoch seconds). Complete: the value will not change any more
// (readings before and after the interval exist, no hole in it).
struct IntervalEnergy {
  std::int64_t start = 0;
  std::int64_t end = 0;
  OptionalValue in_wh, out_wh;
  bool complete = false;
  EnergySource source = EnergySource::kHistory;

  // Mean import power over the interval (W); 0 while the import is unknown.
  double mean_power_in_w() const;
};

struct DailyEnergy {
  std::vector<IntervalEnergy> days;  // oldest first, today last
  double total_in_wh = 0;            // of the days with a known value
  double total_out_wh = 0;
};

// The quarter-hours of a range from one source: the statistics tables' rows when they have any
// in the range, else the quarter-hours of history whose energy counters and predecessor's are
// known.
struct QuarterHourEnergy {
  EnergySource source = EnergySource::kHistory;
  std::vector<IntervalEnergy> quarter_hours;  // ordered by start
};

struct MonthlyPeakReport {
  std::int64_t month_start = 0;  // Vienna local month, UTC epoch seconds
  std::int64_t month_end = 0;
  EnergySource source = EnergySource::kHistory;
  std::size_t quarter_hours = 0;       // how many the peak was chosen from
  std::optional<IntervalEnergy> peak;  // none when no quarter-hour has an import
};

// Counter buckets of history (CounterBucket, aligned to `step`) -> energy in [start, end): the
// highest counter in the period minus the last one before it (the bucket just before `start`),
// or the lowest inside when that bucket is missing (then it is not complete). `now_s` tells
// whether the period is covered up to its end. Nullopt energies when no bucket lies inside.
IntervalEnergy energy_from_counters(std::span<const CounterBucket> buckets, std::int64_t step,
                                    std::int64_t start, std::int64_t end, std::int64_t now_s);

// The interval with the highest import; ties keep the earliest. Nullopt when none has one.
std::optional<IntervalEnergy> peak_of(std::span<const IntervalEnergy> intervals);

// A statistics query for Vienna local days first..last (day numbers, both included); an absent
// bound leaves that side open.
StatsQuery local_days_query(StatsInterval interval, std::string meter,
                            std::optional<std::int64_t> first_day,
                            std::optional<std::int64_t> last_day);

// CSV of monthly peaks with a header line: meter, month, start (UTC epoch), start_local,
// energy_in_wh, mean_power_w (what `smartmeter stats --peaks` prints).
std::string peaks_csv(std::span<const MonthlyPeak> peaks);

class EnergyReport {
 public:
  // Both ports are optional: without history only the statistics tables answer, without the
  // statistics tables only history. Neither is owned.
  EnergyReport(HistoryQuery* history, StatisticsStore* statistics);

  // Today's energy (from Vienna local midnight to now_s) from history, with the counters of
  // `latest` (the live reading, newer than the last stored row) when given. Nullopt when history
  // has no counters for today or cannot be read.
  std::optional<IntervalEnergy> today(const std::string& meter, std::int64_t now_s,
                                      const Reading* latest) const;

  // Energy of the last `days` Vienna local days up to today (included): from the statistics
  // tables up to their newest closed day, from history after it. Fails when history cannot be
  // read ("history: ...").
  Outcome daily(const std::string& meter, std::int64_t days, std::int64_t now_s,
                DailyEnergy& out) const;

  // Quarter-hours of [from, until) from one source (see QuarterHourEnergy); fails when history
  // is needed and cannot be read.
  Outcome quarter_hours(const std::string& meter, std::int64_t from, std::int64_t until,
                        QuarterHourEnergy& out) const;

  // The peak quarter-hour (import) of the Vienna local month starting at `month_start`.
  Outcome monthly_peak(const std::string& meter, std::int64_t month_start,
                       MonthlyPeakReport& out) const;

  // Stored statistics rows; fails when there are no statistics tables or they cannot be read
  // ("statistics: ...").
  Outcome statistics(const StatsQuery& query, std::vector<StatsRow>& out) const;
  // Each month's peak quarter-hour per meter, from the statistics tables' quarter-hours that
  // `query` selects (its interval is ignored).
  Outcome monthly_peaks(StatsQuery query, std::vector<MonthlyPeak>& out) const;

 private:
  HistoryQuery* history_;
  StatisticsStore* statistics_;
};

}  // namespace meter::app
