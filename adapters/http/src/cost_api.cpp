// SPDX-License-Identifier: MIT
// The cost endpoints of the API (docs/cost.md): the numbers come from app's CostView, this file
// only reads the parameters and writes the JSON.
#include "api_detail.h"
#include "meter/core/civil_time.h"
#include "meter/http/api.h"
#include "meter/json/cost_json.h"

namespace meter::http {
namespace {

constexpr const char* kNoTariff =
    "no tariff file is configured: set SMARTMETER_TARIFF_FILE (docs/tariffs.md)";

Response json_text(std::string body) { return {200, "application/json", std::move(body)}; }

}  // namespace

// interval=quarter-hour|day|month (default day), from/to = local days YYYY-MM-DD (default: the
// last 31 days, today included; with months, the months those days lie in).
Response Api::cost(const std::string& requested, const Params& params) {
  if (sources_.cost == nullptr) return detail::error_response(404, kNoTariff);
  const auto it = params.find("interval");
  const std::string interval_text =
      it == params.end() || it->second.empty() ? std::string("day") : it->second;
  const auto interval = app::parse_cost_interval(interval_text);
  if (!interval) {
    return detail::error_response(400, "parameter interval must be quarter-hour, day or month");
  }
  std::int64_t first = 0;
  std::int64_t last = 0;
  const std::int64_t now_s = sources_.now_ms() / 1000;
  if (auto bad = detail::local_day_range(params, core::vienna_local_day(now_s), 30, first, last)) {
    return *bad;
  }
  const std::string id = resolve(requested, sources_.live->snapshot(sources_.now_ms()));
  if (id.empty()) return detail::error_response(404, "unknown meter " + requested);
  std::vector<app::CostTotal> totals;
  if (auto got =
          sources_.cost->totals(app::local_days_cost_query(*interval, id, first, last), totals);
      !got) {
    return detail::error_response(503, "cost: " + got.error);
  }
  return json_text(json::cost_totals_json(totals));
}

Response Api::cost_summary(const std::string& requested) {
  if (sources_.cost == nullptr) return detail::error_response(404, kNoTariff);
  const std::string id = resolve(requested, sources_.live->snapshot(sources_.now_ms()));
  if (id.empty()) return detail::error_response(404, "unknown meter " + requested);
  const std::int64_t now_s = sources_.now_ms() / 1000;
  return cached("cost/summary/" + id, [&] {
    app::CostSummary summary;
    if (auto got = sources_.cost->summary(id, now_s, summary); !got) {
      return detail::error_response(503, "cost: " + got.error);
    }
    return json_text(json::cost_summary_json(summary));
  });
}

// date=YYYY-MM-DD (default today): the gross import price of each quarter-hour of that local day.
Response Api::prices(const std::string& requested, const Params& params) {
  if (sources_.cost == nullptr) return detail::error_response(404, kNoTariff);
  std::int64_t day = core::vienna_local_day(sources_.now_ms() / 1000);
  if (const auto it = params.find("date"); it != params.end() && !it->second.empty()) {
    if (!core::parse_iso_day(it->second.data(), it->second.size(), &day)) {
      return detail::error_response(400, "parameter date must be a date YYYY-MM-DD");
    }
  }
  const std::string id = resolve(requested, sources_.live->snapshot(sources_.now_ms()));
  if (id.empty()) return detail::error_response(404, "unknown meter " + requested);
  std::vector<app::PriceCurvePoint> curve;
  if (auto got = sources_.cost->price_curve(id, core::vienna_day_start_utc(day), curve); !got) {
    return detail::error_response(503, "prices: " + got.error);
  }
  return json_text(json::price_curve_json(id, curve));
}

}  // namespace meter::http
