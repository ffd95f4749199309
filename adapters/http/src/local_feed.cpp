// SPDX-License-Identifier: MIT
// GET /v1/json: EverHome EcoTracker's local API, for zero-export battery and inverter
// controllers (the numbers and their meaning: meter/app/local_feed.h).
#include <cmath>
#include <nlohmann/json.hpp>

#include "meter/app/local_feed.h"
#include "meter/http/api.h"

namespace meter::http {
namespace {

// Whole watts and watt-hours, as the EcoTracker sends them.
std::int64_t whole(double value) { return static_cast<std::int64_t>(std::llround(value)); }

}  // namespace

Response Api::local_feed() {
  const std::int64_t now = sources_.now_ms();
  const app::LiveSnapshot live = sources_.live->snapshot(now);
  static const app::TelegramLog kNoTelegrams;
  const app::LocalFeedAnswer answer = app::local_feed_values(
      live, sources_.telegrams != nullptr ? *sources_.telegrams : kNoTelegrams,
      sources_.local_feed_meter, sources_.local_feed_stale_ms);
  if (answer.state != app::LocalFeedState::kOk) {
    return {503, "application/json", nlohmann::json{{"error", answer.message}}.dump()};
  }
  const app::LocalFeedValues& v = answer.values;
  nlohmann::ordered_json body{{"power", whole(v.power)}, {"powerAvg", whole(v.power_avg)}};
  if (v.phases) {
    body["powerPhase1"] = whole((*v.phases)[0]);
    body["powerPhase2"] = whole((*v.phases)[1]);
    body["powerPhase3"] = whole((*v.phases)[2]);
  }
  body["energyCounterIn"] = whole(v.energy_in);
  body["energyCounterOut"] = whole(v.energy_out);
  return {200, "application/json", body.dump()};
}

}  // namespace meter::http
