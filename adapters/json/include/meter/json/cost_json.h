// SPDX-License-Identifier: MIT
// The JSON of the costs: sums per interval (`smartmeter cost --format json`, the API), the
// summary the dashboard and Home Assistant show, and the day's price curve. Money in EUR, energy
// in Wh, prices in EUR/kWh (gross), times in UTC epoch seconds with the local time beside.
#pragma once

#include <span>
#include <string>

#include "meter/app/cost_view.h"

namespace meter::json {

std::string cost_totals_json(std::span<const app::CostTotal> totals);
std::string cost_summary_json(const app::CostSummary& summary);
// The retained state the Home Assistant cost sensors read (app::ha_cost_topic()).
std::string cost_state_json(const app::CostSummary& summary);
std::string price_curve_json(const std::string& meter, std::span<const app::PriceCurvePoint> curve);

}  // namespace meter::json
