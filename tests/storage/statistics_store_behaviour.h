// SPDX-License-Identifier: MIT
// The StatisticsStore behaviour, run against SQLite and MariaDB: readings written through the
// engine's ReadingStore into history, the updater brings the statistics tables up to date, and
// what is read back equals compute_statistics() over the same readings, also incrementally.
#pragma once

#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "meter/app/ports.h"
#include "meter/app/statistics_store.h"
#include "meter/core/civil_time.h"

namespace meter::statistics_testing {

inline constexpr const char* kMeterA = "53414764D2E62AE3";
inline constexpr const char* kMeterB = "4B464D6750012345";

// One meter's readings every 10 s over [from, until) with a hole, WIn/WOut in whole Wh.
inline std::vector<app::Reading> meter_readings(const std::string& meter, std::int64_t from,
                                                std::int64_t until, std::uint32_t first_counter) {
  std::vector<app::Reading> out;
  double energy_in = 1'000'000;
  double energy_out = 5'000;
  std::uint32_t counter = first_counter;
  for (std::int64_t t = from; t < until; t += 10) {
    const std::int64_t minute = (t / 60) % 1440;
    if (minute >= 600 && minute < 640) continue;  // a 40-minute hole every day
    const double power_in =
        minute >= 1080 && minute < 1095 ? 7200.0 : 360.0 * static_cast<double>(1 + minute % 7);
    const double power_out = minute >= 700 && minute < 800 ? 1800 : 0;
    energy_in += power_in * 10 / 3600;
    energy_out += power_out * 10 / 3600;
    app::Reading r;
    r.meter = meter;
    r.frame_counter = counter++;
    r.timestamp = t;
    r.values[static_cast<std::size_t>(core::Quantity::kEnergyImport)] = energy_in;
    r.values[static_cast<std::size_t>(core::Quantity::kEnergyExport)] = energy_out;
    r.values[static_cast<std::size_t>(core::Quantity::kPowerImport)] = power_in;
    r.values[static_cast<std::size_t>(core::Quantity::kPowerExport)] = power_out;
    out.push_back(r);
  }
  return out;
}

inline void write_history(app::ReadingStore& history, const std::vector<app::Reading>& readings) {
  for (std::size_t i = 0; i < readings.size(); i += 2000) {
    const std::size_t n = std::min<std::size_t>(2000, readings.size() - i);
    ASSERT_TRUE(history.write({std::span(readings).subspan(i, n), {}, {}}));
  }
}

inline void expect_rows_match(app::StatisticsStore& store, const std::string& meter,
                              const std::vector<app::Reading>& readings,
                              app::StatsInterval interval) {
  app::StatsQuery query;
  query.interval = interval;
  query.meter = meter;
  std::vector<app::StatsRow> stored;
  ASSERT_TRUE(store.rows(query, stored));
  const auto expected = app::compute_statistics(readings, interval);
  ASSERT_EQ(stored.size(), expected.size()) << app::to_string(interval);
  for (std::size_t i = 0; i < expected.size(); ++i) {
    SCOPED_TRACE(app::vienna_iso(expected[i].start));
    const app::StatsRow& s = stored[i];
    const app::StatsRow& e = expected[i];
    EXPECT_EQ(s.meter, e.meter);
    EXPECT_EQ(s.interval, e.interval);
    EXPECT_EQ(s.start, e.start);
    EXPECT_EQ(s.end, e.end);
    EXPECT_EQ(s.samples, e.samples);
    EXPECT_EQ(s.gap, e.gap);
    EXPECT_EQ(s.complete, e.complete);
    EXPECT_NEAR(s.coverage, e.coverage, 1e-12);
    ASSERT_EQ(s.energy_in_wh.has_value(), e.energy_in_wh.has_value());
    EXPECT_EQ(s.energy_in_wh, e.energy_in_wh);  // whole Wh: exact
    EXPECT_EQ(s.energy_out_wh, e.energy_out_wh);
    ASSERT_EQ(s.power_in_mean_w.has_value(), e.power_in_mean_w.has_value());
    if (e.power_in_mean_w) {
      EXPECT_NEAR(*s.power_in_mean_w, *e.power_in_mean_w, 1e-9);
    }
    EXPECT_EQ(s.power_in_max_w, e.power_in_max_w);
    EXPECT_EQ(s.power_out_min_w, e.power_out_min_w);
  }
}

// history: a fresh ReadingStore over the same database as `store`.
inline void run_round_trip(app::ReadingStore& history, app::StatisticsStore& store) {
  ASSERT_TRUE(history.open());
  ASSERT_TRUE(store.open());
  // Across the October switch (a 25-hour day), two meters, then more readings later.
  const std::int64_t day = core::vienna_day_start_utc(core::days_from_civil(2026, 10, 24));
  auto a = meter_readings(kMeterA, day + 3600, day + 2 * 86400 + 7200, 1);
  const auto b = meter_readings(kMeterB, day, day + 86400 + 25 * 3600 + 600, 1);
  write_history(history, a);
  write_history(history, b);

  app::StatisticsUpdater updater(store, {}, 1, 1);  // one local day per chunk and pass
  std::size_t written = 0;
  ASSERT_TRUE(updater.update_all(&written));
  EXPECT_GT(written, 2U * 96);
  std::vector<std::string> meters;
  ASSERT_TRUE(store.meters(meters));
  EXPECT_EQ(meters, (std::vector<std::string>{kMeterB, kMeterA}));
  for (const auto interval : {app::StatsInterval::kQuarterHour, app::StatsInterval::kDay}) {
    expect_rows_match(store, kMeterA, a, interval);
    expect_rows_match(store, kMeterB, b, interval);
  }

  // More readings arrive: the open interval and the new ones are updated, nothing else changes.
  const auto more = meter_readings(kMeterA, day + 2 * 86400 + 7200, day + 3 * 86400,
                                   static_cast<std::uint32_t>(a.size() + 1));
  write_history(history, more);
  a.insert(a.end(), more.begin(), more.end());
  ASSERT_TRUE(updater.update_once());
  for (const auto interval : {app::StatsInterval::kQuarterHour, app::StatsInterval::kDay}) {
    expect_rows_match(store, kMeterA, a, interval);
  }

  // A date range and a fresh updater (as after a restart) that finds nothing new to change.
  app::StatsQuery range;
  range.interval = app::StatsInterval::kDay;
  range.from = day + 86400;
  range.until = core::vienna_day_start_utc(core::days_from_civil(2026, 10, 26));
  std::vector<app::StatsRow> days;
  ASSERT_TRUE(store.rows(range, days));
  ASSERT_EQ(days.size(), 2U);  // both meters' 25-hour day
  EXPECT_EQ(days[0].end - days[0].start, 25 * 3600);
  app::StatisticsUpdater restarted(store);
  ASSERT_TRUE(restarted.update_all());
  expect_rows_match(store, kMeterA, a, app::StatsInterval::kQuarterHour);
}

// The real store, with a count of the meters each pass looks at (reading_span per meter).
class VisitCounting final : public app::StatisticsStore {
 public:
  explicit VisitCounting(app::StatisticsStore& store) : store_(store) {}
  std::map<std::string, int> visits;

