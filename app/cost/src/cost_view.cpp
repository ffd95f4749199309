// SPDX-License-Identifier: MIT
#include "meter/app/cost_view.h"

#include <cstdio>

#include "meter/app/cost_updater.h"
#include "meter/app/statistics.h"
#include "meter/core/civil_time.h"

namespace meter::app {

CostQuery local_days_cost_query(CostInterval interval, std::string meter,
                                std::optional<std::int64_t> first_day,
                                std::optional<std::int64_t> last_day) {
  CostQuery query;
  query.interval = interval;
  query.meter = std::move(meter);
  if (first_day) {
    query.from = core::vienna_day_start_utc(*first_day);
    if (interval == CostInterval::kMonth) {
      query.from = cost_interval_start(CostInterval::kMonth, query.from);
    }
  }
  if (last_day) query.until = core::vienna_day_start_utc(*last_day + 1);
  return query;
}

std::optional<double> month_estimate(const CostTotal& month_so_far) {
  if (month_so_far.quarter_hours <= 0) return std::nullopt;
  const auto length = static_cast<double>(
      cost_interval_end(CostInterval::kMonth, month_so_far.start) - month_so_far.start);
  const auto priced = static_cast<double>(month_so_far.quarter_hours * kQuarterHourSeconds);
  return month_so_far.total_eur * length / priced;
}

CostView::CostView(const CostEngine* engine, CostStore& costs, PriceStore* prices)
    : engine_(engine), costs_(costs), prices_(prices) {}

Outcome CostView::totals(const CostQuery& query, std::vector<CostTotal>& out) const {
  return costs_.totals(query, out);
}

Outcome CostView::one_total(const std::string& meter, CostInterval interval, std::int64_t start,
                            CostTotal& out) const {
  CostQuery query;
  query.interval = interval;
  query.meter = meter;
  query.from = start;
  query.until = start + 1;
  std::vector<CostTotal> found;
  if (auto got = costs_.totals(query, found); !got) return got;
  if (!found.empty()) {
    out = found.front();
  } else {
    out = {};
    out.meter = meter;
    out.interval = interval;
    out.start = start;
    out.end = cost_interval_end(interval, start);
  }
  return Outcome::success();
}

Outcome CostView::load_prices(const std::string& meter, std::int64_t from, std::int64_t until,
                              PriceTable& table) const {
  if (engine_ == nullptr || prices_ == nullptr) return Outcome::success();
  return load_cost_prices(*engine_, *prices_, meter, from, until, table);
}

Outcome CostView::summary(const std::string& meter, std::int64_t now, CostSummary& out) const {
  out = {};
  out.meter = meter;
  out.now = now;
  const std::int64_t today = cost_interval_start(CostInterval::kDay, now);
  const std::int64_t month = cost_interval_start(CostInterval::kMonth, now);
  const std::pair<CostTotal*, std::pair<CostInterval, std::int64_t>> wanted[] = {
      {&out.today, {CostInterval::kDay, today}},
      {&out.yesterday, {CostInterval::kDay, cost_interval_start(CostInterval::kDay, today - 1)}},
      {&out.this_month, {CostInterval::kMonth, month}},
      {&out.last_month,
       {CostInterval::kMonth, cost_interval_start(CostInterval::kMonth, month - 1)}}};
  for (const auto& [total, which] : wanted) {
    if (auto got = one_total(meter, which.first, which.second, *total); !got) return got;
  }
  out.month_estimate_eur = month_estimate(out.this_month);
  if (engine_ != nullptr) {
    PriceTable table;
    if (auto got = load_prices(meter, now, now + 1, table); !got) return got;
    out.price_now = engine_->import_price_at(meter, now, table);
    std::vector<StoredCost> recent;
    const std::int64_t quarter = cost_interval_start(CostInterval::kQuarterHour, now);
    if (auto got = costs_.quarter_hours(meter, quarter - 86400, quarter + 900, recent); !got) {
      return got;
    }
    if (!recent.empty()) out.tariff = recent.back().cost.tariff;
  }
  return Outcome::success();
}

Outcome CostView::price_curve(const std::string& meter, std::int64_t day,
                              std::vector<PriceCurvePoint>& out) const {
  out.clear();
  if (engine_ == nullptr) return Outcome::success();
  const std::int64_t from = cost_interval_start(CostInterval::kDay, day);
  const std::int64_t until = cost_interval_end(CostInterval::kDay, from);
  PriceTable table;
  if (auto got = load_prices(meter, from, until, table); !got) return got;
  for (std::int64_t t = from; t < until; t += kQuarterHourSeconds) {
    out.push_back({t, engine_->import_price_at(meter, t, table)});
  }
  return Outcome::success();
}

std::string cost_csv(std::span<const CostTotal> totals) {
  std::string out =
      "meter,interval,start,start_local,end,import_wh,export_wh,energy_eur,grid_eur,"
      "grid_energy_eur,grid_losses_eur,grid_fixed_eur,levies_eur,fees_eur,vat_eur,feed_in_eur,"
      "net_eur,quarter_hours,incomplete,energy_gaps,missing_prices,no_tariff\n";
  char buffer[64];
  const auto number = [&](double value, int decimals) {
    (void)std::snprintf(buffer, sizeof buffer, ",%.*f", decimals, value);
    out += buffer;
  };
  for (const CostTotal& t : totals) {
    out += t.meter + "," + to_string(t.interval) + "," + std::to_string(t.start) + "," +
           vienna_iso(t.start) + "," + std::to_string(t.end);
    number(t.import_wh, 3);
    number(t.export_wh, 3);
    for (const double eur :
         {t.energy_eur, t.grid_eur(), t.grid_energy_eur, t.grid_losses_eur, t.grid_fixed_eur,
          t.levies_eur, t.fees_eur, t.vat_eur, t.feed_in_eur, t.total_eur}) {
      number(eur, 6);
    }
    for (const std::int64_t count :
         {t.quarter_hours, t.incomplete, t.energy_gaps, t.missing_prices, t.no_tariff}) {
      out += "," + std::to_string(count);
    }
    out += "\n";
  }
  return out;
}

}  // namespace meter::app
