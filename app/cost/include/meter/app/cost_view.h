// SPDX-License-Identifier: MIT
// What the user sees of the costs (`smartmeter cost`, the API, the dashboard, Home Assistant):
// sums per quarter-hour, local day or month from the cost store, today / yesterday / this month
// / last month with a linear estimate of the month's bill, the import price now and over a
// local day. Pure apart from the ports; any thread (the stores serialise their calls).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "meter/app/cost.h"
#include "meter/app/cost_store.h"
#include "meter/app/prices.h"

namespace meter::app {

struct CostSummary {
  std::string meter;
  std::int64_t now = 0;  // UTC epoch seconds the summary was made for
  CostTotal today, yesterday, this_month, last_month;
  // This month's total scaled from the quarter-hours priced so far to the whole month; nullopt
  // before the first quarter-hour of the month is priced.
  std::optional<double> month_estimate_eur;
  std::optional<UnitPrice> price_now;  // nullopt: no tariff valid now
  std::string tariff;                  // the tariff valid now ("" when none)
};

// One point of the import price curve: the quarter-hour [start, start + 900).
struct PriceCurvePoint {
  std::int64_t start = 0;
  std::optional<UnitPrice> price;  // nullopt: no tariff valid then
};

// The sums of local days first_day .. last_day (day numbers, both included; nullopt: open):
// with months, the months those days lie in.
CostQuery local_days_cost_query(CostInterval interval, std::string meter,
                                std::optional<std::int64_t> first_day,
                                std::optional<std::int64_t> last_day);

// The month's total scaled to the whole month: total * month length / time priced.
std::optional<double> month_estimate(const CostTotal& month_so_far);

class CostView {
 public:
  // `engine` and `prices` may be null (no tariff file): then there is no price now or curve.
  CostView(const CostEngine* engine, CostStore& costs, PriceStore* prices);

  Outcome totals(const CostQuery& query, std::vector<CostTotal>& out) const;
  Outcome summary(const std::string& meter, std::int64_t now, CostSummary& out) const;
  // The local day's quarter-hours that contain `day_start` (any instant of the day).
  Outcome price_curve(const std::string& meter, std::int64_t day,
                      std::vector<PriceCurvePoint>& out) const;
  bool has_tariff() const { return engine_ != nullptr; }

 private:
  Outcome one_total(const std::string& meter, CostInterval interval, std::int64_t start,
                    CostTotal& out) const;
  Outcome load_prices(const std::string& meter, std::int64_t from, std::int64_t until,
                      PriceTable& table) const;

  const CostEngine* engine_;
  CostStore& costs_;
  PriceStore* prices_;
};

// CSV with a header line: meter, interval, start (UTC epoch), start_local, end, import_wh,
// export_wh, energy_eur, grid_eur (grid_energy_eur + grid_losses_eur + grid_fixed_eur, also
// given), levies_eur, fees_eur, vat_eur, feed_in_eur, net_eur (everything + VAT - feed-in: what
// is paid), quarter_hours, incomplete, energy_gaps, missing_prices, no_tariff.
std::string cost_csv(std::span<const CostTotal> totals);

}  // namespace meter::app
