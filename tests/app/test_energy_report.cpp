// SPDX-License-Identifier: MIT
// The energy report (daily energy, today, the monthly peak) on counter buckets in memory and on a
// real SQLite database, from history and from the statistics tables; and the service's
// statistics thread (StatisticsUpdates) against the same database.
#include "meter/app/energy_report.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include "meter/app/statistics_updates.h"
#include "meter/core/civil_time.h"
#include "meter/storage/sqlite_history_query.h"
#include "meter/storage/sqlite_statistics_store.h"
#include "steady_meter.h"

namespace meter::app {
namespace {

namespace fs = std::filesystem;
using std::chrono::steady_clock;

constexpr const char* kMeter = testing_support::kSteadyMeter;
using testing_support::vienna_time;

TEST(EnergyFromCounters, CountsFromTheBucketBeforeTheStart) {
  const std::int64_t start = 9000;
  // Buckets of 900 s: one before the start (counter 100 at its end), then 110, 130.
  const std::vector<CounterBucket> buckets = {{start - 900, 3, 95.0, 100.0, 5.0, 6.0},
                                              {start, 3, 102.0, 110.0, 6.0, 7.0},
                                              {start + 900, 3, 111.0, 130.0, 7.0, 9.0}};
  const IntervalEnergy e = energy_from_counters(buckets, 900, start, start + 1800, start + 1800);
  EXPECT_EQ(e.start, start);
  EXPECT_EQ(e.end, start + 1800);
  EXPECT_DOUBLE_EQ(*e.in_wh, 30.0);
  EXPECT_DOUBLE_EQ(*e.out_wh, 3.0);
  EXPECT_TRUE(e.complete);
  EXPECT_EQ(e.source, EnergySource::kHistory);

  // Without the bucket before, from the lowest counter inside, and not complete.
  const IntervalEnergy partial =
      energy_from_counters(std::span(buckets).subspan(1), 900, start, start + 1800, start + 1800);
  EXPECT_DOUBLE_EQ(*partial.in_wh, 28.0);
  EXPECT_FALSE(partial.complete);

  // Nothing inside: unknown.
  const IntervalEnergy none = energy_from_counters(buckets, 900, start + 3600, start + 7200, 0);
  EXPECT_FALSE(none.in_wh);
  EXPECT_FALSE(none.out_wh);
}

TEST(PeakOf, TheHighestImportAndTheEarliestOfATie) {
  const std::vector<IntervalEnergy> q = {{0, 900, 5.0, 1.0, true, EnergySource::kHistory},
                                         {900, 1800, std::nullopt, 9.0, true},
                                         {1800, 2700, 8.0, 0.0, true},
                                         {2700, 3600, 8.0, 0.0, true}};
  const auto peak = peak_of(q);
  ASSERT_TRUE(peak);
  EXPECT_EQ(peak->start, 1800);
  EXPECT_DOUBLE_EQ(peak->mean_power_in_w(), 32.0);
  EXPECT_FALSE(peak_of(std::span(q).subspan(1, 1)));
}

TEST(LocalDaysQuery, LastDayIncludedAndOpenSides) {
  const std::int64_t day = core::days_from_civil(2026, 3, 29);  // 23 hours (summer time begins)
  const StatsQuery q = local_days_query(StatsInterval::kDay, kMeter, day, day);
  EXPECT_EQ(q.meter, kMeter);
  EXPECT_EQ(q.from, vienna_time(2026, 3, 29, 0));
  EXPECT_EQ(q.until - q.from, 23 * 3600);
  const StatsQuery open = local_days_query(StatsInterval::kQuarterHour, "", std::nullopt, day);
  EXPECT_EQ(open.from, StatsQuery{}.from);
  EXPECT_EQ(open.until, vienna_time(2026, 3, 30, 0));
}

TEST(PeaksCsv, OneLinePerMeterAndMonth) {
  const std::vector<MonthlyPeak> peaks = {{kMeter, "2026-03", vienna_time(2026, 3, 12, 18), 600.5}};
  EXPECT_EQ(peaks_csv(peaks), "meter,month,start,start_local,energy_in_wh,mean_power_w\n" +
                                  std::string(kMeter) + ",2026-03," +
                                  std::to_string(vienna_time(2026, 3, 12, 18)) +
                                  ",2026-03-12T18:00:00+01:00,600.5,2402\n");
}

class EnergyReportOnSqlite : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "meter-energy-XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir = pattern;
    testing_support::write_steady_history(db(), first, now_s, spike_at, 500.0);
  }
  void TearDown() override { fs::remove_all(dir); }
  fs::path db() const { return dir / "smartmeter.db"; }

