// SPDX-License-Identifier: MIT
// The CostStore behaviour, run against SQLite and MariaDB: quarter-hours stored and read back
// as they were, replaced on (meter, start), and the daily and monthly views sum them per Vienna
// local day and month (the day the clocks go forward has 92 quarter-hours), counting flags.
#pragma once

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "meter/app/cost_store.h"
#include "meter/app/statistics.h"
#include "meter/core/civil_time.h"

namespace meter::cost_testing {

inline constexpr const char* kMeterA = "53414764D2E62AE3";
inline constexpr const char* kMeterB = "4B464D6750012345";

// 2026-03-28 00:00 Vienna (UTC+1) .. 2026-03-30 00:00 (UTC+2): 96 + 92 quarter-hours.
inline constexpr std::int64_t kFrom = 1774652400;
inline constexpr std::int64_t kUntil = 1774821600;

inline app::StoredCost cost_row(const std::string& meter, std::int64_t start, std::int64_t i) {
  app::StoredCost row;
  app::CostQuarterHour& c = row.cost;
  c.meter = meter;
  c.start = start;
  c.end = start + 900;
  const double k = static_cast<double>(i % 17);
  if (i % 23 != 5) c.import_wh = 100 + k;  // some quarter-hours without energy
  c.export_wh = i % 3 == 0 ? std::optional<double>(10 * k) : std::nullopt;
  if (i % 11 != 3) c.spot_eur_per_mwh = 80.5 - k;
  c.energy_eur = 0.01 * k;
  c.grid_energy_eur = 0.005 * k;
  c.grid_losses_eur = 0.0003;
  c.grid_fixed_eur = 0.0021;
  c.fees_eur = 0.0013;
  c.levies_eur = 0.0001 * k;
  c.vat_eur = 0.2 * (c.energy_eur + c.grid_energy_eur);
  c.feed_in_eur = 0.001 * k;
  c.total_eur = c.energy_eur + c.grid_energy_eur + c.grid_losses_eur + c.grid_fixed_eur +
                c.fees_eur + c.levies_eur + c.vat_eur - c.feed_in_eur;
  if (i % 23 == 5) c.flags |= static_cast<std::uint8_t>(app::CostFlag::kEnergyGap);
  if (i % 11 == 3) c.flags |= static_cast<std::uint8_t>(app::CostFlag::kMissingPrice);
  c.tariff = "spot";
  row.fingerprint = "fp-1";
  return row;
}

inline std::vector<app::StoredCost> cost_rows(const std::string& meter) {
  std::vector<app::StoredCost> rows;
  std::int64_t i = 0;
  for (std::int64_t t = kFrom; t < kUntil; t += 900) rows.push_back(cost_row(meter, t, i++));
  return rows;
}

inline void expect_near_total(const app::CostTotal& got, const app::CostTotal& want) {
  EXPECT_EQ(got.meter, want.meter);
  EXPECT_EQ(got.start, want.start);
  EXPECT_EQ(got.end, want.end);
  EXPECT_EQ(got.quarter_hours, want.quarter_hours);
  EXPECT_EQ(got.incomplete, want.incomplete);
  EXPECT_EQ(got.energy_gaps, want.energy_gaps);
  EXPECT_EQ(got.missing_prices, want.missing_prices);
  EXPECT_EQ(got.no_tariff, want.no_tariff);
  EXPECT_NEAR(got.import_wh, want.import_wh, 1e-6);
  EXPECT_NEAR(got.export_wh, want.export_wh, 1e-6);
  EXPECT_NEAR(got.energy_eur, want.energy_eur, 1e-9);
  EXPECT_NEAR(got.grid_eur(), want.grid_eur(), 1e-9);
  EXPECT_NEAR(got.fees_eur, want.fees_eur, 1e-9);
  EXPECT_NEAR(got.levies_eur, want.levies_eur, 1e-9);
  EXPECT_NEAR(got.vat_eur, want.vat_eur, 1e-9);
  EXPECT_NEAR(got.feed_in_eur, want.feed_in_eur, 1e-9);
  EXPECT_NEAR(got.total_eur, want.total_eur, 1e-9);
}

inline void run_cost_round_trip(app::CostStore& store) {
  ASSERT_TRUE(store.open());
  const auto a = cost_rows(kMeterA);
  const auto b = cost_rows(kMeterB);
  ASSERT_TRUE(store.store(a));
  ASSERT_TRUE(store.store(b));

  std::vector<app::StoredCost> read;
  ASSERT_TRUE(store.quarter_hours(kMeterA, kFrom, kUntil, read));
  ASSERT_EQ(read.size(), a.size());
  EXPECT_EQ(read.size(), 96U + 92U);
  for (std::size_t i = 0; i < a.size(); ++i) EXPECT_EQ(read[i], a[i]) << i;

  // Replaced on (meter, start), not stored twice.
  auto changed = a[10];
  changed.cost.energy_eur = 1.25;
  changed.fingerprint = "fp-2";
  ASSERT_TRUE(store.store(std::span(&changed, 1)));
  ASSERT_TRUE(store.quarter_hours(kMeterA, a[10].cost.start, a[11].cost.start, read));
  ASSERT_EQ(read.size(), 1U);
  EXPECT_EQ(read[0], changed);
  auto expected_a = a;
  expected_a[10] = changed;

  // Local days: 28 March (96 quarter-hours) and 29 March (92, the clocks go forward).
  for (const auto interval :
       {app::CostInterval::kQuarterHour, app::CostInterval::kDay, app::CostInterval::kMonth}) {
    SCOPED_TRACE(app::to_string(interval));
    std::map<std::pair<std::string, std::int64_t>, app::CostTotal> want;
    const std::vector<app::StoredCost>* all[] = {&expected_a, &b};
    for (const std::vector<app::StoredCost>* rows : all) {
      for (const auto& row : *rows) {
        const std::int64_t start = app::cost_interval_start(interval, row.cost.start);
        auto [it, fresh] = want.try_emplace(std::pair{row.cost.meter, start});
        if (fresh) {
          it->second.meter = row.cost.meter;
          it->second.interval = interval;
          it->second.start = start;
          it->second.end = app::cost_interval_end(interval, start);
        }
        app::add_to(it->second, row.cost);
      }
    }
    app::CostQuery query;
    query.interval = interval;
    std::vector<app::CostTotal> got;
    ASSERT_TRUE(store.totals(query, got));
    ASSERT_EQ(got.size(), want.size());
    std::size_t i = 0;
    for (const auto& [key, total] : want) expect_near_total(got[i++], total);  // meter order
  }
  std::vector<app::CostTotal> days;
  app::CostQuery one;
  one.interval = app::CostInterval::kDay;
  one.meter = kMeterB;
  one.from = kFrom + 86400;  // 29 March only
  ASSERT_TRUE(store.totals(one, days));
  ASSERT_EQ(days.size(), 1U);
  EXPECT_EQ(days[0].quarter_hours, 92);
  EXPECT_EQ(days[0].end - days[0].start, 23 * 3600);
  EXPECT_EQ(app::vienna_iso(days[0].start), "2026-03-29T00:00:00+01:00");

  std::vector<std::string> meters;
  ASSERT_TRUE(store.meters(meters));
  EXPECT_EQ(meters, (std::vector<std::string>{kMeterB, kMeterA}));
}

}  // namespace meter::cost_testing
