// SPDX-License-Identifier: MIT
// The grid operator's billed quarter-hours (the customer portal's export) and their comparison
// with ours. Kept apart from our readings (table `portalQuarterHour`).
#pragma once

#include <cstdint>
#include <limits>
#include <span>
#include <string>
#include <vector>

#include "meter/app/ports.h"
#include "meter/app/reading.h"

namespace meter::app {

// One quarter-hour [start, start + 900) of the operator's file. The files stamp the *end* of
// the interval; `start` is already the start. Energy community members get the split:
// consumption = grid_draw + community.
struct PortalQuarterHour {
  std::string meter;           // our meter id (the file's metering point is mapped to it)
  std::string metering_point;  // "AT0020000000000000000000100000000", as in the file
  std::int64_t start = 0;
  OptionalValue consumption_wh;  // what the meter counted as import
  OptionalValue grid_draw_wh;    // remaining draw from the grid (community members)
  OptionalValue community_wh;    // covered by the energy community
  OptionalValue feed_in_wh;      // export
  std::string source;            // file name and format version

  friend bool operator==(const PortalQuarterHour&, const PortalQuarterHour&) = default;
};

struct PortalQuery {
  std::string meter;  // empty: all
  std::int64_t from = std::numeric_limits<std::int64_t>::min();
  std::int64_t until = std::numeric_limits<std::int64_t>::max();
};

class PortalStore {
 public:
  virtual ~PortalStore() = default;
  virtual Outcome open() = 0;
  // One transaction: all rows or none; upserts keyed by (meter, intervalStart).
  virtual Outcome store(std::span<const PortalQuarterHour> rows, std::size_t& changed) = 0;
  virtual Outcome rows(const PortalQuery& query, std::vector<PortalQuarterHour>& out) = 0;
  virtual void close() = 0;
  virtual std::string describe() const = 0;
};

}  // namespace meter::app
