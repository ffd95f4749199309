// SPDX-License-Identifier: MIT
// Columns of the cost table (costQuarterHour) and the SQL of its daily and monthly views, shared
// by the SQLite and the MariaDB cost stores; each adapter maps the kinds to its own SQL types.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "meter/app/cost_store.h"

namespace meter::storage::detail {

enum class CostColumnKind : std::uint8_t {
  kMeter,      // the meter's system title
  kTime,       // UTC epoch seconds
  kLocalTime,  // Vienna local time with offset
  kValue,      // a double that may be NULL (unknown)
  kMoney,      // EUR, a double, never NULL
  kFlags,      // CostFlag bits
  kText,       // tariff name, fingerprint
};

struct CostColumn {
  const char* name;
  CostColumnKind kind;
};

// The primary key is (meter, intervalStart); dayStart and monthStart are the UTC instants of
// the local day's and month's start the quarter-hour belongs to (what the views group by).
inline constexpr std::array<CostColumn, 21> kCostColumns = {{
    {"meter", CostColumnKind::kMeter},
    {"intervalStart", CostColumnKind::kTime},
    {"intervalEnd", CostColumnKind::kTime},
    {"localStart", CostColumnKind::kLocalTime},
    {"dayStart", CostColumnKind::kTime},
    {"monthStart", CostColumnKind::kTime},
    {"importWh", CostColumnKind::kValue},
    {"exportWh", CostColumnKind::kValue},
    {"spotEurPerMwh", CostColumnKind::kValue},
    {"energyEur", CostColumnKind::kMoney},
    {"gridEnergyEur", CostColumnKind::kMoney},
    {"gridLossesEur", CostColumnKind::kMoney},
    {"gridFixedEur", CostColumnKind::kMoney},
    {"feesEur", CostColumnKind::kMoney},
    {"leviesEur", CostColumnKind::kMoney},
    {"vatEur", CostColumnKind::kMoney},
    {"feedInEur", CostColumnKind::kMoney},
    {"totalEur", CostColumnKind::kMoney},
    {"flags", CostColumnKind::kFlags},
    {"tariff", CostColumnKind::kText},
    {"tariffFingerprint", CostColumnKind::kText},
}};
inline constexpr std::size_t kCostFirstMoneyColumn = 9;  // energyEur
inline constexpr std::size_t kCostMoneyColumns = 9;      // energyEur .. totalEur

inline std::vector<std::string> cost_column_names() {
  std::vector<std::string> names;
  names.reserve(kCostColumns.size());
  for (const auto& column : kCostColumns) names.emplace_back(column.name);
  return names;
}

// The money amounts of a quarter-hour in column order (energyEur .. totalEur).
inline std::array<double*, kCostMoneyColumns> cost_money(app::CostQuarterHour& c) {
  return {&c.energy_eur, &c.grid_energy_eur, &c.grid_losses_eur, &c.grid_fixed_eur, &c.fees_eur,
          &c.levies_eur, &c.vat_eur,         &c.feed_in_eur,     &c.total_eur};
}
inline std::array<double, kCostMoneyColumns> cost_money(const app::CostQuarterHour& c) {
  return {c.energy_eur, c.grid_energy_eur, c.grid_losses_eur, c.grid_fixed_eur, c.fees_eur,
          c.levies_eur, c.vat_eur,         c.feed_in_eur,     c.total_eur};
}
inline std::array<double*, kCostMoneyColumns> cost_money(app::CostTotal& t) {
  return {&t.energy_eur, &t.grid_energy_eur, &t.grid_losses_eur, &t.grid_fixed_eur, &t.fees_eur,
          &t.levies_eur, &t.vat_eur,         &t.feed_in_eur,     &t.total_eur};
}

// "SELECT meter, <group> AS intervalStart, sums..., counts... FROM <table> [WHERE ...] GROUP BY
// meter, <group>": the columns a CostTotal is read from (read_cost_total), in that order. The
// views are this over the whole table grouped by dayStart / monthStart.
std::string cost_totals_select(const std::string& table, const std::string& group_column,
                               char quote, const std::string& where = {});
// "<group>": the view's name for an interval (day, month); the table for quarter-hours.
const std::string& cost_source(const app::CostTableNames& tables, app::CostInterval interval);

// Reads a totals row (`Index`: the column index type of `Row`): `Row` has null(i), integer(i),
// real(i) -> optional<double>, text(i).
template <typename Index, typename Row>
app::CostTotal read_cost_total(const Row& row, app::CostInterval interval) {
  app::CostTotal total;
  total.interval = interval;
  Index i = 0;
  total.meter = row.text(i++);
  total.start = row.integer(i++);
  total.end = app::cost_interval_end(interval, total.start);
  total.import_wh = row.real(i++).value_or(0);
  total.export_wh = row.real(i++).value_or(0);
  for (double* money : cost_money(total)) *money = row.real(i++).value_or(0);
  for (std::int64_t* count : {&total.quarter_hours, &total.incomplete, &total.energy_gaps,
                              &total.missing_prices, &total.no_tariff}) {
    *count = row.integer(i++);
  }
  return total;
}

// Reads a row selected with cost_column_names(), in that order.
template <typename Index, typename Row>
app::StoredCost read_stored_cost(const Row& s) {
  app::StoredCost row;
  app::CostQuarterHour& c = row.cost;
  c.meter = s.text(0);
  c.start = s.integer(1);
  c.end = s.integer(2);
  c.import_wh = s.real(6);
  c.export_wh = s.real(7);
  c.spot_eur_per_mwh = s.real(8);
  auto column = static_cast<Index>(kCostFirstMoneyColumn);
  for (double* money : cost_money(c)) *money = s.real(column++).value_or(0);
  c.flags = static_cast<std::uint8_t>(s.integer(column++));
  c.tariff = s.text(column++);
  row.fingerprint = s.text(column++);
  return row;
}

}  // namespace meter::storage::detail
