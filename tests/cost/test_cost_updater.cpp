// SPDX-License-Identifier: MIT
// The cost updater on real SQLite stores (history, statistics, prices, costs in one file): every
// quarter-hour between the first and the newest reading gets a cost row, holes are energy gaps
// and missing prices are flagged (never priced as zero), nothing is written again when nothing
// changed, and a new price, a changed tariff (fingerprint) or a late reading is priced again.
// Expected amounts are worked out here from the readings and the tariff's figures.
#include "meter/app/cost_updater.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <cmath>
#include <filesystem>
#include <map>

#include "meter/core/civil_time.h"
#include "meter/storage/sqlite_cost_store.h"
#include "meter/storage/sqlite_price_store.h"
#include "meter/storage/sqlite_reading_store.h"
#include "meter/storage/sqlite_statistics_store.h"

namespace meter::app {
namespace {

namespace fs = std::filesystem;

constexpr const char* kMeter = "53414764D2E62AE3";
// 2026-02-25 00:00 .. 2026-03-05 00:00 Vienna (UTC+1): 8 days.
constexpr std::int64_t kFrom = 1771974000;
constexpr std::int64_t kUntil = 1772665200;
constexpr std::int64_t kHoleFrom = kFrom + 86400 + 3 * 3600;  // 26 Feb 03:00 .. 04:00
constexpr std::int64_t kHoleUntil = kHoleFrom + 3600;
constexpr double kPowerW = 1200;  // constant import: 300 Wh a quarter-hour
constexpr double kAdder = 0.015;  // EUR/kWh
constexpr double kGrid = 0.05;
constexpr double kVat = 0.2;

TariffSet spot_tariff(double adder, const std::string& fingerprint) {
  Tariff tariff;
  tariff.name = "spot";
  tariff.vat = kVat;
  ImportPrice import;
  import.kind = ImportKind::kSpot;
  import.spot.series = {"AT", PriceProduct::kHour};
  import.spot.adder_eur_per_kwh = adder;
  tariff.imports.push_back(import);
  GridFees grid;
  grid.energy_eur_per_kwh = kGrid;
  tariff.grid.push_back(grid);
  TariffSet set;
  set.tariffs.push_back(tariff);
  set.fingerprint = fingerprint;
  return set;
}

double hour_price(std::int64_t hour_start) {
  return 40.0 + static_cast<double>((hour_start / 3600) % 24) * 5.0;  // EUR/MWh
}

std::vector<PricePoint> prices(std::int64_t from, std::int64_t until) {
  std::vector<PricePoint> out;
  for (std::int64_t t = from; t < until; t += 3600) {
    out.push_back({"AT", PriceProduct::kHour, t, hour_price(t), "test"});
  }
  return out;
}

std::vector<Reading> readings(std::int64_t from, std::int64_t until, std::uint32_t counter) {
  std::vector<Reading> out;
  for (std::int64_t t = from; t <= until; t += 30) {
    if (t > kHoleFrom && t < kHoleUntil) continue;
    Reading r;
    r.meter = kMeter;
    r.frame_counter = counter++;
    r.timestamp = t;
    r.values[static_cast<std::size_t>(core::Quantity::kEnergyImport)] =
        1e6 + kPowerW * static_cast<double>(t - kFrom) / 3600;
    r.values[static_cast<std::size_t>(core::Quantity::kEnergyExport)] = 0;
    r.values[static_cast<std::size_t>(core::Quantity::kPowerImport)] = kPowerW;
    r.values[static_cast<std::size_t>(core::Quantity::kPowerExport)] = 0;
    out.push_back(r);
  }
  return out;
}

class CostUpdaterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "meter-cost-updater-XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    db_ = dir_ / "smartmeter.db";
    history_ = std::make_unique<storage::SqliteReadingStore>(db_);
    statistics_ = std::make_unique<storage::SqliteStatisticsStore>(db_);
    prices_ = std::make_unique<storage::SqlitePriceStore>(db_);
    costs_ = std::make_unique<storage::SqliteCostStore>(db_);
    ASSERT_TRUE(history_->open());
    write(readings(kFrom, kUntil, 1));
    ASSERT_TRUE(prices_->open());
    std::size_t changed = 0;
    // No prices for the last day, 4 March.
    ASSERT_TRUE(prices_->store(prices(kFrom - 3600, kUntil - 86400), changed));
  }
  void TearDown() override { fs::remove_all(dir_); }