  fs::path dir;
  // Tuesday 12 May 2026, 12:00 Vienna (CEST); readings since Sunday midnight, with 500 Wh more
  // at 18:07 on Monday.
  std::int64_t now_s = vienna_time(2026, 5, 12, 12);
  std::int64_t first = vienna_time(2026, 5, 10, 0);
  std::int64_t spike_at = vienna_time(2026, 5, 11, 18, 7);
};

TEST_F(EnergyReportOnSqlite, DailyFromHistoryThenFromTheStatisticsTablesAlike) {
  storage::SqliteHistoryQuery history(db());
  storage::SqliteStatisticsStore statistics(db());
  ASSERT_TRUE(statistics.open());
  const EnergyReport report(&history, &statistics);

  DailyEnergy before;
  ASSERT_TRUE(report.daily(kMeter, 3, now_s, before));
  ASSERT_EQ(before.days.size(), 3u);
  for (const auto& day : before.days) EXPECT_EQ(day.source, EnergySource::kHistory);
  EXPECT_EQ(before.days[0].start, first);
  EXPECT_FALSE(before.days[0].complete) << "no reading before the first day";
  EXPECT_NEAR(*before.days[1].in_wh, 24 * 400.0 + 500.0, 1e-6);
  EXPECT_NEAR(*before.days[1].out_wh, 24 * 40.0, 1e-6);
  EXPECT_TRUE(before.days[1].complete);
  EXPECT_NEAR(*before.days[2].in_wh, 12 * 400.0, 1e-6)
      << "from 23:59:50 to the last reading, 11:59:50";
  EXPECT_NEAR(before.total_in_wh,
              *before.days[0].in_wh + *before.days[1].in_wh + *before.days[2].in_wh, 1e-6);

  StatisticsUpdater updater(statistics);
  ASSERT_TRUE(updater.update_all());
  DailyEnergy after;
  ASSERT_TRUE(report.daily(kMeter, 3, now_s, after));
  EXPECT_EQ(after.days[1].source, EnergySource::kStatistics);
  EXPECT_NEAR(*after.days[1].in_wh, *before.days[1].in_wh, 1e-6);
  EXPECT_NEAR(*after.days[1].out_wh, *before.days[1].out_wh, 1e-6);
  EXPECT_TRUE(after.days[1].complete);
  EXPECT_EQ(after.days[2].source, EnergySource::kHistory) << "today's row is still open";
  EXPECT_NEAR(*after.days[2].in_wh, *before.days[2].in_wh, 1e-6);

  const auto today = report.today(kMeter, now_s, nullptr);
  ASSERT_TRUE(today);
  EXPECT_EQ(today->start, vienna_time(2026, 5, 12, 0));
  EXPECT_NEAR(*today->in_wh, *before.days[2].in_wh, 1e-6);
}

