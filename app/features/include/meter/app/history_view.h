// SPDX-License-Identifier: MIT
// The history view of a meter: a Vienna local day, ISO week (Monday to Sunday), month or year,
// and what the dashboard shows for it: energy per interval (a day's quarter-hours, a week's or
// month's days, a year's months) with complete and "so far" flags, the power curve and the
// per-phase voltage and current of a day, and a month's highest quarter-hours. Energy comes from
// the statistics tables where they have rows and from history's counters where they do not, as
// in the energy report (energy_report.h). All times are UTC epoch seconds; day numbers count
// local days since 1970-01-01 (meter/core/civil_time.h), so a day is 23, 24 or 25 hours long and
// has 92, 96 or 100 quarter-hours.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "meter/app/energy_report.h"
#include "meter/app/history_query.h"
#include "meter/app/ports.h"
#include "meter/app/statistics_store.h"

namespace meter::app {

enum class HistoryPeriod : std::uint8_t { kDay, kWeek, kMonth, kYear, kRange };
const char* to_string(HistoryPeriod period);  // "day", "week", "month", "year", "range"
// "day", "week", "month", "year"; nullopt for anything else ("range" is made by range_span).
std::optional<HistoryPeriod> parse_history_period(std::string_view text);

// The dates a history view may show: 2000-01-01 to 2099-12-31, and a free range of days of at
// most kMaxRangeDays (beyond that a view would read years of history at once).
inline constexpr std::int64_t kFirstHistoryDay = 10957;  // 2000-01-01
inline constexpr std::int64_t kLastHistoryDay = 47481;   // 2099-12-31
inline constexpr std::int64_t kMaxRangeDays = 400;

struct PeriodSpan {
  HistoryPeriod period = HistoryPeriod::kDay;
  std::int64_t first_day = 0;  // local day numbers, both included
  std::int64_t last_day = 0;
  std::int64_t start = 0;  // local midnight of first_day
  std::int64_t end = 0;    // local midnight after last_day
};

// The day, week, month or year holding `local_day`.
PeriodSpan period_span(HistoryPeriod period, std::int64_t local_day);
// Local days first..last as one view of days (kRange).
PeriodSpan range_span(std::int64_t first_day, std::int64_t last_day);
// The period just before it: for a range, as many days ending the day before.
PeriodSpan previous_span(const PeriodSpan& span);
PeriodSpan next_span(const PeriodSpan& span);

// One interval of a view. `so_far`: it holds `now` (its energy will still grow); intervals that
// begin after `now` have no energy.
struct HistoryInterval {
  IntervalEnergy energy;
  bool so_far = false;
};

struct HistoryEnergy {
  PeriodSpan span;
  std::vector<HistoryInterval> intervals;  // every interval of the period, in order
  double total_in_wh = 0;                  // of the intervals with a known value
  double total_out_wh = 0;
  bool complete = false;  // every interval complete
};

class HistoryView {
 public:
  // Both ports are optional (see EnergyReport); neither is owned.
  HistoryView(HistoryQuery* history, StatisticsStore* statistics);

  // Energy per interval of `span`: quarter-hours for a day, days for a week, month or range,
  // months for a year. Fails when history is needed and cannot be read ("history: ...").
  Outcome energy(const std::string& meter, const PeriodSpan& span, std::int64_t now_s,
                 HistoryEnergy& out) const;
  // Power (mean and highest import and export) in buckets of step_s over the span.
  Outcome power(const std::string& meter, const PeriodSpan& span, std::int64_t step_s,
                std::vector<PowerPoint>& out) const;
  // Per-phase mean voltage and current in buckets of step_s over the span.
  Outcome phases(const std::string& meter, const PeriodSpan& span, std::int64_t step_s,
                 std::vector<PhasePoint>& out) const;
  // The `count` quarter-hours of highest import in the span, highest first (ties: earliest).
  Outcome peaks(const std::string& meter, const PeriodSpan& span, std::size_t count,
                std::int64_t now_s, std::vector<HistoryInterval>& out) const;

 private:
  // Days first..last: statistics rows where they have them, history's counters for the rest.
  Outcome days(const std::string& meter, std::int64_t first_day, std::int64_t last_day,
               std::int64_t now_s, std::vector<IntervalEnergy>& out) const;
  Outcome quarter_hours(const std::string& meter, const PeriodSpan& span, std::int64_t now_s,
                        std::vector<IntervalEnergy>& out) const;

  HistoryQuery* history_;
  StatisticsStore* statistics_;
};

}  // namespace meter::app
