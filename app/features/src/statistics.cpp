// SPDX-License-Identifier: MIT
#include "meter/app/statistics.h"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <map>

#include "meter/core/civil_time.h"

namespace meter::app {
namespace {

using core::Quantity;

struct Aggregate {
  double sum = 0;
  double min = 0;
  double max = 0;
  std::int64_t count = 0;

  void add(double value) {
    min = count == 0 ? value : std::min(min, value);
    max = count == 0 ? value : std::max(max, value);
    sum += value;
    ++count;
  }
  void write(OptionalValue& mean, OptionalValue& low, OptionalValue& high) const {
    if (count == 0) return;
    mean = sum / static_cast<double>(count);
    low = min;
    high = max;
  }
};

OptionalValue counter_delta(const OptionalValue& end, const OptionalValue& start) {
  if (!end || !start || *end < *start) return std::nullopt;
  return *end - *start;
}

std::string number(const OptionalValue& value) {
  if (!value) return {};
  char buffer[32];
  const auto [end, error] = std::to_chars(buffer, buffer + sizeof buffer, *value);
  return error == std::errc() ? std::string(buffer, end) : std::string();
}

}  // namespace

const char* to_string(StatsInterval interval) {
  return interval == StatsInterval::kDay ? "day" : "quarter-hour";
}

IntervalBounds interval_of(StatsInterval interval, std::int64_t utc_seconds) {
  if (interval == StatsInterval::kQuarterHour) {
    const std::int64_t start =
        core::floor_div(utc_seconds, kQuarterHourSeconds) * kQuarterHourSeconds;
    return {start, start + kQuarterHourSeconds};
  }
  const std::int64_t day = core::vienna_local_day(utc_seconds);
  return {core::vienna_day_start_utc(day), core::vienna_day_start_utc(day + 1)};
}

std::string vienna_iso(std::int64_t utc_seconds) {
  const core::LocalTime local = core::vienna_local_time(utc_seconds);
  const core::CivilDate& date = local.date;
  const std::int64_t second = local.second_of_day;
  const std::int64_t offset = local.offset_seconds;
  char text[128];
  (void)std::snprintf(text, sizeof text, "%04lld-%02u-%02uT%02lld:%02lld:%02lld+%02lld:00",
                      static_cast<long long>(date.year), date.month, date.day,
                      static_cast<long long>(second / 3600),
                      static_cast<long long>(second / 60 % 60), static_cast<long long>(second % 60),
                      static_cast<long long>(offset / 3600));
  return text;
}

std::vector<StatsRow> compute_statistics(std::span<const Reading> readings, StatsInterval interval,
                                         const StatsOptions& options, std::int64_t from,
                                         std::int64_t until) {
  std::vector<StatsRow> rows;
  if (readings.empty()) return rows;
  const std::int64_t newest = readings.back().timestamp;
  std::size_t next = 0;  // first reading not before the current interval
  const std::int64_t first = std::max(readings.front().timestamp, from);
  for (IntervalBounds bounds = interval_of(interval, first); bounds.start <= newest;
       bounds = interval_of(interval, bounds.end)) {
    while (next < readings.size() && readings[next].timestamp < bounds.start) ++next;
    if (bounds.start >= until) break;
    if (bounds.start < from) continue;  // only whole intervals starting inside [from, until)

    StatsRow row;
    row.meter = readings.front().meter;
    row.interval = interval;
    row.start = bounds.start;
    row.end = bounds.end;

    std::size_t last = next;  // one past the interval's last reading
    Aggregate power_in, power_out;
    while (last < readings.size() && readings[last].timestamp < bounds.end) {
      if (const auto& p = readings[last][Quantity::kPowerImport]) power_in.add(*p);
      if (const auto& p = readings[last][Quantity::kPowerExport]) power_out.add(*p);
      ++last;
    }
    row.samples = static_cast<std::int64_t>(last - next);
    if (row.samples == 0) continue;  // inside a hole: no row
    power_in.write(row.power_in_mean_w, row.power_in_min_w, row.power_in_max_w);
    power_out.write(row.power_out_mean_w, row.power_out_min_w, row.power_out_max_w);

    // Counter readings at the boundaries: the last reading at or before the start (if recent
    // enough) and the last at or before the end, so that consecutive intervals share one.
    const std::size_t at_start =
        readings[next].timestamp == bounds.start || next == 0 ? next : next - 1;
    const bool baseline_close = bounds.start - readings[at_start].timestamp <= options.max_gap_s;
    const Reading& baseline = baseline_close ? readings[at_start] : readings[next];
    const Reading& final_reading = last < readings.size() && readings[last].timestamp == bounds.end
                                       ? readings[last]
                                       : readings[last - 1];
    row.energy_in_wh =
        counter_delta(final_reading[Quantity::kEnergyImport], baseline[Quantity::kEnergyImport]);
    row.energy_out_wh =
        counter_delta(final_reading[Quantity::kEnergyExport], baseline[Quantity::kEnergyExport]);

    // Seconds between consecutive readings (at most max_gap_s apart) that overlap the interval:
    // the pairs from the one reaching in from before the start to the one reaching past the end.
    std::int64_t covered = 0;
    const std::size_t first_pair = next > 0 ? next - 1 : 0;
    for (std::size_t i = first_pair; i + 1 < readings.size(); ++i) {
      const std::int64_t a = readings[i].timestamp;
      const std::int64_t b = readings[i + 1].timestamp;
      if (a >= bounds.end) break;
      if (b - a > options.max_gap_s) continue;
      covered += std::max<std::int64_t>(0, std::min(b, bounds.end) - std::max(a, bounds.start));
    }
    const std::int64_t length = bounds.end - bounds.start;
    row.coverage = static_cast<double>(covered) / static_cast<double>(length);
    row.complete = newest >= bounds.end;
    row.gap = covered < std::min(bounds.end, newest) - bounds.start;
    rows.push_back(std::move(row));
  }
  return rows;
}

std::vector<MonthlyPeak> monthly_peaks(std::span<const StatsRow> quarter_hours) {
  std::map<std::pair<std::string, std::int64_t>, MonthlyPeak> peaks;
  for (const StatsRow& row : quarter_hours) {
    if (row.interval != StatsInterval::kQuarterHour || !row.energy_in_wh) continue;
    const std::int64_t month = core::vienna_month_index(row.start);
    auto [it, inserted] = peaks.try_emplace({row.meter, month});
    MonthlyPeak& peak = it->second;
    if (inserted || *row.energy_in_wh > peak.energy_in_wh ||
        (*row.energy_in_wh == peak.energy_in_wh && row.start < peak.start)) {
      char text[64];
      const std::int64_t month_of_year = month - core::floor_div(month, 12) * 12 + 1;
      (void)std::snprintf(text, sizeof text, "%04lld-%02lld",
                          static_cast<long long>(core::floor_div(month, 12)),
                          static_cast<long long>(month_of_year));
      peak = {row.meter, text, row.start, *row.energy_in_wh};
    }
  }
  std::vector<MonthlyPeak> out;
  out.reserve(peaks.size());
  for (auto& [key, peak] : peaks) out.push_back(std::move(peak));
  return out;
}

std::string stats_csv(std::span<const StatsRow> rows) {
  std::string out =
      "meter,interval,start,start_local,end,energy_in_wh,energy_out_wh,power_in_mean_w,"
      "power_in_min_w,power_in_max_w,power_out_mean_w,power_out_min_w,power_out_max_w,samples,"
      "coverage,gap,complete\n";
  for (const StatsRow& r : rows) {
    out += r.meter + "," + to_string(r.interval) + "," + std::to_string(r.start) + "," +
           vienna_iso(r.start) + "," + std::to_string(r.end);
    for (const OptionalValue* value :
         {&r.energy_in_wh, &r.energy_out_wh, &r.power_in_mean_w, &r.power_in_min_w,
          &r.power_in_max_w, &r.power_out_mean_w, &r.power_out_min_w, &r.power_out_max_w}) {
      out += "," + number(*value);
    }
    out += "," + std::to_string(r.samples) + "," + number(r.coverage) + "," + (r.gap ? "1" : "0") +
           "," + (r.complete ? "1" : "0") + "\n";
  }
  return out;
}

}  // namespace meter::app
