// SPDX-License-Identifier: MIT
#include "meter/app/energy_report.h"

#include <algorithm>
#include <limits>
#include <sstream>

#include "meter/core/civil_time.h"

namespace meter::app {
namespace {

OptionalValue lower(const OptionalValue& a, const OptionalValue& b) {
  return b && (!a || *b < *a) ? b : a;
}

OptionalValue higher(const OptionalValue& a, const OptionalValue& b) {
  return b && (!a || *b > *a) ? b : a;
}

// Counters only grow: a counter that went down (meter exchange) counts as no energy.
OptionalValue growth(const OptionalValue& base, const OptionalValue& top) {
  return base && top ? OptionalValue(std::max(0.0, *top - *base)) : std::nullopt;
}

IntervalEnergy from_row(const StatsRow& row) {
  return {row.start,
          row.end,
          row.energy_in_wh,
          row.energy_out_wh,
          row.complete && !row.gap,
          EnergySource::kStatistics};
}

// Rows of the statistics tables, or none when there are no tables or they cannot be read (then
// history answers).
std::vector<StatsRow> rows_or_none(StatisticsStore* statistics, const StatsQuery& query) {
  std::vector<StatsRow> rows;
  if (statistics != nullptr && !statistics->rows(query, rows)) rows.clear();
  return rows;
}

}  // namespace

const char* to_string(EnergySource source) {
  switch (source) {
    case EnergySource::kStatistics:
      return "statistics";
    case EnergySource::kHistory:
      return "history";
    case EnergySource::kOperator:
      return "operator";
  }
  return "history";
}

double IntervalEnergy::mean_power_in_w() const {
  if (!in_wh || end <= start) return 0;
  return *in_wh * (3600.0 / static_cast<double>(end - start));
}

IntervalEnergy energy_from_counters(std::span<const CounterBucket> buckets, std::int64_t step,
                                    std::int64_t start, std::int64_t end, std::int64_t now_s) {
  const CounterBucket* before = nullptr;
  OptionalValue low_in, low_out, high_in, high_out;
  std::int64_t last_start = std::numeric_limits<std::int64_t>::min();
  for (const CounterBucket& b : buckets) {
    if (b.start == start - step) before = &b;
    if (b.start < start || b.start >= end) continue;
    low_in = lower(low_in, b.energy_in_min);
    low_out = lower(low_out, b.energy_out_min);
    high_in = higher(high_in, b.energy_in_max);
    high_out = higher(high_out, b.energy_out_max);
    last_start = std::max(last_start, b.start);
  }
  IntervalEnergy out{start, end, std::nullopt, std::nullopt, false, EnergySource::kHistory};
  if (last_start == std::numeric_limits<std::int64_t>::min()) return out;
  out.in_wh = growth(before != nullptr ? before->energy_in_max : low_in, high_in);
  out.out_wh = growth(before != nullptr ? before->energy_out_max : low_out, high_out);
  const bool reaches_end = last_start + step >= std::min(end, now_s - step);
  out.complete = before != nullptr && reaches_end;
  return out;
}

std::optional<IntervalEnergy> peak_of(std::span<const IntervalEnergy> intervals) {
  std::optional<IntervalEnergy> best;
  for (const IntervalEnergy& e : intervals) {
    if (!e.in_wh) continue;
    if (!best || *e.in_wh > *best->in_wh || (*e.in_wh == *best->in_wh && e.start < best->start)) {
      best = e;
    }
  }
  return best;
}

StatsQuery local_days_query(StatsInterval interval, std::string meter,
                            std::optional<std::int64_t> first_day,
                            std::optional<std::int64_t> last_day) {
  StatsQuery query;
  query.interval = interval;
  query.meter = std::move(meter);
  if (first_day) query.from = core::vienna_day_start_utc(*first_day);
  if (last_day)
    query.until = core::vienna_day_start_utc(*last_day + 1);  // the last day is included
  return query;
}

std::string peaks_csv(std::span<const MonthlyPeak> peaks) {
  std::ostringstream out;
  out << "meter,month,start,start_local,energy_in_wh,mean_power_w\n";
  for (const MonthlyPeak& peak : peaks) {
    out << peak.meter << "," << peak.month << "," << peak.start << "," << vienna_iso(peak.start)
        << "," << peak.energy_in_wh << "," << peak.mean_power_w() << "\n";
  }
  return out.str();
}

EnergyReport::EnergyReport(HistoryQuery* history, StatisticsStore* statistics)
    : history_(history), statistics_(statistics) {}

std::optional<IntervalEnergy> EnergyReport::today(const std::string& meter, std::int64_t now_s,
                                                  const Reading* latest) const {
  if (history_ == nullptr) return std::nullopt;
  const std::int64_t midnight = core::vienna_day_start_utc(core::vienna_local_day(now_s));
  std::vector<CounterBucket> buckets;
  if (!history_->counters(meter, midnight - kQuarterHourSeconds, now_s + 1, kQuarterHourSeconds,
                          buckets)) {
    return std::nullopt;
  }
  if (latest != nullptr) {
    const auto in = (*latest)[core::Quantity::kEnergyImport];
    const auto out = (*latest)[core::Quantity::kEnergyExport];
    buckets.push_back(
        {core::floor_div(now_s, kQuarterHourSeconds) * kQuarterHourSeconds, 1, in, in, out, out});
  }
  IntervalEnergy energy =
      energy_from_counters(buckets, kQuarterHourSeconds, midnight, now_s + 1, now_s);
  if (!energy.in_wh && !energy.out_wh) return std::nullopt;
  return energy;
}

Outcome EnergyReport::daily(const std::string& meter, std::int64_t days, std::int64_t now_s,
                            DailyEnergy& out) const {
  out = {};
  const std::int64_t today = core::vienna_local_day(now_s);
  std::vector<std::int64_t> starts;  // each day's start, then the end of today
  for (std::int64_t day = today - days + 1; day <= today + 1; ++day) {
    starts.push_back(core::vienna_day_start_utc(day));
  }
  const std::size_t count = starts.size() - 1;

  // Statistics rows up to the newest closed one; history from the first day they do not close.
  const std::vector<StatsRow> stats =
      rows_or_none(statistics_, {StatsInterval::kDay, meter, starts.front(), starts.back()});
  std::vector<const StatsRow*> by_day(count, nullptr);
  std::size_t from_history = 0;
  for (const StatsRow& row : stats) {
    const auto it = std::find(starts.begin(), starts.end() - 1, row.start);
    if (it == starts.end() - 1) continue;
    const auto i = static_cast<std::size_t>(it - starts.begin());
    by_day[i] = &row;
    from_history = std::max(from_history, row.complete ? i + 1 : i);
  }
  std::vector<CounterBucket> buckets;
  if (history_ != nullptr && from_history < count) {
    if (auto got = history_->counters(meter, starts[from_history] - kQuarterHourSeconds, now_s + 1,
                                      kQuarterHourSeconds, buckets);
        !got) {
      return Outcome::failure("history: " + got.error);
    }
  }
  for (std::size_t i = 0; i < count; ++i) {
    IntervalEnergy e;
    if (i < from_history) {
      e = by_day[i] != nullptr
              ? from_row(*by_day[i])
              : IntervalEnergy{starts[i],    starts[i + 1], std::nullopt,
                               std::nullopt, false,         EnergySource::kStatistics};
    } else {
      e = energy_from_counters(buckets, kQuarterHourSeconds, starts[i], starts[i + 1], now_s);
    }
    // The day as the calendar has it, whatever the row says.
    e.start = starts[i];
    e.end = starts[i + 1];
    out.total_in_wh += e.in_wh.value_or(0);
    out.total_out_wh += e.out_wh.value_or(0);
    out.days.push_back(e);
  }
  return Outcome::success();
}

Outcome EnergyReport::quarter_hours(const std::string& meter, std::int64_t from, std::int64_t until,
                                    QuarterHourEnergy& out) const {
  out = {};
  const std::vector<StatsRow> stats =
      rows_or_none(statistics_, {StatsInterval::kQuarterHour, meter, from, until});
  if (!stats.empty()) {
    out.source = EnergySource::kStatistics;
    for (const StatsRow& row : stats) out.quarter_hours.push_back(from_row(row));
    return Outcome::success();
  }
  out.source = EnergySource::kHistory;
  if (history_ == nullptr) return Outcome::success();
  std::vector<CounterBucket> q;
  if (auto got =
          history_->counters(meter, from - kQuarterHourSeconds, until, kQuarterHourSeconds, q);
      !got) {
    return Outcome::failure("history: " + got.error);
  }
  // A quarter hour's energy is the counter at its end minus the one at its start, so only
  // quarter hours whose predecessor has readings count.
  for (std::size_t i = 1; i < q.size(); ++i) {
    if (q[i].start < from || q[i - 1].start != q[i].start - kQuarterHourSeconds) continue;
    if (!q[i].energy_in_max || !q[i - 1].energy_in_max) continue;
    out.quarter_hours.push_back({q[i].start, q[i].start + kQuarterHourSeconds,
                                 growth(q[i - 1].energy_in_max, q[i].energy_in_max),
                                 growth(q[i - 1].energy_out_max, q[i].energy_out_max),
                                 i + 1 < q.size(), EnergySource::kHistory});
  }
  return Outcome::success();
}

Outcome EnergyReport::monthly_peak(const std::string& meter, std::int64_t month_start,
                                   MonthlyPeakReport& out) const {
  out = {};
  out.month_start = month_start;
  out.month_end = core::vienna_month_start_utc(core::vienna_month_index(month_start) + 1);
  QuarterHourEnergy quarters;
  if (auto got = quarter_hours(meter, out.month_start, out.month_end, quarters); !got) return got;
  out.source = quarters.source;
  out.quarter_hours = quarters.quarter_hours.size();
  out.peak = peak_of(quarters.quarter_hours);
  return Outcome::success();
}

Outcome EnergyReport::statistics(const StatsQuery& query, std::vector<StatsRow>& out) const {
  out.clear();
  if (statistics_ == nullptr) return Outcome::failure("statistics are not available");
  return statistics_->rows(query, out);
}

Outcome EnergyReport::monthly_peaks(StatsQuery query, std::vector<MonthlyPeak>& out) const {
  out.clear();
  query.interval = StatsInterval::kQuarterHour;
  std::vector<StatsRow> rows;
  if (auto got = statistics(query, rows); !got) return got;
  out = app::monthly_peaks(rows);
  return Outcome::success();
}

}  // namespace meter::app
