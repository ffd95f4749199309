// SPDX-License-Identifier: MIT
// Does the bill match? Our quarter-hours (statsQuarterHour) against the operator's
// (portalQuarterHour), per quarter-hour, Vienna local day or month: the energies of the
// quarter-hours both sides have, their difference, the quarter-hours that disagree beyond a
// tolerance, and those only one side has (our outages, the time before installation, a file
// not yet imported). Pure over the ports StatisticsStore and PortalStore.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "meter/app/energy_report.h"
#include "meter/app/portal.h"
#include "meter/app/statistics.h"
#include "meter/app/statistics_store.h"

namespace meter::app {

enum class ReconcileInterval : std::uint8_t { kQuarterHour, kDay, kMonth };
const char* to_string(ReconcileInterval interval);  // "quarter-hour", "day", "month"
std::optional<ReconcileInterval> parse_reconcile_interval(std::string_view text);

struct ReconcileOptions {
  ReconcileInterval interval = ReconcileInterval::kDay;
  // A quarter-hour disagrees when import or export differ by more than this (Wh). The portal
  // gives Wh (kWh with 3 decimals); our counters are read every few seconds, so a few Wh move
  // between neighbouring quarter-hours without any error.
  double tolerance_wh = 5;
};

// One side's energy in an interval.
struct ReconcileEnergy {
  double in_wh = 0;
  double out_wh = 0;
};

struct ReconcileRow {
  std::string meter;
  std::int64_t start = 0;  // UTC epoch seconds
  std::int64_t end = 0;
  // Over the quarter-hours both sides have: ours, the operator's, ours minus theirs.
  ReconcileEnergy ours, theirs;
  double diff_in_wh = 0, diff_out_wh = 0;
  OptionalValue diff_in_percent, diff_out_percent;  // of the operator's; none when theirs is 0
  std::size_t both = 0;                             // quarter-hours with a value on both sides
  std::size_t disagreeing = 0;                      // of those, beyond the tolerance
  std::size_t only_ours = 0;                        // we have a value, the operator none
  std::size_t only_theirs = 0;  // the operator has a value, we none (outage, before us)
  ReconcileEnergy only_ours_energy, only_theirs_energy;  // the energy of those
  bool agrees() const { return disagreeing == 0 && only_ours == 0 && only_theirs == 0; }
};

// A quarter-hour where the two sides disagree or only one has a value.
struct ReconcileFinding {
  std::string meter;
  std::int64_t start = 0;
  enum class Kind : std::uint8_t { kDisagrees, kOnlyOurs, kOnlyTheirs } kind = Kind::kDisagrees;
  OptionalValue ours_in_wh, ours_out_wh, theirs_in_wh, theirs_out_wh;
};
const char* to_string(ReconcileFinding::Kind kind);  // "disagrees", "only-ours", "only-operator"

struct Reconciliation {
  ReconcileOptions options;
  std::vector<ReconcileRow> rows;  // by meter and start; intervals where either side has data
  std::vector<ReconcileFinding> findings;  // by meter and start
  ReconcileRow total;                      // over everything (start/end: the range)
};

// Pure: `ours` are statsQuarterHour rows (a row with a gap counts as no value: its energy is
// partial), `theirs` the operator's. The operator's import is its consumption (what the meter
// counted), its export the feed-in.
Reconciliation reconcile(std::span<const StatsRow> ours, std::span<const PortalQuarterHour> theirs,
                         const ReconcileOptions& options);

// Reads both sides of [from, until) for `meter` (empty: every meter either side has) and
// reconciles them.
Outcome reconcile(StatisticsStore& statistics, PortalStore& portal, const std::string& meter,
                  std::int64_t from, std::int64_t until, const ReconcileOptions& options,
                  Reconciliation& out);

// CSV with a header line: meter, start (UTC epoch), start_local, end, our and the operator's
// import/export, differences (Wh and %), counts; for the quarter-hour interval each finding's
// kind as the last column.
std::string reconciliation_csv(const Reconciliation& reconciliation);

// The energy report's quarter-hours with the operator's values where ours are missing, marked
// EnergySource::kOperator (the dashboard shows them as such): for each operator quarter-hour in
// [from, until) that `ours` has no import for.
std::vector<IntervalEnergy> with_operator_values(std::span<const IntervalEnergy> ours,
                                                 std::span<const PortalQuarterHour> theirs,
                                                 std::int64_t from, std::int64_t until);

}  // namespace meter::app
