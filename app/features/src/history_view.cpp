// SPDX-License-Identifier: MIT
#include "meter/app/history_view.h"

#include <algorithm>
#include <map>
#include <span>

#include "meter/app/statistics.h"
#include "meter/core/civil_time.h"

namespace meter::app {
namespace {

static_assert(core::days_from_civil(2000, 1, 1) == kFirstHistoryDay);
static_assert(core::days_from_civil(2099, 12, 31) == kLastHistoryDay);

PeriodSpan make_span(HistoryPeriod period, std::int64_t first_day, std::int64_t last_day) {
  return {period, first_day, last_day, core::vienna_day_start_utc(first_day),
          core::vienna_day_start_utc(last_day + 1)};
}

// The buckets in [start - step, end) of buckets ordered by start: what energy_from_counters
// needs for that interval.
std::span<const CounterBucket> around(const std::vector<CounterBucket>& buckets, std::int64_t step,
                                      std::int64_t start, std::int64_t end) {
  const auto by_start = [](const CounterBucket& b, std::int64_t t) { return b.start < t; };
  const auto lo = std::lower_bound(buckets.begin(), buckets.end(), start - step, by_start);
  const auto hi = std::lower_bound(lo, buckets.end(), end, by_start);
  return {lo, hi};
}

OptionalValue add(const OptionalValue& sum, const OptionalValue& value) {
  if (!value) return sum;
  return sum.value_or(0) + *value;
}

// Intervals with boundaries `starts` (each interval's start, then the end of the last): a
// complete statistics row where there is one, history's counters in buckets of `step` for the
// others that have begun by now_s.
Outcome fill(HistoryQuery* history, std::int64_t step, const std::vector<std::int64_t>& starts,
             const std::vector<StatsRow>& rows, const std::string& meter, std::int64_t now_s,
             std::vector<IntervalEnergy>& out) {
  const std::size_t count = starts.size() - 1;
  std::map<std::int64_t, const StatsRow*> by_start;
  for (const StatsRow& row : rows) {
    if (row.complete) by_start[row.start] = &row;
  }
  out.assign(count, {});
  std::optional<std::size_t> first_missing;
  std::size_t last_missing = 0;
  for (std::size_t i = 0; i < count; ++i) {
    out[i] = {starts[i], starts[i + 1], std::nullopt, std::nullopt, false, EnergySource::kHistory};
    if (const auto it = by_start.find(starts[i]); it != by_start.end()) {
      const StatsRow& row = *it->second;
      out[i] = {starts[i],         starts[i + 1], row.energy_in_wh,
                row.energy_out_wh, !row.gap,      EnergySource::kStatistics};
    } else if (starts[i] <= now_s) {
      if (!first_missing) first_missing = i;
      last_missing = i;
    }
  }
  if (!first_missing || history == nullptr) return Outcome::success();
  std::vector<CounterBucket> buckets;
  const std::int64_t until = std::min(starts[last_missing + 1], now_s + 1);
  if (auto got = history->counters(meter, starts[*first_missing] - step, until, step, buckets);
      !got) {
    return Outcome::failure("history: " + got.error);
  }
  for (std::size_t i = *first_missing; i <= last_missing; ++i) {
    if (out[i].source == EnergySource::kStatistics) continue;
    out[i] = energy_from_counters(around(buckets, step, starts[i], starts[i + 1]), step, starts[i],
                                  starts[i + 1], now_s);
  }
  return Outcome::success();
}

std::vector<StatsRow> stats_rows(StatisticsStore* statistics, StatsInterval interval,
                                 const std::string& meter, std::int64_t from, std::int64_t until) {
  std::vector<StatsRow> rows;
  if (statistics != nullptr && !statistics->rows({interval, meter, from, until}, rows)) {
    rows.clear();  // history answers
  }
  return rows;
}

}  // namespace

const char* to_string(HistoryPeriod period) {
  switch (period) {
    case HistoryPeriod::kDay:
      return "day";
    case HistoryPeriod::kWeek:
      return "week";
    case HistoryPeriod::kMonth:
      return "month";
    case HistoryPeriod::kYear:
      return "year";
    case HistoryPeriod::kRange:
      return "range";
  }
  return "day";
}

std::optional<HistoryPeriod> parse_history_period(std::string_view text) {
  for (const HistoryPeriod p :
       {HistoryPeriod::kDay, HistoryPeriod::kWeek, HistoryPeriod::kMonth, HistoryPeriod::kYear}) {
    if (text == to_string(p)) return p;
  }
  return std::nullopt;
}

PeriodSpan period_span(HistoryPeriod period, std::int64_t local_day) {
  const core::CivilDate date = core::civil_from_days(local_day);
  switch (period) {
    case HistoryPeriod::kWeek: {
      const std::int64_t monday = local_day - (core::weekday_from_days(local_day) - 1);
      return make_span(period, monday, monday + 6);
    }
    case HistoryPeriod::kMonth: {
      const std::int64_t first = core::days_from_civil(date.year, date.month, 1);
      return make_span(period, first, first + core::days_in_month(date.year, date.month) - 1);
    }
    case HistoryPeriod::kYear:
      return make_span(period, core::days_from_civil(date.year, 1, 1),
                       core::days_from_civil(date.year, 12, 31));
    case HistoryPeriod::kDay:
    case HistoryPeriod::kRange:
      break;
  }
  return make_span(period, local_day, local_day);
}

PeriodSpan range_span(std::int64_t first_day, std::int64_t last_day) {
  return make_span(HistoryPeriod::kRange, first_day, last_day);
}

PeriodSpan previous_span(const PeriodSpan& span) {
  if (span.period != HistoryPeriod::kRange) return period_span(span.period, span.first_day - 1);
  const std::int64_t days = span.last_day - span.first_day + 1;
  return range_span(span.first_day - days, span.first_day - 1);
}

PeriodSpan next_span(const PeriodSpan& span) {
  if (span.period != HistoryPeriod::kRange) return period_span(span.period, span.last_day + 1);
  const std::int64_t days = span.last_day - span.first_day + 1;
  return range_span(span.last_day + 1, span.last_day + days);
}

HistoryView::HistoryView(HistoryQuery* history, StatisticsStore* statistics)
    : history_(history), statistics_(statistics) {}

Outcome HistoryView::days(const std::string& meter, std::int64_t first_day, std::int64_t last_day,
                          std::int64_t now_s, std::vector<IntervalEnergy>& out) const {
  std::vector<std::int64_t> starts;
  for (std::int64_t day = first_day; day <= last_day + 1; ++day) {
    starts.push_back(core::vienna_day_start_utc(day));
  }
  // Local midnights are whole hours in UTC: hourly counter buckets are enough for a day.
  return fill(history_, 3600, starts,
              stats_rows(statistics_, StatsInterval::kDay, meter, starts.front(), starts.back()),
              meter, now_s, out);
}

Outcome HistoryView::quarter_hours(const std::string& meter, const PeriodSpan& span,
                                   std::int64_t now_s, std::vector<IntervalEnergy>& out) const {
  std::vector<std::int64_t> starts;
  for (std::int64_t t = span.start; t <= span.end; t += kQuarterHourSeconds) starts.push_back(t);
  return fill(history_, kQuarterHourSeconds, starts,
              stats_rows(statistics_, StatsInterval::kQuarterHour, meter, span.start, span.end),
              meter, now_s, out);
}

Outcome HistoryView::energy(const std::string& meter, const PeriodSpan& span, std::int64_t now_s,
                            HistoryEnergy& out) const {
  out = {};
  out.span = span;
  std::vector<IntervalEnergy> energies;
  if (span.period == HistoryPeriod::kDay) {
    if (auto got = quarter_hours(meter, span, now_s, energies); !got) return got;
  } else if (auto got = days(meter, span.first_day, span.last_day, now_s, energies); !got) {
    return got;
  }
  if (span.period == HistoryPeriod::kYear) {
    // Months from their days: complete when every day is, from the statistics when every day is.
    std::vector<IntervalEnergy> months;
    for (std::size_t i = 0; i < energies.size(); ++i) {
      const IntervalEnergy& day = energies[i];
      const std::int64_t month = core::vienna_month_index(day.start);
      if (months.empty() || core::vienna_month_index(months.back().start) != month) {
        months.push_back({core::vienna_month_start_utc(month),
                          core::vienna_month_start_utc(month + 1), std::nullopt, std::nullopt, true,
                          EnergySource::kStatistics});
      }
      IntervalEnergy& m = months.back();
      m.in_wh = add(m.in_wh, day.in_wh);
      m.out_wh = add(m.out_wh, day.out_wh);
      m.complete = m.complete && day.complete;
      if (day.source == EnergySource::kHistory) m.source = EnergySource::kHistory;
    }
    energies = std::move(months);
  }
  out.complete = true;
  for (IntervalEnergy& e : energies) {
    HistoryInterval interval{e, e.start <= now_s && now_s < e.end};
    if (e.end > now_s) interval.energy.complete = false;  // it still grows, or has not begun
    out.complete = out.complete && interval.energy.complete;
    out.total_in_wh += e.in_wh.value_or(0);
    out.total_out_wh += e.out_wh.value_or(0);
    out.intervals.push_back(interval);
  }
  return Outcome::success();
}

Outcome HistoryView::power(const std::string& meter, const PeriodSpan& span, std::int64_t step_s,
                           std::vector<PowerPoint>& out) const {
  out.clear();
  if (history_ == nullptr) return Outcome::success();
  if (auto got = history_->power(meter, span.start, span.end, step_s, out); !got) {
    return Outcome::failure("history: " + got.error);
  }
  return Outcome::success();
}

Outcome HistoryView::phases(const std::string& meter, const PeriodSpan& span, std::int64_t step_s,
                            std::vector<PhasePoint>& out) const {
  out.clear();
  if (history_ == nullptr) return Outcome::success();
  if (auto got = history_->phases(meter, span.start, span.end, step_s, out); !got) {
    return Outcome::failure("history: " + got.error);
  }
  return Outcome::success();
}

Outcome HistoryView::peaks(const std::string& meter, const PeriodSpan& span, std::size_t count,
                           std::int64_t now_s, std::vector<HistoryInterval>& out) const {
  out.clear();
  std::vector<IntervalEnergy> quarters;
  if (auto got = quarter_hours(meter, span, now_s, quarters); !got) return got;
  std::erase_if(quarters, [](const IntervalEnergy& e) { return !e.in_wh; });
  std::stable_sort(
      quarters.begin(), quarters.end(),
      [](const IntervalEnergy& a, const IntervalEnergy& b) { return *a.in_wh > *b.in_wh; });
  for (std::size_t i = 0; i < quarters.size() && i < count; ++i) {
    HistoryInterval interval{quarters[i], quarters[i].start <= now_s && now_s < quarters[i].end};
    if (quarters[i].end > now_s) interval.energy.complete = false;
    out.push_back(interval);
  }
  return Outcome::success();
}

}  // namespace meter::app
