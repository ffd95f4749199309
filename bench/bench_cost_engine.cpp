// SPDX-License-Identifier: MIT
// The cost engine over a year of quarter-hours (35,040 in 2026) with the Netz NÖ example
// tariff (hourly spot formula, grid fees with the summer discount, a fee, a levy) and a year of
// hourly prices: the pure part of recomputing a meter's year after a tariff change. Not a
// ctest test; build Release and run build/.../bench/bench_cost_engine (bench/README.md).
#include <benchmark/benchmark.h>

#include <vector>

#include "meter/app/cost.h"
#include "meter/core/civil_time.h"

namespace {

using namespace meter;

app::TariffSet example_tariffs() {
  app::Tariff tariff;
  tariff.name = "bench";
  app::ImportPrice import;
  import.kind = app::ImportKind::kSpot;
  import.spot = {
      {"AT", app::PriceProduct::kHour}, 1.03, 0.015, app::NegativeRule::kMarkupOnAbsolute};
  tariff.imports.push_back(import);
  app::FeedInPrice feed_in;
  feed_in.kind = app::FeedInKind::kSpot;
  feed_in.terms = {{0.8, 0}, {1, 0.012}};
  feed_in.floor_eur_per_kwh = 0;
  tariff.feed_ins.push_back(feed_in);
  tariff.fees.push_back({{}, "fee", 5.75, app::FeeInterval::kMonth, true});
  app::GridFees grid;
  grid.energy_eur_per_kwh = 0.0577;
  grid.summer_discount = 0.2;
  grid.losses_eur_per_kwh = 0.00783;
  grid.power_eur_per_year = 36;
  grid.metering_eur_per_month = 2.18;
  tariff.grid.push_back(grid);
  tariff.levies.push_back({{}, "Elektrizitätsabgabe", 0.001, 0});
  app::TariffSet set;
  set.tariffs.push_back(tariff);
  return set;
}

// NOLINTNEXTLINE(readability-identifier-naming)
void BM_PriceAYearOfQuarterHours(benchmark::State& state) {
  const std::int64_t from = core::vienna_day_start_utc(core::days_from_civil(2026, 1, 1));
  const std::int64_t until = core::vienna_day_start_utc(core::days_from_civil(2027, 1, 1));
  std::vector<app::PricePoint> points;
  for (std::int64_t t = from; t < until; t += 3600) {
    points.push_back(
        {"AT", app::PriceProduct::kHour, t, static_cast<double>((t / 3600) % 200) - 20, "bench"});
  }
  const app::PriceTable prices(points);
  std::vector<app::CostEnergy> energy;
  for (std::int64_t t = from; t < until; t += 900) {
    energy.push_back({t, static_cast<double>(t % 700), static_cast<double>(t % 300), true});
  }
  const app::CostEngine engine(example_tariffs());
  for (auto _ : state) {  // NOLINT(clang-analyzer-deadcode.DeadStores)
    const auto costs = engine.price("meter", energy, prices);
    benchmark::DoNotOptimize(costs.data());
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(energy.size()));
  state.counters["quarter_hours"] = static_cast<double>(energy.size());
}
BENCHMARK(BM_PriceAYearOfQuarterHours)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