TEST_F(EnergyReportOnSqlite, MonthlyPeakFromHistoryEqualsTheStatisticsTables) {
  storage::SqliteHistoryQuery history(db());
  storage::SqliteStatisticsStore statistics(db());
  ASSERT_TRUE(statistics.open());
  const std::int64_t may = vienna_time(2026, 5, 1, 0);

  MonthlyPeakReport from_history;
  ASSERT_TRUE(EnergyReport(&history, nullptr).monthly_peak(kMeter, may, from_history));
  EXPECT_EQ(from_history.source, EnergySource::kHistory);
  EXPECT_EQ(from_history.month_end, vienna_time(2026, 6, 1, 0));
  ASSERT_TRUE(from_history.peak);
  EXPECT_EQ(from_history.peak->start, vienna_time(2026, 5, 11, 18));
  EXPECT_NEAR(*from_history.peak->in_wh, 100.0 + 500.0, 1e-6);
  EXPECT_NEAR(from_history.peak->mean_power_in_w(), 2400.0, 1e-6);

  ASSERT_TRUE(StatisticsUpdater(statistics).update_all());
  MonthlyPeakReport from_tables;
  ASSERT_TRUE(EnergyReport(&history, &statistics).monthly_peak(kMeter, may, from_tables));
  EXPECT_EQ(from_tables.source, EnergySource::kStatistics);
  ASSERT_TRUE(from_tables.peak);
  EXPECT_EQ(from_tables.peak->start, from_history.peak->start);
  EXPECT_NEAR(*from_tables.peak->in_wh, *from_history.peak->in_wh, 1e-6);

  std::vector<MonthlyPeak> peaks;
  ASSERT_TRUE(EnergyReport(nullptr, &statistics).monthly_peaks({}, peaks));
  ASSERT_EQ(peaks.size(), 1u);
  EXPECT_EQ(peaks[0].month, "2026-05");
  EXPECT_EQ(peaks[0].start, from_tables.peak->start);

  MonthlyPeakReport april;
  ASSERT_TRUE(
      EnergyReport(&history, &statistics).monthly_peak(kMeter, vienna_time(2026, 4, 1, 0), april));
  EXPECT_FALSE(april.peak);
  EXPECT_EQ(april.quarter_hours, 0u);
}

TEST_F(EnergyReportOnSqlite, WithoutStatisticsTablesStatisticsAreNotAvailable) {
  std::vector<StatsRow> rows;
  const Outcome got = EnergyReport(nullptr, nullptr).statistics({}, rows);
  EXPECT_FALSE(got);
  EXPECT_EQ(got.error, "statistics are not available");
}

// Waits (up to 60 s) for the thread's first pass, then checks that it wrote the three days.
void expect_one_pass_filled_the_days(const StatisticsUpdates& updates, const fs::path& db) {
  const auto deadline = steady_clock::now() + std::chrono::seconds(60);
  while (updates.passes() == 0 && steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_EQ(updates.passes(), 1u);
  storage::SqliteStatisticsStore reader(db);
  ASSERT_TRUE(reader.open());
  std::vector<StatsRow> days;
  ASSERT_TRUE(reader.rows({StatsInterval::kDay, kMeter}, days));
  EXPECT_EQ(days.size(), 3u);
}

TEST_F(EnergyReportOnSqlite, TheStatisticsThreadFillsTheTablesAndStopsPromptly) {
  storage::SqliteStatisticsStore store(db());
  {
    StatisticsUpdates updates(store, std::chrono::milliseconds(0), std::chrono::minutes(1));
    ASSERT_NO_FATAL_FAILURE(expect_one_pass_filled_the_days(updates, db()));
  }

  // Stopped while waiting for its first pass (10 s away): it does not wait for it.
  const auto begin = steady_clock::now();
  { StatisticsUpdates updates(store); }
  EXPECT_LT(steady_clock::now() - begin, std::chrono::seconds(3));
}

TEST_F(EnergyReportOnSqlite, ANudgeBringsTheNextPassForward) {
  storage::SqliteStatisticsStore store(db());
  // Passes an hour apart: only the nudge (late readings stored) can start one within the test.
  StatisticsUpdates updates(store, std::chrono::hours(1), std::chrono::hours(1));
  updates.nudge();
  expect_one_pass_filled_the_days(updates, db());
}

}  // namespace
}  // namespace meter::app
