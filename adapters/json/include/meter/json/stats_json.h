// SPDX-License-Identifier: MIT
// Statistics rows as a JSON array (`smartmeter stats --format json`, /api/meters/{id}/stats):
// one object per row, camelCase keys, null for a value without samples.
#pragma once

#include <span>
#include <string>

#include "meter/app/statistics.h"

namespace meter::json {

std::string stats_json(std::span<const app::StatsRow> rows);

}  // namespace meter::json