  void write(const std::vector<Reading>& rows) {
    for (std::size_t i = 0; i < rows.size(); i += 2000) {
      const std::size_t n = std::min<std::size_t>(2000, rows.size() - i);
      ASSERT_TRUE(history_->write({std::span(rows).subspan(i, n), {}, {}}));
    }
    if (!stats_) stats_ = std::make_unique<StatisticsUpdater>(*statistics_);
    ASSERT_TRUE(stats_->update_all());
  }
  std::map<std::int64_t, StoredCost> stored() {
    std::vector<StoredCost> rows;
    EXPECT_TRUE(costs_->quarter_hours(kMeter, kFrom - 86400, kUntil + 86400, rows));
    std::map<std::int64_t, StoredCost> out;
    for (auto& row : rows) out.emplace(row.cost.start, row);
    return out;
  }

  fs::path dir_;
  fs::path db_;
  std::unique_ptr<storage::SqliteReadingStore> history_;
  std::unique_ptr<storage::SqliteStatisticsStore> statistics_;
  std::unique_ptr<storage::SqlitePriceStore> prices_;
  std::unique_ptr<storage::SqliteCostStore> costs_;
  std::unique_ptr<StatisticsUpdater> stats_;  // one, so that it sees the late readings
};

TEST_F(CostUpdaterTest, EveryQuarterHourPricedGapsAndMissingPricesFlagged) {
  const CostEngine engine(spot_tariff(kAdder, "fp-1"));
  CostUpdater updater(engine, *statistics_, *prices_, *costs_);
  std::size_t written = 0;
  ASSERT_TRUE(updater.update_once(&written));
  const auto rows = stored();
  const std::size_t quarter_hours = static_cast<std::size_t>((kUntil - kFrom) / 900);
  EXPECT_EQ(rows.size(), quarter_hours);
  EXPECT_EQ(written, quarter_hours);
  std::size_t gaps = 0;
  std::size_t missing = 0;
  for (const auto& [start, row] : rows) {
    const CostQuarterHour& c = row.cost;
    EXPECT_EQ(row.fingerprint, "fp-1");
    const bool in_hole = start + 900 > kHoleFrom && start < kHoleUntil;
    const bool last_day = start >= kUntil - 86400;
    if (in_hole) {
      EXPECT_NE(c.flags & static_cast<std::uint8_t>(CostFlag::kEnergyGap), 0) << start;
      ++gaps;
      continue;
    }
    if (last_day) {
      EXPECT_NE(c.flags & static_cast<std::uint8_t>(CostFlag::kMissingPrice), 0) << start;
      EXPECT_EQ(c.energy_eur, 0);  // not priced: flagged instead
      ++missing;
      continue;
    }
    ASSERT_EQ(c.flags, 0) << vienna_iso(start);
    // 1200 W for 15 minutes = 0.3 kWh at (spot/1000 + adder), grid 0.05, VAT 20 %.
    const double kwh = 0.3;
    const double spot = hour_price(start - start % 3600) / 1000;
    EXPECT_NEAR(*c.import_wh, 300, 1e-6);
    EXPECT_NEAR(c.energy_eur, kwh * (spot + kAdder), 1e-9);
    EXPECT_NEAR(c.grid_energy_eur, kwh * kGrid, 1e-9);
    EXPECT_NEAR(c.total_eur, (kwh * (spot + kAdder) + kwh * kGrid) * (1 + kVat), 1e-9);
  }
  EXPECT_GE(gaps, 4U);
  EXPECT_EQ(missing, 96U);  // 4 March: a reading at midnight closes its last quarter-hour
}

TEST_F(CostUpdaterTest, NothingChangedNothingWritten) {
  const CostEngine engine(spot_tariff(kAdder, "fp-1"));
  CostUpdater updater(engine, *statistics_, *prices_, *costs_);
  ASSERT_TRUE(updater.update_once());
  std::size_t written = 0;
  ASSERT_TRUE(updater.update_once(&written));
  EXPECT_EQ(written, 0U);
  CostUpdater again(engine, *statistics_, *prices_, *costs_);  // a restart: a full sweep
  ASSERT_TRUE(again.update_once(&written));
  EXPECT_EQ(written, 0U);
}

