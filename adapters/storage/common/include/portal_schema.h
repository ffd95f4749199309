// SPDX-License-Identifier: MIT
// The table of the operator's billed quarter-hours (`portalQuarterHour`), shared by the SQLite
// and the MariaDB portal stores: its columns and what an import writes.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "meter/app/portal.h"

namespace meter::storage::detail {

inline constexpr const char* kPortalTable = "portalQuarterHour";

// In this order; the primary key is (meter, intervalStart). Energies are Wh (NULL: the file had
// no value), `imported` the UTC epoch second of the import that wrote the row.
inline constexpr std::array<const char*, 9> kPortalColumns = {
    "meter",     "meteringPoint", "intervalStart", "consumption", "gridDraw",
    "community", "feedIn",        "source",        "imported"};

// What an import may overwrite: per meter, the span of its incoming rows.
inline std::vector<app::PortalQuery> portal_queries_of(
    std::span<const app::PortalQuarterHour> rows) {
  std::map<std::string, app::PortalQuery> by_meter;
  for (const app::PortalQuarterHour& row : rows) {
    auto [it, added] =
        by_meter.try_emplace(row.meter, app::PortalQuery{row.meter, row.start, row.start + 1});
    it->second.from = std::min(it->second.from, row.start);
    it->second.until = std::max(it->second.until, row.start + 1);
  }
  std::vector<app::PortalQuery> out;
  out.reserve(by_meter.size());
  for (auto& [meter, query] : by_meter) out.push_back(query);
  return out;
}

// The rows to write: each incoming row merged over the stored one of its quarter-hour, only
// where that changes something. `stored` holds the rows of the incoming rows' meter and span.
inline std::vector<app::PortalQuarterHour> portal_rows_to_write(
    std::span<const app::PortalQuarterHour> stored,
    std::span<const app::PortalQuarterHour> incoming) {
  std::map<std::pair<std::string, std::int64_t>, const app::PortalQuarterHour*> by_key;
  for (const app::PortalQuarterHour& row : stored) by_key[{row.meter, row.start}] = &row;
  std::vector<app::PortalQuarterHour> out;
  for (const app::PortalQuarterHour& row : incoming) {
    const auto it = by_key.find({row.meter, row.start});
    if (it == by_key.end()) {
      out.push_back(row);
      continue;
    }
    app::PortalQuarterHour next = app::merged(*it->second, row);
    next.source = it->second->source;  // compared without the source: same values, no change
    if (next == *it->second) continue;
    next.source = row.source;
    out.push_back(std::move(next));
  }
  return out;
}

}  // namespace meter::storage::detail