  app::Outcome open() override { return store_.open(); }
  app::Outcome meters(std::vector<std::string>& out) override { return store_.meters(out); }
  app::Outcome meters_since(std::int64_t after_id, std::vector<std::string>& out,
                            std::vector<std::int64_t>& oldest, std::int64_t& newest_id) override {
    return store_.meters_since(after_id, out, oldest, newest_id);
  }
  app::Outcome reading_span(const std::string& meter,
                            std::optional<std::pair<std::int64_t, std::int64_t>>& out) override {
    ++visits[meter];
    return store_.reading_span(meter, out);
  }
  app::Outcome readings(const std::string& meter, std::int64_t from, std::int64_t until,
                        std::vector<app::Reading>& out) override {
    return store_.readings(meter, from, until, out);
  }
  app::Outcome newest_row_start(const std::string& meter, app::StatsInterval interval,
                                std::optional<std::int64_t>& out) override {
    return store_.newest_row_start(meter, interval, out);
  }
  app::Outcome upsert(std::span<const app::StatsRow> rows) override { return store_.upsert(rows); }
  app::Outcome rows(const app::StatsQuery& query, std::vector<app::StatsRow>& out) override {
    return store_.rows(query, out);
  }
  void close() override { store_.close(); }
  std::string describe() const override { return store_.describe(); }

 private:
  app::StatisticsStore& store_;
};

// After a first pass over every meter, a pass looks only at meters with new history rows; a
// stop request ends a pass before the next meter.
inline void run_only_changed_meters(app::ReadingStore& history, app::StatisticsStore& real) {
  ASSERT_TRUE(history.open());
  ASSERT_TRUE(real.open());
  const std::int64_t day = core::vienna_day_start_utc(core::days_from_civil(2026, 11, 2));
  auto a = meter_readings(kMeterA, day, day + 3600, 1);
  const auto b = meter_readings(kMeterB, day, day + 3600, 1);
  write_history(history, a);
  write_history(history, b);

  std::vector<std::string> changed;
  std::vector<std::int64_t> oldest;
  std::int64_t newest = -1;
  ASSERT_TRUE(real.meters_since(0, changed, oldest, newest));
  EXPECT_EQ(changed.size(), 2U);
  EXPECT_EQ(oldest, (std::vector<std::int64_t>{day, day}));
  EXPECT_GT(newest, 0);
  const std::int64_t seen = newest;
  ASSERT_TRUE(real.meters_since(seen, changed, oldest, newest));
  EXPECT_TRUE(changed.empty());
  EXPECT_EQ(newest, seen);

  VisitCounting store(real);
  app::StatisticsUpdater updater(store);
  ASSERT_TRUE(updater.update_once());
  EXPECT_EQ(store.visits, (std::map<std::string, int>{{kMeterA, 2}, {kMeterB, 2}}));  // 2 kinds

  store.visits.clear();
  ASSERT_TRUE(updater.update_once());
  EXPECT_TRUE(store.visits.empty()) << "no new readings: no meter visited";

  const auto more =
      meter_readings(kMeterA, day + 3600, day + 7200, static_cast<std::uint32_t>(a.size() + 1));
  write_history(history, more);
  a.insert(a.end(), more.begin(), more.end());
  ASSERT_TRUE(updater.update_once());
  EXPECT_EQ(store.visits, (std::map<std::string, int>{{kMeterA, 2}}));
  expect_rows_match(real, kMeterA, a, app::StatsInterval::kQuarterHour);

  // Stopping: the pass ends before the next meter and leaves the work for later.
  const auto later =
      meter_readings(kMeterB, day + 3600, day + 7200, static_cast<std::uint32_t>(b.size() + 1));
  write_history(history, later);
  std::atomic<bool> stop{true};
  updater.stop_when(&stop);
  store.visits.clear();
  ASSERT_TRUE(updater.update_all());
  EXPECT_TRUE(store.visits.empty());
  stop = false;
  ASSERT_TRUE(updater.update_once());
  EXPECT_EQ(store.visits, (std::map<std::string, int>{{kMeterB, 2}}));
}

}  // namespace meter::statistics_testing
