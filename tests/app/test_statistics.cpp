// SPDX-License-Identifier: MIT
#include "meter/app/statistics.h"

#include <gtest/gtest.h>

#include <functional>
#include <nlohmann/json.hpp>

#include "meter/core/civil_time.h"
#include "meter/json/stats_json.h"

namespace meter::app {
namespace {

using core::Quantity;

constexpr const char* kMeter = "53414764D2E62AE3";

std::int64_t local_midnight(std::int64_t year, unsigned month, unsigned day) {
  return core::vienna_day_start_utc(core::days_from_civil(year, month, day));
}

Reading reading(std::int64_t t, double win, double wout, double pin, double pout) {
  Reading r;
  r.meter = kMeter;
  r.timestamp = t;
  r.values[static_cast<std::size_t>(Quantity::kEnergyImport)] = win;
  r.values[static_cast<std::size_t>(Quantity::kEnergyExport)] = wout;
  r.values[static_cast<std::size_t>(Quantity::kPowerImport)] = pin;
  r.values[static_cast<std::size_t>(Quantity::kPowerExport)] = pout;
  return r;
}

// A reading every `step_s` from `from` to `until` (inclusive) with import power `power(t)`,
// integrated into WIn (no export).
std::vector<Reading> series(std::int64_t from, std::int64_t until, std::int64_t step_s,
                            const std::function<double(std::int64_t)>& power,
                            double start_wh = 1'000'000) {
  std::vector<Reading> out;
  double energy = start_wh;
  for (std::int64_t t = from; t <= until; t += step_s) {
    const double p = power(t);
    if (!out.empty()) energy += p * static_cast<double>(step_s) / 3600;
    out.push_back(reading(t, energy, 0, p, 0));
  }
  return out;
}

double constant_kw(std::int64_t) { return 1000; }

TEST(Statistics, DaysAreViennaLocalDaysOf24Hours) {
  const std::int64_t day = local_midnight(2026, 6, 10);
  const auto readings = series(day - 3600, day + 86400 + 3600, 10, constant_kw);
  const auto rows = compute_statistics(readings, StatsInterval::kDay);
  ASSERT_EQ(rows.size(), 3U);
  const StatsRow& full = rows[1];
  EXPECT_EQ(full.start, day);
  EXPECT_EQ(full.end - full.start, 86400);
  EXPECT_EQ(vienna_iso(full.start), "2026-06-10T00:00:00+02:00");
  EXPECT_NEAR(*full.energy_in_wh, 24000, 1e-6);
  EXPECT_EQ(*full.energy_out_wh, 0);
  EXPECT_EQ(*full.power_in_mean_w, 1000);
  EXPECT_EQ(full.samples, 8640);
  EXPECT_DOUBLE_EQ(full.coverage, 1.0);
  EXPECT_FALSE(full.gap);
  EXPECT_TRUE(full.complete);
  // The partial days at both ends of the data: gaps, and the last one still open.
  EXPECT_TRUE(rows[0].gap);
  EXPECT_NEAR(rows[0].coverage, 3600.0 / 86400, 1e-9);
  EXPECT_FALSE(rows[2].complete);
}

TEST(Statistics, MarchSwitchGivesA23HourDayAnd92QuarterHours) {
  const std::int64_t day = local_midnight(2026, 3, 29);
  const std::int64_t next = local_midnight(2026, 3, 30);
  EXPECT_EQ(next - day, 23 * 3600);
  const auto readings = series(day - 600, next + 600, 5, constant_kw);

  const auto days = compute_statistics(readings, StatsInterval::kDay);
  ASSERT_EQ(days.size(), 3U);
  EXPECT_EQ(vienna_iso(days[1].start), "2026-03-29T00:00:00+01:00");
  EXPECT_EQ(vienna_iso(days[1].end), "2026-03-30T00:00:00+02:00");
  EXPECT_NEAR(*days[1].energy_in_wh, 23000, 1e-6);
  EXPECT_DOUBLE_EQ(days[1].coverage, 1.0);
  EXPECT_FALSE(days[1].gap);

  const auto quarters = compute_statistics(readings, StatsInterval::kQuarterHour, {}, day, next);
  ASSERT_EQ(quarters.size(), 92U);
  double sum = 0;
  for (const StatsRow& q : quarters) {
    EXPECT_EQ(q.end - q.start, 900);
    EXPECT_NEAR(*q.energy_in_wh, 250, 1e-6) << vienna_iso(q.start);
    EXPECT_EQ(q.samples, 180);
    sum += *q.energy_in_wh;
  }
  EXPECT_NEAR(sum, *days[1].energy_in_wh, 1e-6);  // quarter-hours add up to the day
  // 01:45 CET is followed by 03:00 CEST.
  EXPECT_EQ(vienna_iso(quarters[7].start), "2026-03-29T01:45:00+01:00");
  EXPECT_EQ(vienna_iso(quarters[8].start), "2026-03-29T03:00:00+02:00");
}

TEST(Statistics, OctoberSwitchGivesA25HourDayAnd100QuarterHours) {
  const std::int64_t day = local_midnight(2026, 10, 25);
  const std::int64_t next = local_midnight(2026, 10, 26);
  EXPECT_EQ(next - day, 25 * 3600);
  const auto readings = series(day - 600, next + 600, 5, constant_kw);

  const auto days = compute_statistics(readings, StatsInterval::kDay, {}, day, next);
  ASSERT_EQ(days.size(), 1U);
  EXPECT_EQ(vienna_iso(days[0].start), "2026-10-25T00:00:00+02:00");
  EXPECT_EQ(vienna_iso(days[0].end), "2026-10-26T00:00:00+01:00");
  EXPECT_NEAR(*days[0].energy_in_wh, 25000, 1e-6);
  EXPECT_EQ(days[0].samples, 25 * 720);

  const auto quarters = compute_statistics(readings, StatsInterval::kQuarterHour, {}, day, next);
  ASSERT_EQ(quarters.size(), 100U);
  // The hour from 02:00 to 03:00 comes twice: first in summer time, then in winter time.
  EXPECT_EQ(vienna_iso(quarters[8].start), "2026-10-25T02:00:00+02:00");
  EXPECT_EQ(vienna_iso(quarters[12].start), "2026-10-25T02:00:00+01:00");
  for (const StatsRow& q : quarters) EXPECT_NEAR(*q.energy_in_wh, 250, 1e-6);
}

TEST(Statistics, AHoleIsFlaggedAndItsEnergyStaysOutOfTheQuarterHours) {
  const std::int64_t day = local_midnight(2026, 5, 4);
  const std::int64_t hole_from = day + 10 * 3600 + 7 * 60;  // 10:07 local
  const std::int64_t hole_to = day + 10 * 3600 + 38 * 60;   // 10:38
  auto readings = series(day - 60, day + 86400 + 60, 10, constant_kw);
  std::erase_if(readings,
                [&](const Reading& r) { return r.timestamp > hole_from && r.timestamp < hole_to; });

  const auto quarters =
      compute_statistics(readings, StatsInterval::kQuarterHour, {}, day, day + 86400);
  // 10:15-10:30 had no reading at all: no row.
  ASSERT_EQ(quarters.size(), 95U);
  auto at = [&](int hour, int minute) -> const StatsRow& {
    const std::int64_t start = day + hour * 3600 + minute * 60;
    for (const StatsRow& q : quarters) {
      if (q.start == start) return q;
    }
    static const StatsRow kNone;
    ADD_FAILURE() << "no row at " << hour << ":" << minute;
    return kNone;
  };
  const StatsRow& before = at(10, 0);
  EXPECT_TRUE(before.gap);
  EXPECT_NEAR(before.coverage, 7.0 / 15, 1e-9);
  EXPECT_NEAR(*before.energy_in_wh, 1000.0 * 7 / 60, 1e-6);  // 10:00 to the last reading, 10:07
  const StatsRow& after = at(10, 30);
  EXPECT_TRUE(after.gap);
  EXPECT_NEAR(after.coverage, 7.0 / 15, 1e-9);
  // From the first reading after the hole (10:38) to the one at 10:45.
  EXPECT_NEAR(*after.energy_in_wh, 1000.0 * 7 / 60, 1e-6);
  EXPECT_FALSE(at(9, 45).gap);
  EXPECT_FALSE(at(10, 45).gap);
  EXPECT_DOUBLE_EQ(at(10, 45).coverage, 1.0);

  // The day: the counters still tell the whole day's energy, but it is flagged.
  const auto days = compute_statistics(readings, StatsInterval::kDay, {}, day, day + 86400);
  ASSERT_EQ(days.size(), 1U);
  EXPECT_TRUE(days[0].gap);
  EXPECT_NEAR(days[0].coverage, (86400.0 - 31 * 60) / 86400, 1e-9);
  EXPECT_NEAR(*days[0].energy_in_wh, 24000, 1e-6);
}

TEST(Statistics, ReadingsFurtherApartThanMaxGapAreAHole) {
  const std::int64_t start = local_midnight(2026, 5, 4);
  const auto sparse = series(start - 150, start + 3600, 150, constant_kw);  // every 2.5 minutes
  const auto strict = compute_statistics(sparse, StatsInterval::kQuarterHour, {}, start);
  ASSERT_FALSE(strict.empty());
  EXPECT_TRUE(strict[0].gap);
  EXPECT_EQ(strict[0].coverage, 0);
  StatsOptions lenient;
  lenient.max_gap_s = 150;
  const auto relaxed = compute_statistics(sparse, StatsInterval::kQuarterHour, lenient, start);
  EXPECT_FALSE(relaxed[0].gap);
  EXPECT_DOUBLE_EQ(relaxed[0].coverage, 1.0);
  EXPECT_NEAR(*relaxed[0].energy_in_wh, 250, 1e-6);
}

TEST(Statistics, PowerMeanMinMaxAndExport) {
  const std::int64_t start = local_midnight(2026, 7, 1) + 12 * 3600;
  std::vector<Reading> readings;
  readings.push_back(reading(start - 5, 100, 50, 0, 2000));
  readings.push_back(reading(start + 1, 100, 52, 0, 1500));
  readings.push_back(reading(start + 300, 100, 200, 0, 2500));
  readings.push_back(reading(start + 600, 101, 300, 100, 0));
  const auto rows = compute_statistics(readings, StatsInterval::kQuarterHour, {}, start);
  ASSERT_EQ(rows.size(), 1U);
  const StatsRow& q = rows[0];
  EXPECT_EQ(q.meter, kMeter);
  EXPECT_EQ(q.samples, 3);
  EXPECT_EQ(*q.energy_in_wh, 1);
  EXPECT_EQ(*q.energy_out_wh, 250);  // baseline: the reading 5 s before the start
  EXPECT_NEAR(*q.power_out_mean_w, 4000.0 / 3, 1e-9);
  EXPECT_EQ(*q.power_out_min_w, 0);
  EXPECT_EQ(*q.power_out_max_w, 2500);
  EXPECT_EQ(*q.power_in_max_w, 100);
  EXPECT_FALSE(q.complete);
}

TEST(Statistics, ACounterThatGoesDownGivesNoEnergy) {
  const std::int64_t start = local_midnight(2026, 7, 1);
  std::vector<Reading> readings = {reading(start + 10, 5000, 0, 10, 0),
                                   reading(start + 20, 12, 0, 10, 0)};  // a new meter
  const auto rows = compute_statistics(readings, StatsInterval::kQuarterHour);
  ASSERT_EQ(rows.size(), 1U);
  EXPECT_FALSE(rows[0].energy_in_wh);
  EXPECT_TRUE(rows[0].energy_out_wh);
}

TEST(Statistics, MonthlyPeakQuarterHourPerLocalMonth) {
  // March 31 local evening to April 1: 23:45 CEST on March 31 is still March.
  const std::int64_t evening = local_midnight(2026, 3, 31) + 20 * 3600;
  const std::int64_t march_peak = local_midnight(2026, 3, 31) + 23 * 3600 + 45 * 60;
  const std::int64_t april_peak = local_midnight(2026, 4, 1) + 7 * 3600;
  const auto readings =
      series(evening, local_midnight(2026, 4, 1) + 12 * 3600, 10, [&](std::int64_t t) {
        if (t > march_peak && t <= march_peak + 900) return 8000.0;
        if (t > april_peak && t <= april_peak + 900) return 6000.0;
        if (t > april_peak + 3600 && t <= april_peak + 4500) {
          return 6000.0;  // the same peak again later: not chosen
        }
        return 500.0;
      });
  const auto quarters = compute_statistics(readings, StatsInterval::kQuarterHour);
  const auto peaks = monthly_peaks(quarters);
  ASSERT_EQ(peaks.size(), 2U);
  EXPECT_EQ(peaks[0].month, "2026-03");
  EXPECT_EQ(peaks[0].start, march_peak);
  EXPECT_NEAR(peaks[0].energy_in_wh, 2000, 1e-6);
  EXPECT_NEAR(peaks[0].mean_power_w(), 8000, 1e-6);
  EXPECT_EQ(peaks[1].month, "2026-04");
  EXPECT_EQ(peaks[1].start, april_peak);
  EXPECT_NEAR(peaks[1].energy_in_wh, 1500, 1e-6);
}

TEST(Statistics, CsvAndJsonExport) {
  const std::int64_t day = local_midnight(2026, 3, 29);
  // 3600 W for 10 s is 10 Wh a reading: exact in binary floating point.
  const auto rows =
      compute_statistics(series(day - 60, day + 1000, 10, [](auto) { return 3600.0; }),
                         StatsInterval::kQuarterHour, {}, day, day + 900);
  ASSERT_EQ(rows.size(), 1U);
  const std::string csv = stats_csv(rows);
  EXPECT_EQ(csv.substr(0, csv.find('\n')),
            "meter,interval,start,start_local,end,energy_in_wh,energy_out_wh,power_in_mean_w,"
            "power_in_min_w,power_in_max_w,power_out_mean_w,power_out_min_w,power_out_max_w,"
            "samples,coverage,gap,complete");
  EXPECT_EQ(csv.substr(csv.find('\n') + 1),
            std::string(kMeter) + ",quarter-hour," + std::to_string(day) +
                ",2026-03-29T00:00:00+01:00," + std::to_string(day + 900) +
                ",900,0,3600,3600,"
                "3600,0,0,0,90,1,0,1\n");
  const auto json = nlohmann::json::parse(meter::json::stats_json(rows));
  ASSERT_EQ(json.size(), 1U);
  EXPECT_EQ(json[0]["startLocal"], "2026-03-29T00:00:00+01:00");
  EXPECT_EQ(json[0]["energyInWh"], 900);
  EXPECT_EQ(json[0]["powerOutMeanW"], 0);
  EXPECT_EQ(json[0]["gap"], false);
}

}  // namespace
}  // namespace meter::app
