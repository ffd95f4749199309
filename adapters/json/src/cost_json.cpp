// SPDX-License-Identifier: MIT
#include "meter/json/cost_json.h"

#include <nlohmann/json.hpp>

#include "meter/app/statistics.h"

namespace meter::json {
namespace {

using nlohmann::ordered_json;

ordered_json total_json(const app::CostTotal& t) {
  return {{"meter", t.meter},
          {"interval", app::to_string(t.interval)},
          {"start", t.start},
          {"startLocal", app::vienna_iso(t.start)},
          {"end", t.end},
          {"importWh", t.import_wh},
          {"exportWh", t.export_wh},
          {"energyEur", t.energy_eur},
          {"gridEur", t.grid_eur()},
          {"gridEnergyEur", t.grid_energy_eur},
          {"gridLossesEur", t.grid_losses_eur},
          {"gridFixedEur", t.grid_fixed_eur},
          {"leviesEur", t.levies_eur},
          {"feesEur", t.fees_eur},
          {"vatEur", t.vat_eur},
          {"feedInEur", t.feed_in_eur},
          {"netEur", t.total_eur},
          {"quarterHours", t.quarter_hours},
          {"incomplete", t.incomplete},
          {"energyGaps", t.energy_gaps},
          {"missingPrices", t.missing_prices},
          {"noTariff", t.no_tariff}};
}

ordered_json price_json(const std::optional<app::UnitPrice>& price) {
  if (!price) return nullptr;
  return {{"energyEurPerKwh", price->energy_eur_per_kwh},
          {"gridEurPerKwh", price->grid_eur_per_kwh},
          {"totalEurPerKwh", price->total_eur_per_kwh},
          {"complete", price->complete}};
}

}  // namespace

std::string cost_totals_json(std::span<const app::CostTotal> totals) {
  ordered_json out = ordered_json::array();
  for (const app::CostTotal& t : totals) out.push_back(total_json(t));
  return out.dump();
}

std::string cost_summary_json(const app::CostSummary& s) {
  ordered_json out = {{"meter", s.meter},
                      {"now", s.now},
                      {"tariff", s.tariff},
                      {"today", total_json(s.today)},
                      {"yesterday", total_json(s.yesterday)},
                      {"thisMonth", total_json(s.this_month)},
                      {"lastMonth", total_json(s.last_month)}};
  out["monthEstimateEur"] =
      s.month_estimate_eur ? ordered_json(*s.month_estimate_eur) : ordered_json(nullptr);
  out["priceNow"] = price_json(s.price_now);
  return out.dump();
}

std::string cost_state_json(const app::CostSummary& s) {
  ordered_json out = {{"systemTitle", s.meter}};
  out["priceNowEurPerKwh"] = s.price_now && s.price_now->complete
                                 ? ordered_json(s.price_now->total_eur_per_kwh)
                                 : ordered_json(nullptr);
  out["costTodayEur"] = s.today.total_eur;
  out["costThisMonthEur"] = s.this_month.total_eur;
  out["todayStart"] = app::vienna_iso(s.today.start);
  out["monthStart"] = app::vienna_iso(s.this_month.start);
  return out.dump();
}

std::string price_curve_json(const std::string& meter,
                             std::span<const app::PriceCurvePoint> curve) {
  ordered_json points = ordered_json::array();
  for (const app::PriceCurvePoint& point : curve) {
    ordered_json p = price_json(point.price);
    if (p.is_null()) p = ordered_json::object();
    p["start"] = point.start;
    p["startLocal"] = app::vienna_iso(point.start);
    points.push_back(std::move(p));
  }
  return ordered_json{{"meter", meter}, {"points", points}}.dump();
}

}  // namespace meter::json
