// SPDX-License-Identifier: MIT
// Recomputing the cost of a year of quarter-hours of one meter (CostUpdater::update_range over
// 2026: 35,040 quarter-hours) on a SQLite file: statsQuarterHour and an hourly price for every
// hour stored first, the tariff a spot formula with grid fees, a fee and a levy.
//   BM_CostYearFirst      nothing stored yet: every quarter-hour priced and written
//   BM_CostYearUnchanged  everything stored and unchanged: read, priced, compared, nothing written
//   BM_CostYearTariff     a changed tariff file (fingerprint) each time: every row written again
// Run: build/<preset>/bench/bench_cost (see bench/README.md).
#include <benchmark/benchmark.h>
#include <stdlib.h>

#include <filesystem>
#include <memory>

#include "meter/app/cost_updater.h"
#include "meter/storage/sqlite_cost_store.h"
#include "meter/storage/sqlite_price_store.h"
#include "meter/storage/sqlite_reading_store.h"
#include "meter/storage/sqlite_statistics_store.h"

namespace {

namespace fs = std::filesystem;
using namespace meter;

constexpr const char* kMeter = "53414764D2E62AE3";
constexpr std::int64_t kYearStart = 1767222000;  // 2026-01-01 00:00 Vienna
constexpr std::int64_t kYearEnd = 1798758000;    // 2027-01-01 00:00 Vienna

app::TariffSet tariff(const std::string& fingerprint) {
  app::Tariff t;
  t.name = "spot";
  app::ImportPrice import;
  import.kind = app::ImportKind::kSpot;
  import.spot.factor = 1.03;
  import.spot.adder_eur_per_kwh = 0.015;
  t.imports.push_back(import);
  app::GridFees grid;
  grid.energy_eur_per_kwh = 0.0577;
  grid.summer_discount = 0.2;
  grid.losses_eur_per_kwh = 0.00783;
  grid.power_eur_per_year = 36;
  grid.metering_eur_per_month = 2.18;
  t.grid.push_back(grid);
  app::Fee fee;
  fee.eur = 5.75;
  t.fees.push_back(fee);
  app::Levy levy;
  levy.eur_per_kwh = 0.001;
  t.levies.push_back(levy);
  app::TariffSet set;
  set.tariffs.push_back(t);
  set.fingerprint = fingerprint;
  return set;
}

// One SQLite file with a year of statistics and prices, made once.
struct Year {
  fs::path dir;
  fs::path db;
  std::unique_ptr<storage::SqliteStatisticsStore> statistics;
  std::unique_ptr<storage::SqlitePriceStore> prices;

  Year() {
    std::string pattern = (fs::temp_directory_path() / "meter-bench-cost-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) std::abort();
    dir = pattern;
    db = dir / "smartmeter.db";
    storage::SqliteReadingStore history(db);
    (void)history.open();
    std::vector<app::Reading> ends(2);  // the first and the newest reading: the meter's span
    for (std::size_t i = 0; i < 2; ++i) {
      ends[i].meter = kMeter;
      ends[i].frame_counter = static_cast<std::uint32_t>(i + 1);
      ends[i].timestamp = i == 0 ? kYearStart : kYearEnd;
    }
    (void)history.write({ends, {}, {}});
    statistics = std::make_unique<storage::SqliteStatisticsStore>(db);
    (void)statistics->open();
    std::vector<app::StatsRow> rows;
    for (std::int64_t t = kYearStart; t < kYearEnd; t += 900) {
      app::StatsRow row;
      row.meter = kMeter;
      row.start = t;
      row.end = t + 900;
      row.energy_in_wh = 50 + static_cast<double>((t / 900) % 40) * 10;
      row.energy_out_wh = 0;
      row.samples = 90;
      row.coverage = 1;
      row.complete = true;
      rows.push_back(row);
    }
    (void)statistics->upsert(rows);
    prices = std::make_unique<storage::SqlitePriceStore>(db);
    (void)prices->open();
    std::vector<app::PricePoint> points;
    for (std::int64_t t = kYearStart - 3600; t < kYearEnd; t += 3600) {
      points.push_back({"AT", app::PriceProduct::kHour, t,
                        40 + static_cast<double>((t / 3600) % 24) * 4, "bench"});
    }
    std::size_t changed = 0;
    (void)prices->store(points, changed);
  }
  ~Year() { fs::remove_all(dir); }
};

Year& year() {
  static Year instance;
  return instance;
}

void run_year(benchmark::State& state, app::CostStore& costs, const app::CostEngine& engine) {
  app::CostUpdater updater(engine, *year().statistics, *year().prices, costs);
  std::size_t written = 0;
  if (!updater.update_range(kMeter, kYearStart, kYearEnd, &written)) {
    state.SkipWithError("update_range failed");
  }
  state.counters["written"] = static_cast<double>(written);
}

void BM_CostYearFirst(benchmark::State& state) {  // NOLINT(readability-identifier-naming)
  const app::CostEngine engine(tariff("fp"));
  int table = 0;
  for (auto _ : state) {  // NOLINT(clang-analyzer-deadcode.DeadStores)
    state.PauseTiming();
    // A cost table of its own each time (the history table name prefixes it): nothing stored.
    storage::SqliteCostStore costs(year().db, "first" + std::to_string(table++));
    (void)costs.open();
    state.ResumeTiming();
    run_year(state, costs, engine);
  }
  state.counters["quarter_hours"] = 35040;
}
BENCHMARK(BM_CostYearFirst)->Unit(benchmark::kMillisecond)->Iterations(3);

void BM_CostYearUnchanged(benchmark::State& state) {  // NOLINT(readability-identifier-naming)
  const app::CostEngine engine(tariff("fp"));
  storage::SqliteCostStore costs(year().db, "unchanged");
  run_year(state, costs, engine);  // stored once before timing
  for (auto _ : state) {           // NOLINT(clang-analyzer-deadcode.DeadStores)
    run_year(state, costs, engine);
  }
}
BENCHMARK(BM_CostYearUnchanged)->Unit(benchmark::kMillisecond)->Iterations(3);

void BM_CostYearTariff(benchmark::State& state) {  // NOLINT(readability-identifier-naming)
  storage::SqliteCostStore costs(year().db, "tariff");
  int version = 0;
  for (auto _ : state) {  // NOLINT(clang-analyzer-deadcode.DeadStores)
    const app::CostEngine engine(tariff("fp-" + std::to_string(version++)));
    run_year(state, costs, engine);
  }
}
BENCHMARK(BM_CostYearTariff)->Unit(benchmark::kMillisecond)->Iterations(3);

}  // namespace

BENCHMARK_MAIN();