TEST_F(CostUpdaterTest, NewAndChangedPricesArePricedAgainOutsideTheRecentWindow) {
  const CostEngine engine(spot_tariff(kAdder, "fp-1"));
  CostUpdaterOptions options;
  options.recent_days = 1;  // the recent window is March only
  CostUpdater updater(engine, *statistics_, *prices_, *costs_, nullptr, options);
  ASSERT_TRUE(updater.update_once());
  // A corrected price for 25 February 12:00 (February: outside the recent window).
  const std::int64_t noon = kFrom + 12 * 3600;
  std::size_t changed = 0;
  ASSERT_TRUE(prices_->store(std::vector<PricePoint>{{"AT", PriceProduct::kHour, noon, 500, "fix"}},
                             changed));
  ASSERT_EQ(changed, 1U);
  std::size_t written = 0;
  ASSERT_TRUE(updater.update_once(&written));
  EXPECT_GE(written, 4U);
  const auto rows = stored();
  for (std::int64_t t = noon; t < noon + 3600; t += 900) {
    EXPECT_NEAR(rows.at(t).cost.energy_eur, 0.3 * (0.5 + kAdder), 1e-9);
  }
  // The missing day's prices arrive: its flags go.
  ASSERT_TRUE(prices_->store(prices(kUntil - 86400, kUntil), changed));
  ASSERT_TRUE(updater.update_once(&written));
  const auto after = stored();
  EXPECT_EQ(after.at(kUntil - 2 * 900).cost.flags, 0);
}

TEST_F(CostUpdaterTest, ChangedTariffFileRecomputesEverything) {
  {
    const CostEngine engine(spot_tariff(kAdder, "fp-1"));
    CostUpdater updater(engine, *statistics_, *prices_, *costs_);
    ASSERT_TRUE(updater.update_once());
  }
  const CostEngine changed(spot_tariff(0.02, "fp-2"));
  CostUpdater updater(changed, *statistics_, *prices_, *costs_);
  std::size_t written = 0;
  ASSERT_TRUE(updater.update_once(&written));
  EXPECT_EQ(written, static_cast<std::size_t>((kUntil - kFrom) / 900));
  const auto rows = stored();
  for (const auto& [start, row] : rows) EXPECT_EQ(row.fingerprint, "fp-2");
  const std::int64_t t = kFrom + 5 * 3600;
  EXPECT_NEAR(rows.at(t).cost.energy_eur, 0.3 * (hour_price(t) / 1000 + 0.02), 1e-9);
}

TEST_F(CostUpdaterTest, LateReadingsFillAHoleAndArePricedAgain) {
  const CostEngine engine(spot_tariff(kAdder, "fp-1"));
  CostUpdater updater(engine, *statistics_, *prices_, *costs_);
  ASSERT_TRUE(updater.update_once());
  ASSERT_NE(stored().at(kHoleFrom).cost.flags, 0);
  // The hole's readings arrive late (a replay); 26 February lies before the recent window, so
  // the full sweep at the next start (or every few hours) prices it.
  std::vector<Reading> late;
  std::uint32_t counter = 900000;
  for (std::int64_t t = kHoleFrom; t < kHoleUntil; t += 30) {
    Reading r = readings(kFrom, kFrom, 0).front();
    r.frame_counter = counter++;
    r.timestamp = t;
    r.values[static_cast<std::size_t>(core::Quantity::kEnergyImport)] =
        1e6 + kPowerW * static_cast<double>(t - kFrom) / 3600;
    late.push_back(r);
  }
  write(late);
  CostUpdater restarted(engine, *statistics_, *prices_, *costs_);
  std::size_t written = 0;
  ASSERT_TRUE(restarted.update_once(&written));
  EXPECT_GE(written, 4U);
  EXPECT_EQ(stored().at(kHoleFrom).cost.flags, 0);
  EXPECT_NEAR(*stored().at(kHoleFrom).cost.import_wh, 300, 1e-6);
}

TEST(CostEnergy, HolesBecomeGapsAndPortalGridDrawReplacesTheImport) {
  StatsRow row;
  row.start = 900;
  row.energy_in_wh = 100;
  row.energy_out_wh = 5;
  row.complete = true;
  PortalQuarterHour portal;
  portal.start = 1800;
  portal.consumption_wh = 200;
  portal.grid_draw_wh = 120;
  portal.community_wh = 80;
  const auto energy = cost_energy(std::span(&row, 1), std::span(&portal, 1), 0, 2700);
  ASSERT_EQ(energy.size(), 3U);
  EXPECT_FALSE(energy[0].complete);  // no row: a gap with unknown energy
  EXPECT_FALSE(energy[0].import_wh);
  EXPECT_TRUE(energy[1].complete);
  EXPECT_EQ(*energy[1].import_wh, 100);
  EXPECT_TRUE(energy[2].complete);  // the operator's remaining grid draw
  EXPECT_EQ(*energy[2].import_wh, 120);
}

}  // namespace
}  // namespace meter::app
