// SPDX-License-Identifier: MIT
// Port: where the cost of each quarter-hour lives, and its daily and monthly sums in Vienna
// local days and months. Adapters (SQLite, MariaDB) keep
//
//   costQuarterHour              one row per meter and quarter-hour (the CostQuarterHour, the
//                                tariff's fingerprint, the local day and month it belongs to)
//   costDaily, costMonthly       views: sums of costQuarterHour per local day and month
//
// (with SMARTMETER_DB_TABLE=history, the default; else <table>CostQuarterHour, ...), keyed by
// (meter, intervalStart). No vendor types.
#pragma once

#include <cstdint>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "meter/app/cost.h"
#include "meter/app/ports.h"

namespace meter::app {

struct CostTableNames {
  std::string quarter_hour;
  std::string daily;
  std::string monthly;
};
CostTableNames cost_table_names(const std::string& history_table);

enum class CostInterval : std::uint8_t { kQuarterHour, kDay, kMonth };
const char* to_string(CostInterval interval);  // "quarter-hour", "day", "month"
std::optional<CostInterval> parse_cost_interval(std::string_view text);

// The Vienna local day or month (or the quarter-hour) that contains `utc_seconds`: [start, end).
std::int64_t cost_interval_start(CostInterval interval, std::int64_t utc_seconds);
std::int64_t cost_interval_end(CostInterval interval, std::int64_t start);

// One stored quarter-hour: its cost and the fingerprint of the tariff file it was priced with.
struct StoredCost {
  CostQuarterHour cost;
  std::string fingerprint;
  friend bool operator==(const StoredCost&, const StoredCost&) = default;
};

// A sum of quarter-hours: one quarter-hour, a local day or a local month of one meter. The
// energy sums count the quarter-hours whose energy is known; `incomplete` counts the
// quarter-hours with any flag, the other counts one flag each.
struct CostTotal {
  std::string meter;
  CostInterval interval = CostInterval::kQuarterHour;
  std::int64_t start = 0;
  std::int64_t end = 0;
  double import_wh = 0, export_wh = 0;
  double energy_eur = 0, grid_energy_eur = 0, grid_losses_eur = 0, grid_fixed_eur = 0;
  double fees_eur = 0, levies_eur = 0, vat_eur = 0, feed_in_eur = 0, total_eur = 0;
  std::int64_t quarter_hours = 0;
  std::int64_t incomplete = 0;
  std::int64_t energy_gaps = 0, missing_prices = 0, no_tariff = 0;

  double grid_eur() const { return grid_energy_eur + grid_losses_eur + grid_fixed_eur; }
  friend bool operator==(const CostTotal&, const CostTotal&) = default;
};

// Adds a quarter-hour to a sum (counts and flags included).
void add_to(CostTotal& total, const CostQuarterHour& cost);
// The quarter-hour as a sum of one.
CostTotal total_of(const CostQuarterHour& cost);

struct CostQuery {
  CostInterval interval = CostInterval::kQuarterHour;
  std::string meter;                                              // empty: all meters
  std::int64_t from = std::numeric_limits<std::int64_t>::min();   // start >= from
  std::int64_t until = std::numeric_limits<std::int64_t>::max();  // start < until
};

class CostStore {
 public:
  virtual ~CostStore() = default;
  // Connects if needed and creates the table and the views.
  virtual Outcome open() = 0;
  // Inserts or replaces rows keyed by (meter, start), in one transaction: all or none.
  virtual Outcome store(std::span<const StoredCost> rows) = 0;
  // One meter's stored quarter-hours with from <= start < until, ordered by start.
  virtual Outcome quarter_hours(const std::string& meter, std::int64_t from, std::int64_t until,
                                std::vector<StoredCost>& out) = 0;
  // Sums per quarter-hour, local day or local month (a day or month whose start lies in
  // [from, until)), ordered by meter, then start.
  virtual Outcome totals(const CostQuery& query, std::vector<CostTotal>& out) = 0;
  // The meters with stored costs.
  virtual Outcome meters(std::vector<std::string>& out) = 0;
  virtual void close() = 0;
  virtual std::string describe() const = 0;
};

}  // namespace meter::app
