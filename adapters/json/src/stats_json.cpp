// SPDX-License-Identifier: MIT
#include "meter/json/stats_json.h"

#include <nlohmann/json.hpp>

namespace meter::json {

std::string stats_json(std::span<const app::StatsRow> rows) {
  nlohmann::ordered_json out = nlohmann::ordered_json::array();
  auto optional = [](const app::OptionalValue& value) {
    return value ? nlohmann::ordered_json(*value) : nlohmann::ordered_json(nullptr);
  };
  for (const app::StatsRow& r : rows) {
    out.push_back({{"meter", r.meter},
                   {"interval", app::to_string(r.interval)},
                   {"start", r.start},
                   {"startLocal", app::vienna_iso(r.start)},
                   {"end", r.end},
                   {"energyInWh", optional(r.energy_in_wh)},
                   {"energyOutWh", optional(r.energy_out_wh)},
                   {"powerInMeanW", optional(r.power_in_mean_w)},
                   {"powerInMinW", optional(r.power_in_min_w)},
                   {"powerInMaxW", optional(r.power_in_max_w)},
                   {"powerOutMeanW", optional(r.power_out_mean_w)},
                   {"powerOutMinW", optional(r.power_out_min_w)},
                   {"powerOutMaxW", optional(r.power_out_max_w)},
                   {"samples", r.samples},
                   {"coverage", r.coverage},
                   {"gap", r.gap},
                   {"complete", r.complete}});
  }
  return out.dump();
}

}  // namespace meter::json
