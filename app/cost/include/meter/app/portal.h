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

// `incoming` laid over `stored` (same meter and quarter-hour): a value the incoming row has
// replaces the stored one, a value it lacks keeps the stored one (a consumption export and a
// feed-in export of the same meter fill different columns of the same rows).
PortalQuarterHour merged(const PortalQuarterHour& stored, const PortalQuarterHour& incoming);

// Which metering point a meter's operator rows came from.
struct MeteringPointOfMeter {
  std::string meter;
  std::string metering_point;
  friend bool operator==(const MeteringPointOfMeter&, const MeteringPointOfMeter&) = default;
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
  // One transaction: all rows or none; upserts keyed by (meter, intervalStart), each row
  // merged() over the stored one. `changed` counts the rows that were new or got another value.
  virtual Outcome store(std::span<const PortalQuarterHour> rows, std::size_t& changed) = 0;
  // Rows with start in [from, until), ordered by meter and start.
  virtual Outcome rows(const PortalQuery& query, std::vector<PortalQuarterHour>& out) = 0;
  // Each (meter, metering point) pair the table holds, ordered by meter.
  virtual Outcome metering_points(std::vector<MeteringPointOfMeter>& out) = 0;
  virtual void close() = 0;
  virtual std::string describe() const = 0;
};

// What an import did, for the user.
struct PortalImportResult {
  std::string meter;
  std::size_t rows = 0;
  std::size_t changed = 0;
};

// Stores a parsed file's rows for one of our meters, in one transaction. The meter: `meter`
// when given, else the meter this metering point was imported for before, else the only meter
// of `known_meters` (the meters with readings). Refused (nothing stored) when the service knows
// several meters and none is given, when the meter's earlier imports came from another metering
// point, or when the metering point belongs to another meter. `file_name` names the file in the
// messages.
Outcome import_portal_rows(PortalStore& store, std::vector<PortalQuarterHour> rows,
                           const std::string& metering_point, const std::string& file_name,
                           const std::string& meter, std::span<const std::string> known_meters,
                           PortalImportResult& result);

}  // namespace meter::app
