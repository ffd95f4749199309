// SPDX-License-Identifier: MIT
// The cost engine: one quarter-hour at a time, every part from the tariff part valid on the
// quarter-hour's local date (docs/tariffs.md, "How the cost is computed").
#include "meter/app/cost.h"

#include <algorithm>
#include <map>
#include <utility>

#include "meter/core/civil_time.h"

namespace meter::app {

namespace {

constexpr std::int64_t kQuarterHour = 900;

// The share of a quarter-hour in its local month and year: fees spread by time, so that every
// quarter-hour of a month carries the same part and the parts add up to the fee.
double month_share(std::int64_t start) {
  const std::int64_t month = core::vienna_month_index(start);
  const std::int64_t length =
      core::vienna_month_start_utc(month + 1) - core::vienna_month_start_utc(month);
  return static_cast<double>(kQuarterHour) / static_cast<double>(length);
}

double year_share(std::int64_t start) {
  const std::int64_t month = core::vienna_month_index(start);
  const std::int64_t first = month - core::floor_div(month, 12) * 12;  // months since January
  const std::int64_t january = month - first;
  const std::int64_t length =
      core::vienna_month_start_utc(january + 12) - core::vienna_month_start_utc(january);
  return static_cast<double>(kQuarterHour) / static_cast<double>(length);
}

double net(double price, bool includes_vat, double vat) {
  return includes_vat ? price / (1 + vat) : price;
}

// The supplier's net price per kWh drawn at `start`; `spot` receives the spot price used.
// nullopt: the spot price is missing.
std::optional<double> import_unit_price(const ImportPrice& part, std::int64_t start,
                                        const PriceTable& prices, double vat, OptionalValue& spot) {
  double price = part.eur_per_kwh;
  switch (part.kind) {
    case ImportKind::kFixed:
      break;
    case ImportKind::kTimeOfUse:
      for (const TimeWindow& window : part.windows) {
        if (window.contains(start)) {
          price = window.eur_per_kwh;
          break;
        }
      }
      break;
    case ImportKind::kSpot: {
      spot = prices.at(part.spot.series.market, part.spot.series.product, start);
      if (!spot) return std::nullopt;
      price = part.spot.apply(*spot);
      break;
    }
  }
  return net(price, part.includes_vat, vat);
}

// What the supplier pays per kWh fed in at `start`; nullopt: the spot price is missing.
std::optional<double> feed_in_unit_price(const FeedInPrice& part, std::int64_t start,
                                         const PriceTable& prices, OptionalValue& spot) {
  if (part.kind == FeedInKind::kFixed) return part.eur_per_kwh;
  spot = prices.at(part.series.market, part.series.product, start);
  if (!spot) return std::nullopt;
  const double p = *spot / 1000.0;
  std::optional<double> price;
  for (const FeedInTerm& term : part.terms) {
    const double value = p * term.share - term.minus_eur_per_kwh;
    if (!price) {
      price = value;
    } else {
      price = part.combine == Combine::kMax ? std::max(*price, value) : std::min(*price, value);
    }
  }
  double result = price.value_or(p);
  if (part.floor_eur_per_kwh) result = std::max(result, *part.floor_eur_per_kwh);
  return result;
}

void finish(CostQuarterHour& cost, double vat) {
  const double net_sum = cost.energy_eur + cost.grid_energy_eur + cost.grid_losses_eur +
                         cost.grid_fixed_eur + cost.fees_eur + cost.levies_eur;
  cost.vat_eur = net_sum * vat;
  cost.total_eur = net_sum + cost.vat_eur - cost.feed_in_eur;
}

void price_one(const Tariff& tariff, const CostEnergy& energy, const PriceTable& prices,
               CostQuarterHour& cost) {
  const std::int64_t day = core::vienna_local_day(energy.start);
  const double import_kwh = energy.import_wh.value_or(0) / 1000.0;
  const double export_kwh = energy.export_wh.value_or(0) / 1000.0;
  const auto flag = [&cost](CostFlag bit) { cost.flags |= static_cast<std::uint8_t>(bit); };

  if (const ImportPrice* part = valid_on(tariff.imports, day)) {
    OptionalValue spot;
    const std::optional<double> price =
        import_unit_price(*part, energy.start, prices, tariff.vat, spot);
    cost.spot_eur_per_mwh = spot;
    if (price) {
      cost.energy_eur = import_kwh * *price;
    } else {
      flag(CostFlag::kMissingPrice);
    }
  } else {
    flag(CostFlag::kNoTariff);  // every tariff has an import price; none for this day
  }

  if (!tariff.feed_ins.empty()) {
    if (const FeedInPrice* part = valid_on(tariff.feed_ins, day)) {
      OptionalValue spot;
      const std::optional<double> price = feed_in_unit_price(*part, energy.start, prices, spot);
      if (!cost.spot_eur_per_mwh) cost.spot_eur_per_mwh = spot;
      if (price) {
        cost.feed_in_eur = export_kwh * *price;
      } else {
        flag(CostFlag::kMissingPrice);
      }
    } else {
      flag(CostFlag::kNoTariff);
    }
  }

  if (!tariff.grid.empty()) {
    if (const GridFees* grid = valid_on(tariff.grid, day)) {
      cost.grid_energy_eur =
          import_kwh * grid->energy_price_at(energy.start) + export_kwh * grid->export_eur_per_kwh;
      cost.grid_losses_eur = import_kwh * grid->losses_eur_per_kwh;
      cost.grid_fixed_eur = grid->power_eur_per_year * year_share(energy.start) +
                            grid->metering_eur_per_month * month_share(energy.start);
    } else {
      flag(CostFlag::kNoTariff);
    }
  }

  for (const Fee& fee : tariff.fees) {
    if (!fee.period.contains(day)) continue;
    const double share =
        fee.interval == FeeInterval::kMonth ? month_share(energy.start) : year_share(energy.start);
    cost.fees_eur += net(fee.eur, fee.includes_vat, tariff.vat) * share;
  }
  for (const Levy& levy : tariff.levies) {
    if (!levy.period.contains(day)) continue;
    cost.levies_eur += import_kwh * levy.eur_per_kwh + levy.eur_per_year * year_share(energy.start);
  }
  finish(cost, tariff.vat);
}

// The charge on the month's highest quarter-hour (kW = Wh x 4 / 1000) goes to that quarter-hour.
void charge_peaks(const Tariff& tariff, std::vector<CostQuarterHour>& costs) {
  std::map<std::int64_t, std::size_t> peak_of_month;
  for (std::size_t i = 0; i < costs.size(); ++i) {
    if (!costs[i].import_wh) continue;
    const std::int64_t month = core::vienna_month_index(costs[i].start);
    const auto [it, added] = peak_of_month.try_emplace(month, i);
    if (!added && *costs[i].import_wh > *costs[it->second].import_wh) it->second = i;
  }
  for (const auto& [month, index] : peak_of_month) {
    CostQuarterHour& cost = costs[index];
    const GridFees* grid = valid_on(tariff.grid, core::vienna_local_day(cost.start));
    if (grid == nullptr || grid->peak_eur_per_kw_month == 0) continue;
    cost.grid_fixed_eur += *cost.import_wh * 4 / 1000.0 * grid->peak_eur_per_kw_month;
    finish(cost, tariff.vat);
  }
}

}  // namespace

CostEngine::CostEngine(TariffSet tariffs) : tariffs_(std::move(tariffs)) {}

std::vector<PriceSeries> CostEngine::price_series(const std::string& meter, std::int64_t from,
                                                  std::int64_t until) const {
  std::vector<PriceSeries> series;
  const Tariff* tariff = tariffs_.for_meter(meter);
  if (tariff == nullptr || until <= from) return series;
  const std::int64_t first_day = core::vienna_local_day(from);
  const std::int64_t end_day = core::vienna_local_day(until - 1) + 1;
  const auto add = [&series](const PriceSeries& one) {
    if (std::find(series.begin(), series.end(), one) == series.end()) series.push_back(one);
  };
  for (const ImportPrice& part : tariff->imports) {
    if (part.kind == ImportKind::kSpot && part.period.overlaps(first_day, end_day)) {
      add(part.spot.series);
    }
  }
  for (const FeedInPrice& part : tariff->feed_ins) {
    if (part.kind == FeedInKind::kSpot && part.period.overlaps(first_day, end_day)) {
      add(part.series);
    }
  }
  return series;
}

std::vector<CostQuarterHour> CostEngine::price(const std::string& meter,
                                               std::span<const CostEnergy> energy,
                                               const PriceTable& prices) const {
  std::vector<const CostEnergy*> ordered;
  ordered.reserve(energy.size());
  for (const CostEnergy& one : energy) ordered.push_back(&one);
  std::sort(ordered.begin(), ordered.end(),
            [](const CostEnergy* a, const CostEnergy* b) { return a->start < b->start; });

  const Tariff* tariff = tariffs_.for_meter(meter);
  std::vector<CostQuarterHour> costs;
  costs.reserve(ordered.size());
  for (const CostEnergy* one : ordered) {
    CostQuarterHour cost;
    cost.meter = meter;
    cost.start = one->start;
    cost.end = one->start + kQuarterHour;
    cost.import_wh = one->import_wh;
    cost.export_wh = one->export_wh;
    if (!one->complete || !one->import_wh) {
      cost.flags |= static_cast<std::uint8_t>(CostFlag::kEnergyGap);
    }
    if (tariff == nullptr) {
      cost.flags |= static_cast<std::uint8_t>(CostFlag::kNoTariff);
    } else {
      cost.tariff = tariff->name;
      price_one(*tariff, *one, prices, cost);
    }
    costs.push_back(std::move(cost));
  }
  if (tariff != nullptr) charge_peaks(*tariff, costs);
  return costs;
}

std::optional<UnitPrice> CostEngine::import_price_at(const std::string& meter,
                                                     std::int64_t utc_seconds,
                                                     const PriceTable& prices) const {
  const Tariff* tariff = tariffs_.for_meter(meter);
  if (tariff == nullptr) return std::nullopt;
  const std::int64_t day = core::vienna_local_day(utc_seconds);
  const ImportPrice* part = valid_on(tariff->imports, day);
  if (part == nullptr) return std::nullopt;
  UnitPrice unit;
  OptionalValue spot;
  const std::optional<double> energy =
      import_unit_price(*part, utc_seconds, prices, tariff->vat, spot);
  unit.complete = energy.has_value();
  double grid = 0;
  if (const GridFees* fees = valid_on(tariff->grid, day)) {
    grid += fees->energy_price_at(utc_seconds) + fees->losses_eur_per_kwh;
  }
  for (const Levy& levy : tariff->levies) {
    if (levy.period.contains(day)) grid += levy.eur_per_kwh;
  }
  const double gross = 1 + tariff->vat;
  unit.energy_eur_per_kwh = energy.value_or(0) * gross;
  unit.grid_eur_per_kwh = grid * gross;
  unit.total_eur_per_kwh = unit.energy_eur_per_kwh + unit.grid_eur_per_kwh;
  return unit;
}

}  // namespace meter::app
