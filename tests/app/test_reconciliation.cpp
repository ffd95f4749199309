// SPDX-License-Identifier: MIT
// Reconciliation on hand-made quarter-hours: sums, differences, the tolerance, the quarter-hours
// only one side has, local days and months, and the operator's values where ours are missing.
#include <gtest/gtest.h>

#include "meter/app/reconciliation.h"
#include "meter/core/civil_time.h"

namespace meter::app {
namespace {

constexpr const char* kMeter = "53414764D2E62AE3";

std::int64_t midnight(int year, unsigned month, unsigned day) {
  return core::vienna_day_start_utc(core::days_from_civil(year, month, day));
}

StatsRow ours(std::int64_t start, double in_wh, double out_wh, bool gap = false) {
  StatsRow row;
  row.meter = kMeter;
  row.interval = StatsInterval::kQuarterHour;
  row.start = start;
  row.end = start + 900;
  row.energy_in_wh = in_wh;
  row.energy_out_wh = out_wh;
  row.gap = gap;
  row.complete = !gap;
  return row;
}

PortalQuarterHour theirs(std::int64_t start, double in_wh, OptionalValue out_wh = 0.0) {
  PortalQuarterHour row;
  row.meter = kMeter;
  row.metering_point = "AT0020000000000000000000100012345";
  row.start = start;
  row.consumption_wh = in_wh;
  row.feed_in_wh = out_wh;
  return row;
}

TEST(Reconciliation, DayTotalsDifferencesAndFindings) {
  const std::int64_t day = midnight(2026, 1, 15);
  std::vector<StatsRow> our_rows;
  std::vector<PortalQuarterHour> their_rows;
  // Quarter-hours 0-9 on both sides: 100 Wh ours, 98 theirs (within 5 Wh), except #3 (120 vs
  // 100: beyond). #10-11 only ours (the operator's file ends), #12-13 only theirs (our outage),
  // #14 ours with a gap (partial: counts as none), theirs 50.
  for (int i = 0; i < 10; ++i) {
    our_rows.push_back(ours(day + i * 900, i == 3 ? 120 : 100, 0));
    their_rows.push_back(theirs(day + i * 900, i == 3 ? 100 : 98));
  }
  our_rows.push_back(ours(day + 10 * 900, 40, 0));
  our_rows.push_back(ours(day + 11 * 900, 60, 0));
  their_rows.push_back(theirs(day + 12 * 900, 70));
  their_rows.push_back(theirs(day + 13 * 900, 30));
  our_rows.push_back(ours(day + 14 * 900, 20, 0, true));
  their_rows.push_back(theirs(day + 14 * 900, 50));

  const Reconciliation r = reconcile(our_rows, their_rows, {ReconcileInterval::kDay, 5});
  ASSERT_EQ(r.rows.size(), 1U);
  const ReconcileRow& row = r.rows[0];
  EXPECT_EQ(row.start, day);
  EXPECT_EQ(row.end, midnight(2026, 1, 16));
  EXPECT_EQ(row.both, 10U);
  EXPECT_DOUBLE_EQ(row.ours.in_wh, 9 * 100 + 120);
  EXPECT_DOUBLE_EQ(row.theirs.in_wh, 9 * 98 + 100);
  EXPECT_DOUBLE_EQ(row.diff_in_wh, 1020 - 982);
  ASSERT_TRUE(row.diff_in_percent);
  EXPECT_NEAR(*row.diff_in_percent, 100.0 * 38 / 982, 1e-9);
  EXPECT_FALSE(row.diff_out_percent) << "no export on the operator's side: no percentage";
  EXPECT_EQ(row.disagreeing, 1U);
  EXPECT_EQ(row.only_ours, 2U);
  EXPECT_DOUBLE_EQ(row.only_ours_energy.in_wh, 100);
  EXPECT_EQ(row.only_theirs, 3U);
  EXPECT_DOUBLE_EQ(row.only_theirs_energy.in_wh, 150);
  EXPECT_FALSE(row.agrees());

  ASSERT_EQ(r.findings.size(), 6U);
  EXPECT_EQ(r.findings[0].start, day + 3 * 900);
  EXPECT_EQ(r.findings[0].kind, ReconcileFinding::Kind::kDisagrees);
  EXPECT_EQ(r.findings[1].kind, ReconcileFinding::Kind::kOnlyOurs);
  EXPECT_EQ(r.findings[3].kind, ReconcileFinding::Kind::kOnlyTheirs);
  EXPECT_EQ(r.findings[5].start, day + 14 * 900);
  EXPECT_FALSE(r.findings[5].ours_in_wh) << "a gap row is no value";
}

TEST(Reconciliation, ToleranceIsConfigurable) {
  const std::int64_t day = midnight(2026, 1, 15);
  const std::vector<StatsRow> our_rows = {ours(day, 100, 10)};
  const std::vector<PortalQuarterHour> their_rows = {theirs(day, 98, 13.5)};
  EXPECT_EQ(reconcile(our_rows, their_rows, {ReconcileInterval::kDay, 5}).rows[0].disagreeing, 0U);
  EXPECT_EQ(reconcile(our_rows, their_rows, {ReconcileInterval::kDay, 3}).rows[0].disagreeing, 1U)
      << "export differs by 3.5 Wh";
  EXPECT_EQ(reconcile(our_rows, their_rows, {ReconcileInterval::kDay, 1}).rows[0].disagreeing, 1U);
}

TEST(Reconciliation, ConsumptionOnlyFileDoesNotCompareExport) {
  const std::int64_t day = midnight(2026, 1, 15);
  const std::vector<StatsRow> our_rows = {ours(day, 100, 500)};
  const std::vector<PortalQuarterHour> their_rows = {theirs(day, 100, std::nullopt)};
  const Reconciliation r = reconcile(our_rows, their_rows, {});
  EXPECT_EQ(r.rows[0].disagreeing, 0U);
  EXPECT_TRUE(r.rows[0].agrees());
}

TEST(Reconciliation, LocalDaysAcrossTheOctoberChangeAndMonths) {
  // 25.10.2026 has 100 quarter-hours; its last one belongs to that day, the next to the 26th.
  const std::int64_t day = midnight(2026, 10, 25);
  std::vector<StatsRow> our_rows;
  std::vector<PortalQuarterHour> their_rows;
  for (int i = 0; i < 101; ++i) {
    our_rows.push_back(ours(day + i * 900, 10, 1));
    their_rows.push_back(theirs(day + i * 900, 10, 1));
  }
  const Reconciliation days = reconcile(our_rows, their_rows, {ReconcileInterval::kDay, 5});
  ASSERT_EQ(days.rows.size(), 2U);
  EXPECT_EQ(days.rows[0].both, 100U);
  EXPECT_EQ(days.rows[0].end - days.rows[0].start, 90000);
  EXPECT_DOUBLE_EQ(days.rows[0].ours.in_wh, 1000);
  EXPECT_EQ(days.rows[1].both, 1U);
  EXPECT_TRUE(days.rows[0].agrees());
  EXPECT_DOUBLE_EQ(*days.rows[0].diff_in_percent, 0);

  const Reconciliation months = reconcile(our_rows, their_rows, {ReconcileInterval::kMonth, 5});
  ASSERT_EQ(months.rows.size(), 1U);
  EXPECT_EQ(months.rows[0].start, midnight(2026, 10, 1));
  EXPECT_EQ(months.rows[0].end, midnight(2026, 11, 1));
  EXPECT_EQ(months.rows[0].both, 101U);
  EXPECT_EQ(months.total.both, 101U);

  const Reconciliation quarters =
      reconcile(our_rows, their_rows, {ReconcileInterval::kQuarterHour, 5});
  EXPECT_EQ(quarters.rows.size(), 101U);
  const std::string csv = reconciliation_csv(quarters);
  EXPECT_TRUE(csv.substr(0, csv.find('\n')).ends_with(",only_operator_out_wh,finding"));
  EXPECT_NE(csv.find(std::string(kMeter) + ",quarter-hour,"), std::string::npos);
}

TEST(Reconciliation, OperatorValuesFillOurMissingQuarterHours) {
  const std::int64_t day = midnight(2026, 1, 15);
  std::vector<IntervalEnergy> ours_energy = {
      {day, day + 900, 100.0, 0.0, true, EnergySource::kStatistics},
      {day + 900, day + 1800, std::nullopt, std::nullopt, false, EnergySource::kStatistics}};
  const std::vector<PortalQuarterHour> their_rows = {
      theirs(day, 98), theirs(day + 900, 70), theirs(day + 1800, 60), theirs(day + 7200, 10)};
  const auto filled = with_operator_values(ours_energy, their_rows, day, day + 3600);
  ASSERT_EQ(filled.size(), 3U);
  EXPECT_EQ(filled[0].source, EnergySource::kStatistics);
  EXPECT_DOUBLE_EQ(*filled[0].in_wh, 100) << "ours win where we have a value";
  EXPECT_EQ(filled[1].source, EnergySource::kOperator);
  EXPECT_DOUBLE_EQ(*filled[1].in_wh, 70);
  EXPECT_EQ(filled[2].source, EnergySource::kOperator);
  EXPECT_STREQ(to_string(EnergySource::kOperator), "operator");
}

}  // namespace
}  // namespace meter::app
