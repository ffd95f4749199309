// SPDX-License-Identifier: MIT
// The cost engine's rules, each against numbers computed by hand in the comments: DST days,
// the summer discount's edges, tariff changes mid-month, negative prices, hourly against
// quarter-hour products, fees spread over months of 28 and 31 days, gaps and missing prices.
#include <gtest/gtest.h>

#include <numeric>
#include <vector>

#include "meter/app/cost.h"
#include "meter/core/civil_time.h"

namespace meter::app {
namespace {

constexpr double kEps = 1e-9;
const std::string kMeter = "4B464D1020000001";

std::int64_t day_of(std::int64_t year, unsigned month, unsigned day) {
  return core::days_from_civil(year, month, day);
}

// UTC instant of a Vienna wall-clock time.
std::int64_t local(std::int64_t year, unsigned month, unsigned day, int hour, int minute = 0) {
  return core::vienna_local_to_utc(day_of(year, month, day) * core::kSecondsPerDay + hour * 3600 +
                                   minute * 60);
}

CostEnergy qh(std::int64_t start, double import_wh, double export_wh = 0) {
  return CostEnergy{start, import_wh, export_wh, true};
}

// Every quarter-hour of the local days [first, end), each with the same energy.
std::vector<CostEnergy> quarter_hours(std::int64_t first_day, std::int64_t end_day,
                                      double import_wh, double export_wh = 0) {
  std::vector<CostEnergy> out;
  for (std::int64_t t = core::vienna_day_start_utc(first_day);
       t < core::vienna_day_start_utc(end_day); t += 900) {
    out.push_back(qh(t, import_wh, export_wh));
  }
  return out;
}

Tariff fixed_tariff(double eur_per_kwh) {
  Tariff tariff;
  tariff.name = "fixed";
  ImportPrice import;
  import.eur_per_kwh = eur_per_kwh;
  tariff.imports.push_back(import);
  return tariff;
}

CostEngine engine_of(Tariff tariff) {
  TariffSet set;
  set.tariffs.push_back(std::move(tariff));
  return CostEngine(std::move(set));
}

double sum(const std::vector<CostQuarterHour>& costs, double CostQuarterHour::*field) {
  return std::accumulate(costs.begin(), costs.end(), 0.0,
                         [field](double a, const CostQuarterHour& c) { return a + c.*field; });
}

PricePoint price_point(PriceProduct product, std::int64_t start, double eur_per_mwh) {
  return PricePoint{"AT", product, start, eur_per_mwh, "test"};
}

TEST(Holidays, EasterAndTheDaysThatFollowIt) {
  // Easter Sunday: 2024-03-31, 2025-04-20, 2026-04-05 (published calendars).
  EXPECT_EQ(easter_sunday(2024), day_of(2024, 3, 31));
  EXPECT_EQ(easter_sunday(2025), day_of(2025, 4, 20));
  EXPECT_EQ(easter_sunday(2026), day_of(2026, 4, 5));
  // 2026: Easter Monday 6 Apr, Ascension 14 May (+39), Whit Monday 25 May (+50), Corpus
  // Christi 4 Jun (+60); fixed: 26 Oct, 8 Dec. Not: Good Friday 3 Apr, 2 Jan, 24 Dec.
  for (const auto& [m, d] : std::vector<std::pair<unsigned, unsigned>>{{1, 1},
                                                                       {1, 6},
                                                                       {4, 6},
                                                                       {5, 1},
                                                                       {5, 14},
                                                                       {5, 25},
                                                                       {6, 4},
                                                                       {8, 15},
                                                                       {10, 26},
                                                                       {11, 1},
                                                                       {12, 8},
                                                                       {12, 25},
                                                                       {12, 26}}) {
    EXPECT_TRUE(is_austrian_public_holiday(day_of(2026, m, d))) << m << "-" << d;
  }
  for (const auto& [m, d] : std::vector<std::pair<unsigned, unsigned>>{
           {1, 2}, {4, 3}, {4, 7}, {5, 15}, {6, 5}, {12, 24}, {12, 31}}) {
    EXPECT_FALSE(is_austrian_public_holiday(day_of(2026, m, d))) << m << "-" << d;
  }
}

TEST(CostEngine, DstDaysHave92And100QuarterHours) {
  // Fixed 20 ct/kWh, 250 Wh per quarter-hour: 0.25 x 0.20 = 0.05 EUR each.
  // 2026-03-29 (23 h): 92 x 0.05 = 4.60 EUR; 2026-10-25 (25 h): 100 x 0.05 = 5.00 EUR.
  // Monthly fee 10 EUR: March has 31 x 96 - 4 = 2972 quarter-hours, October 2980, so the
  // short day carries 92 x 10 / 2972 = 0.309556 EUR and the long one 100 x 10 / 2980 = 0.335570.
  Tariff tariff = fixed_tariff(0.20);
  tariff.vat = 0;
  tariff.fees.push_back(Fee{{}, "Grundgebühr", 10, FeeInterval::kMonth, false});
  const CostEngine engine = engine_of(tariff);
  const PriceTable prices;

  const auto spring =
      engine.price(kMeter, quarter_hours(day_of(2026, 3, 29), day_of(2026, 3, 30), 250), prices);
  ASSERT_EQ(spring.size(), 92U);
  EXPECT_NEAR(sum(spring, &CostQuarterHour::energy_eur), 4.60, kEps);
  EXPECT_NEAR(sum(spring, &CostQuarterHour::fees_eur), 0.30955585464, 1e-9);

  const auto autumn =
      engine.price(kMeter, quarter_hours(day_of(2026, 10, 25), day_of(2026, 10, 26), 250), prices);
  ASSERT_EQ(autumn.size(), 100U);
  EXPECT_NEAR(sum(autumn, &CostQuarterHour::energy_eur), 5.00, kEps);
  EXPECT_NEAR(sum(autumn, &CostQuarterHour::fees_eur), 0.33557046980, 1e-9);
  EXPECT_NEAR(sum(autumn, &CostQuarterHour::total_eur), 5.33557046980, 1e-9);
  for (const CostQuarterHour& cost : autumn) EXPECT_TRUE(cost.complete());
}

TEST(CostEngine, FeesAddUpOverMonthsOf28And31Days) {
  // 10 EUR a month: February 2026 has 28 x 96 = 2688 quarter-hours (10 / 2688 = 0.00372024
  // each), January 2976, March 2972 (the 23-hour day). Each month's quarter-hours add up to
  // exactly the fee. A yearly charge of 35.04 EUR over 2026's 365 x 96 = 35040 quarter-hours
  // is 0.001 EUR each; January's 2976 carry 2.976 EUR.
  Tariff tariff = fixed_tariff(0);
  tariff.vat = 0;
  tariff.fees.push_back(Fee{{}, "Grundgebühr", 10, FeeInterval::kMonth, false});
  GridFees grid;
  grid.power_eur_per_year = 35.04;
  tariff.grid.push_back(grid);
  const CostEngine engine = engine_of(tariff);
  const PriceTable prices;

  const auto february =
      engine.price(kMeter, quarter_hours(day_of(2026, 2, 1), day_of(2026, 3, 1), 0), prices);
  ASSERT_EQ(february.size(), 2688U);
  EXPECT_NEAR(february.front().fees_eur, 0.003720238095, 1e-12);
  EXPECT_NEAR(sum(february, &CostQuarterHour::fees_eur), 10.0, 1e-9);
  EXPECT_NEAR(february.front().grid_fixed_eur, 0.001, 1e-12);

  const auto january =
      engine.price(kMeter, quarter_hours(day_of(2026, 1, 1), day_of(2026, 2, 1), 0), prices);
  ASSERT_EQ(january.size(), 2976U);
  EXPECT_NEAR(sum(january, &CostQuarterHour::fees_eur), 10.0, 1e-9);
  EXPECT_NEAR(sum(january, &CostQuarterHour::grid_fixed_eur), 2.976, 1e-9);

  const auto march =
      engine.price(kMeter, quarter_hours(day_of(2026, 3, 1), day_of(2026, 4, 1), 0), prices);
  ASSERT_EQ(march.size(), 2972U);
  EXPECT_NEAR(sum(march, &CostQuarterHour::fees_eur), 10.0, 1e-9);
}

TEST(CostEngine, TariffChangeMidMonth) {
  // 20 ct/kWh until 14 March, 25 ct from 15 March 00:00 local (CET); fee 10 EUR/month then
  // 12 EUR/month. One kWh at 14 March 23:45 costs 0.20, at 15 March 00:00 0.25.
  // March's fee: 10 x 1,209,600 s (1-14 March) / 2,674,800 s + 12 x 1,465,200 s (15-31 March,
  // one day of 23 h) / 2,674,800 s = 4.522207 + 6.573351 = 11.095559 EUR.
  Tariff tariff;
  tariff.name = "change";
  tariff.vat = 0;
  const std::int64_t change = day_of(2026, 3, 15);
  ImportPrice before, after;
  before.period.until_day = change;
  before.eur_per_kwh = 0.20;
  after.period.from_day = change;
  after.eur_per_kwh = 0.25;
  tariff.imports = {before, after};
  Fee fee_before{{}, "Grundgebühr", 10, FeeInterval::kMonth, false};
  fee_before.period.until_day = change;
  Fee fee_after{{}, "Grundgebühr", 12, FeeInterval::kMonth, false};
  fee_after.period.from_day = change;
  tariff.fees = {fee_before, fee_after};
  const CostEngine engine = engine_of(tariff);
  const PriceTable prices;

  const std::vector<CostEnergy> edge = {qh(local(2026, 3, 15, 0, 0), 1000),
                                        qh(local(2026, 3, 14, 23, 45), 1000)};
  const auto costs = engine.price(kMeter, edge, prices);
  ASSERT_EQ(costs.size(), 2U);
  EXPECT_EQ(costs[0].start, local(2026, 3, 14, 23, 45));  // ordered by start
  EXPECT_NEAR(costs[0].energy_eur, 0.20, kEps);
  EXPECT_NEAR(costs[1].energy_eur, 0.25, kEps);

  const auto march =
      engine.price(kMeter, quarter_hours(day_of(2026, 3, 1), day_of(2026, 4, 1), 0), prices);
  EXPECT_NEAR(sum(march, &CostQuarterHour::fees_eur), 11.095558546, 1e-8);
}

GridFees summer_grid() {
  GridFees grid;
  grid.area = "test";
  grid.energy_eur_per_kwh = 0.05;  // 5 ct
  grid.summer_discount = 0.2;
  grid.losses_eur_per_kwh = 0.01;
  grid.export_eur_per_kwh = 0.01;
  return grid;
}

TEST(CostEngine, SummerDiscountEdgesAt10And16Local) {
  // 5 ct/kWh grid energy, 20 % lower 1 Apr - 30 Sep 10:00-16:00 local: 1 kWh costs 0.05 or
  // 0.04 EUR. 2026-07-15 is in summer time: 10:00 local = 08:00 UTC. The losses price (1 ct)
  // is never discounted; nor is the export fee (1 ct on 1 kWh fed in at noon = 0.01).
  Tariff tariff = fixed_tariff(0.10);
  tariff.vat = 0;
  tariff.grid.push_back(summer_grid());
  const CostEngine engine = engine_of(tariff);
  const PriceTable prices;
  EXPECT_EQ(local(2026, 7, 15, 10), core::days_from_civil(2026, 7, 15) * 86400 + 8 * 3600);

  struct Case {
    std::int64_t start;
    double grid;
  };
  const std::vector<Case> cases = {
      {local(2026, 7, 15, 9, 45), 0.05},  {local(2026, 7, 15, 10, 0), 0.04},
      {local(2026, 7, 15, 15, 45), 0.04}, {local(2026, 7, 15, 16, 0), 0.05},
      {local(2026, 3, 31, 12, 0), 0.05},  {local(2026, 4, 1, 10, 0), 0.04},
      {local(2026, 4, 1, 9, 45), 0.05},   {local(2026, 9, 30, 15, 45), 0.04},
      {local(2026, 10, 1, 10, 0), 0.05},  {local(2026, 10, 1, 12, 0), 0.05},
  };
  for (const Case& c : cases) {
    const std::vector<CostEnergy> one = {qh(c.start, 1000)};
    const auto cost = engine.price(kMeter, one, prices).at(0);
    EXPECT_NEAR(cost.grid_energy_eur, c.grid, kEps)
        << core::vienna_local_time(c.start).second_of_day;
    EXPECT_NEAR(cost.grid_losses_eur, 0.01, kEps);
    EXPECT_NEAR(cost.energy_eur, 0.10, kEps);
  }
  const std::vector<CostEnergy> fed = {qh(local(2026, 7, 15, 12, 0), 0, 1000)};
  EXPECT_NEAR(engine.price(kMeter, fed, prices).at(0).grid_energy_eur, 0.01, kEps);
}

TEST(CostEngine, NegativePriceRules) {
  // Spot -50 EUR/MWh = -5 ct/kWh, formula spot x 1.03 + 1.5 ct:
  //   formula:            -0.05 x 1.03 + 0.015          = -0.0365
  //   spot-as-zero:        0 x 1.03 + 0.015             =  0.015
  //   price-floor-zero:    max(-0.0365, 0)              =  0
  //   markup-on-absolute: -0.05 + 0.03 x 0.05 + 0.015   = -0.0335
  // Spot +100 EUR/MWh: 0.10 x 1.03 + 0.015 = 0.118 under every rule.
  struct Case {
    NegativeRule rule;
    double negative;
  };
  for (const Case& c :
       {Case{NegativeRule::kFormula, -0.0365}, Case{NegativeRule::kSpotAsZero, 0.015},
        Case{NegativeRule::kPriceFloorZero, 0.0}, Case{NegativeRule::kMarkupOnAbsolute, -0.0335}}) {
    SpotFormula formula{{"AT", PriceProduct::kHour}, 1.03, 0.015, c.rule};
    EXPECT_NEAR(formula.apply(-50), c.negative, kEps) << to_string(c.rule);
    EXPECT_NEAR(formula.apply(100), 0.118, kEps) << to_string(c.rule);
  }
  // Through the engine: 2 kWh at -50 EUR/MWh with "formula", VAT 20 %: energy 2 x -0.0365 =
  // -0.073, VAT -0.0146, total -0.0876 (a negative bill for this quarter-hour).
  Tariff tariff;
  tariff.name = "spot";
  ImportPrice import;
  import.kind = ImportKind::kSpot;
  import.spot = SpotFormula{{"AT", PriceProduct::kHour}, 1.03, 0.015, NegativeRule::kFormula};
  tariff.imports.push_back(import);
  const CostEngine engine = engine_of(tariff);
  const std::int64_t start = local(2026, 5, 10, 13);
  const std::vector<PricePoint> points = {price_point(PriceProduct::kHour, start, -50)};
  const PriceTable prices(points);
  const std::vector<CostEnergy> one = {qh(start + 900, 2000)};
  const auto cost = engine.price(kMeter, one, prices).at(0);
  EXPECT_NEAR(cost.energy_eur, -0.073, kEps);
  EXPECT_NEAR(cost.vat_eur, -0.0146, kEps);
  EXPECT_NEAR(cost.total_eur, -0.0876, kEps);
  EXPECT_EQ(*cost.spot_eur_per_mwh, -50);
}

TEST(CostEngine, HourlyAgainstQuarterHourProduct) {
  // 12:00-13:00 local on 2026-06-10: hourly index 80 EUR/MWh; the four quarter-hour prices
  // 60, 70, 90, 110 (their mean, 82.5, is not the index). 1 kWh in the quarter-hour 12:30:
  //   aWATTar-like, hourly:   (0.080 x 1.03 + 0.015) = 0.0974 net, x 1.2 = 0.11688 gross
  //   smartCONTROL-like, qh:  (0.090 + 0.012)        = 0.1020 net, x 1.2 = 0.12240 gross
  const std::int64_t hour = local(2026, 6, 10, 12);
  std::vector<PricePoint> points = {price_point(PriceProduct::kHour, hour, 80)};
  const double quarters[] = {60, 70, 90, 110};
  for (int i = 0; i < 4; ++i) {
    points.push_back(price_point(PriceProduct::kQuarterHour, hour + i * 900, quarters[i]));
  }
  const PriceTable prices(points);
  const std::vector<CostEnergy> one = {qh(hour + 1800, 1000)};

  Tariff hourly;
  hourly.name = "hourly";
  ImportPrice h;
  h.kind = ImportKind::kSpot;
  h.spot = SpotFormula{{"AT", PriceProduct::kHour}, 1.03, 0.015, NegativeRule::kFormula};
  hourly.imports.push_back(h);
  const auto a = engine_of(hourly).price(kMeter, one, prices).at(0);
  EXPECT_NEAR(a.energy_eur, 0.0974, kEps);
  EXPECT_NEAR(a.total_eur, 0.11688, kEps);
  EXPECT_EQ(*a.spot_eur_per_mwh, 80);

  Tariff quarter = hourly;
  quarter.imports[0].spot =
      SpotFormula{{"AT", PriceProduct::kQuarterHour}, 1, 0.012, NegativeRule::kFormula};
  const CostEngine qengine = engine_of(quarter);
  const auto b = qengine.price(kMeter, one, prices).at(0);
  EXPECT_NEAR(b.energy_eur, 0.102, kEps);
  EXPECT_NEAR(b.total_eur, 0.1224, kEps);
  EXPECT_EQ(*b.spot_eur_per_mwh, 90);
  // The series each tariff needs.
  EXPECT_EQ(engine_of(hourly).price_series(kMeter, hour, hour + 3600),
            (std::vector<PriceSeries>{{"AT", PriceProduct::kHour}}));
  EXPECT_EQ(qengine.price_series(kMeter, hour, hour + 3600),
            (std::vector<PriceSeries>{{"AT", PriceProduct::kQuarterHour}}));
}

TEST(CostEngine, FeedInMaxOfShareAndSpotMinus) {
  // max(0.8 p, p - 1.2 ct), not below 0, 1 kWh fed in:
  //   p = 10 ct: max(8.0, 8.8)  = 8.8 ct -> 0.088 EUR
  //   p =  3 ct: max(2.4, 1.8)  = 2.4 ct -> 0.024 EUR
  //   p = -2 ct: max(-1.6, -3.2) = -1.6 ct, floor 0 -> 0
  // Feed-in carries no VAT: the total is -feed_in.
  Tariff tariff = fixed_tariff(0.2);
  FeedInPrice feed_in;
  feed_in.kind = FeedInKind::kSpot;
  feed_in.terms = {{0.8, 0}, {1, 0.012}};
  feed_in.combine = Combine::kMax;
  feed_in.floor_eur_per_kwh = 0;
  tariff.feed_ins.push_back(feed_in);
  const CostEngine engine = engine_of(tariff);
  const std::int64_t t = local(2026, 6, 10, 11);
  const std::vector<PricePoint> points = {price_point(PriceProduct::kHour, t, 100),
                                          price_point(PriceProduct::kHour, t + 3600, 30),
                                          price_point(PriceProduct::kHour, t + 7200, -20)};
  const PriceTable prices(points);
  const std::vector<CostEnergy> energy = {qh(t, 0, 1000), qh(t + 3600, 0, 1000),
                                          qh(t + 7200, 0, 1000)};
  const auto costs = engine.price(kMeter, energy, prices);
  EXPECT_NEAR(costs[0].feed_in_eur, 0.088, kEps);
  EXPECT_NEAR(costs[1].feed_in_eur, 0.024, kEps);
  EXPECT_NEAR(costs[2].feed_in_eur, 0.0, kEps);
  EXPECT_NEAR(costs[0].total_eur, -0.088, kEps);
  EXPECT_NEAR(costs[0].vat_eur, 0.0, kEps);
}

TEST(CostEngine, TimeOfUseWithHolidays) {
  // Mon-Fri 06:00-22:00: 25 ct; otherwise (nights, weekends, holidays) 18 ct. 1 kWh:
  // Tue 2026-04-07 12:00 -> 0.25; 23:00 -> 0.18; Easter Monday 2026-04-06 12:00 -> 0.18.
  Tariff tariff = fixed_tariff(0.18);
  tariff.vat = 0;
  tariff.imports[0].kind = ImportKind::kTimeOfUse;
  TimeWindow day;
  day.name = "day";
  day.days = 0x1F;  // Monday .. Friday, not holidays
  day.from_minute = 360;
  day.until_minute = 1320;
  day.eur_per_kwh = 0.25;
  tariff.imports[0].windows.push_back(day);
  const CostEngine engine = engine_of(tariff);
  const PriceTable prices;
  const std::vector<CostEnergy> energy = {qh(local(2026, 4, 7, 12), 1000),
                                          qh(local(2026, 4, 7, 23), 1000),
                                          qh(local(2026, 4, 6, 12), 1000)};
  const auto costs = engine.price(kMeter, energy, prices);
  ASSERT_EQ(costs.size(), 3U);
  EXPECT_NEAR(costs[0].energy_eur, 0.18, kEps);  // ordered: Easter Monday first
  EXPECT_NEAR(costs[1].energy_eur, 0.25, kEps);
  EXPECT_NEAR(costs[2].energy_eur, 0.18, kEps);
}

TEST(CostEngine, FlagsGapsMissingPricesAndNoTariff) {
  Tariff tariff;
  tariff.name = "spot";
  tariff.meters = {"AAAA"};
  ImportPrice import;
  import.kind = ImportKind::kSpot;
  import.period.from_day = day_of(2026, 1, 1);
  tariff.imports.push_back(import);
  const CostEngine engine = engine_of(tariff);
  const std::int64_t t = local(2026, 2, 2, 8);
  const std::vector<PricePoint> points = {price_point(PriceProduct::kHour, t, 100)};
  const PriceTable prices(points);

  std::vector<CostEnergy> energy = {qh(t, 500), qh(t + 3600, 500), qh(t + 900, 500),
                                    qh(local(2025, 12, 31, 12), 500)};
  energy[2].complete = false;
  const auto costs = engine.price("AAAA", energy, prices);
  ASSERT_EQ(costs.size(), 4U);
  EXPECT_EQ(costs[0].flags, static_cast<std::uint8_t>(CostFlag::kNoTariff));  // before 2026
  EXPECT_EQ(costs[1].flags, 0);
  EXPECT_NEAR(costs[1].energy_eur, 0.05, kEps);  // 0.5 kWh x 0.10
  EXPECT_EQ(costs[2].flags, static_cast<std::uint8_t>(CostFlag::kEnergyGap));
  EXPECT_EQ(costs[3].flags, static_cast<std::uint8_t>(CostFlag::kMissingPrice));
  EXPECT_FALSE(costs[3].complete());

  const auto other = engine.price("BBBB", std::span(energy).first(1), prices);
  EXPECT_EQ(other.at(0).flags, static_cast<std::uint8_t>(CostFlag::kNoTariff));
  EXPECT_FALSE(engine.import_price_at("BBBB", t, prices).has_value());
}

// The worked example of docs/tariffs.md: one quarter-hour, 2026-07-15 12:00-12:15 local.
Tariff worked_example() {
  Tariff tariff;
  tariff.name = "example";
  tariff.vat = 0.2;
  ImportPrice import;  // (spot + 1.2 ct), quarter-hour product
  import.kind = ImportKind::kSpot;
  import.spot = SpotFormula{{"AT", PriceProduct::kQuarterHour}, 1, 0.012, NegativeRule::kFormula};
  tariff.imports.push_back(import);
  FeedInPrice feed_in;  // 80 % of spot
  feed_in.kind = FeedInKind::kSpot;
  feed_in.series = {"AT", PriceProduct::kQuarterHour};
  feed_in.terms = {{0.8, 0}};
  tariff.feed_ins.push_back(feed_in);
  tariff.fees.push_back(Fee{{}, "Grundgebühr", 4.464, FeeInterval::kMonth, false});
  GridFees grid;
  grid.energy_eur_per_kwh = 0.06;
  grid.summer_discount = 0.2;
  grid.losses_eur_per_kwh = 0.008;
  grid.power_eur_per_year = 35.04;
  grid.metering_eur_per_month = 2.976;
  tariff.grid.push_back(grid);
  tariff.levies.push_back(Levy{{}, "Elektrizitätsabgabe", 0.001, 0});
  return tariff;
}

TEST(CostEngine, WorkedQuarterHourAndDay) {
  // 2026-07-15 12:00 local, spot 80 EUR/MWh, 500 Wh drawn, 200 Wh fed in. July: 2976
  // quarter-hours; 2026: 35040.
  //   energy    0.5 x (0.080 + 0.012)        = 0.0460
  //   grid      0.5 x 0.06 x 0.8 (summer)    = 0.0240
  //   losses    0.5 x 0.008                  = 0.0040
  //   fixed     35.04 / 35040 + 2.976 / 2976 = 0.0020
  //   fees      4.464 / 2976                 = 0.0015
  //   levies    0.5 x 0.001                  = 0.0005
  //   net 0.0780, VAT 20 % 0.0156; feed-in 0.2 x 0.064 = 0.0128; total 0.0808
  const CostEngine engine = engine_of(worked_example());
  const std::int64_t t = local(2026, 7, 15, 12);
  std::vector<PricePoint> points;
  for (std::int64_t s = local(2026, 7, 15, 0); s < local(2026, 7, 16, 0); s += 900) {
    points.push_back(price_point(PriceProduct::kQuarterHour, s, 80));
  }
  const PriceTable prices(points);
  const std::vector<CostEnergy> one = {qh(t, 500, 200)};
  const CostQuarterHour c = engine.price(kMeter, one, prices).at(0);
  EXPECT_NEAR(c.energy_eur, 0.046, kEps);
  EXPECT_NEAR(c.grid_energy_eur, 0.024, kEps);
  EXPECT_NEAR(c.grid_losses_eur, 0.004, kEps);
  EXPECT_NEAR(c.grid_fixed_eur, 0.002, kEps);
  EXPECT_NEAR(c.fees_eur, 0.0015, kEps);
  EXPECT_NEAR(c.levies_eur, 0.0005, kEps);
  EXPECT_NEAR(c.vat_eur, 0.0156, kEps);
  EXPECT_NEAR(c.feed_in_eur, 0.0128, kEps);
  EXPECT_NEAR(c.total_eur, 0.0808, kEps);
  EXPECT_TRUE(c.complete());

  // The whole day, 96 quarter-hours of 250 Wh drawn, nothing fed in, 24 of them (10:00-16:00)
  // in the summer window:
  //   energy   24 kWh x 0.092                          = 2.2080
  //   grid     18 kWh x 0.06 + 6 kWh x 0.048           = 1.0800 + 0.2880 = 1.3680
  //   losses   24 x 0.008                              = 0.1920
  //   fixed    96 x 0.002                              = 0.1920
  //   fees     96 x 0.0015                             = 0.1440
  //   levies   24 x 0.001                              = 0.0240
  //   net 4.1280, VAT 0.8256, total 4.9536
  const auto day =
      engine.price(kMeter, quarter_hours(day_of(2026, 7, 15), day_of(2026, 7, 16), 250), prices);
  ASSERT_EQ(day.size(), 96U);
  EXPECT_NEAR(sum(day, &CostQuarterHour::energy_eur), 2.208, 1e-9);
  EXPECT_NEAR(sum(day, &CostQuarterHour::grid_energy_eur), 1.368, 1e-9);
  EXPECT_NEAR(sum(day, &CostQuarterHour::grid_losses_eur), 0.192, 1e-9);
  EXPECT_NEAR(sum(day, &CostQuarterHour::grid_fixed_eur), 0.192, 1e-9);
  EXPECT_NEAR(sum(day, &CostQuarterHour::fees_eur), 0.144, 1e-9);
  EXPECT_NEAR(sum(day, &CostQuarterHour::levies_eur), 0.024, 1e-9);
  EXPECT_NEAR(sum(day, &CostQuarterHour::vat_eur), 0.8256, 1e-9);
  EXPECT_NEAR(sum(day, &CostQuarterHour::total_eur), 4.9536, 1e-9);

  // Price now at 12:00: energy 0.092 x 1.2 = 0.1104; grid (0.048 + 0.008 + 0.001) x 1.2 = 0.0684.
  const std::optional<UnitPrice> now = engine.import_price_at(kMeter, t + 60, prices);
  ASSERT_TRUE(now.has_value());
  EXPECT_TRUE(now->complete);
  EXPECT_NEAR(now->energy_eur_per_kwh, 0.1104, kEps);
  EXPECT_NEAR(now->grid_eur_per_kwh, 0.0684, kEps);
  EXPECT_NEAR(now->total_eur_per_kwh, 0.1788, kEps);
  // Without a price for that instant: incomplete, not zero-priced as final.
  EXPECT_FALSE(engine.import_price_at(kMeter, local(2026, 7, 17, 12), prices)->complete);
}

TEST(CostEngine, PeakChargeOnTheMonthsHighestQuarterHour) {
  // 2027-style charge of 3 EUR per kW of the month's peak: the peak quarter-hour of 1500 Wh is
  // 6 kW -> 18 EUR on that quarter-hour; the others carry none.
  Tariff tariff = fixed_tariff(0);
  tariff.vat = 0;
  GridFees grid;
  grid.peak_eur_per_kw_month = 3;
  tariff.grid.push_back(grid);
  const CostEngine engine = engine_of(tariff);
  const std::int64_t t = local(2027, 1, 10, 18);
  const std::vector<CostEnergy> energy = {qh(t, 500), qh(t + 900, 1500), qh(t + 1800, 1000)};
  const auto costs = engine.price(kMeter, energy, PriceTable{});
  EXPECT_NEAR(costs[0].grid_fixed_eur, 0, kEps);
  EXPECT_NEAR(costs[1].grid_fixed_eur, 18, kEps);
  EXPECT_NEAR(costs[1].total_eur, 18, kEps);
  EXPECT_NEAR(costs[2].grid_fixed_eur, 0, kEps);
}

}  // namespace
}  // namespace meter::app
