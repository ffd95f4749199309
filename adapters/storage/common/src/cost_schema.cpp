// SPDX-License-Identifier: MIT
#include "cost_schema.h"

#include "schema.h"

namespace meter::storage::detail {

std::string cost_totals_select(const std::string& table, const std::string& group_column,
                               char quote, const std::string& where) {
  const auto id = [quote](const char* name) { return quote_identifier(name, quote); };
  std::string sql = "SELECT " + id("meter") + "," + quote_identifier(group_column, quote) + " AS " +
                    id("intervalStart");
  for (const char* energy : {"importWh", "exportWh"}) {
    sql += ",SUM(COALESCE(" + id(energy) + ",0)) AS " + id(energy);
  }
  for (std::size_t i = kCostFirstMoneyColumn; i < kCostFirstMoneyColumn + kCostMoneyColumns; ++i) {
    sql += ",SUM(" + id(kCostColumns[i].name) + ") AS " + id(kCostColumns[i].name);
  }
  sql += ",COUNT(*) AS " + id("quarterHours");
  sql += ",SUM(CASE WHEN " + id("flags") + "<>0 THEN 1 ELSE 0 END) AS " + id("incomplete");
  const std::pair<app::CostFlag, const char*> flags[] = {
      {app::CostFlag::kEnergyGap, "energyGaps"},
      {app::CostFlag::kMissingPrice, "missingPrices"},
      {app::CostFlag::kNoTariff, "noTariff"}};
  for (const auto& [flag, name] : flags) {
    sql += ",SUM(CASE WHEN (" + id("flags") + " & " + std::to_string(static_cast<int>(flag)) +
           ")<>0 THEN 1 ELSE 0 END) AS " + id(name);
  }
  sql += " FROM " + quote_identifier(table, quote);
  if (!where.empty()) sql += " WHERE " + where;
  sql += " GROUP BY " + id("meter") + "," + quote_identifier(group_column, quote);
  return sql;
}

const std::string& cost_source(const app::CostTableNames& tables, app::CostInterval interval) {
  switch (interval) {
    case app::CostInterval::kDay:
      return tables.daily;
    case app::CostInterval::kMonth:
      return tables.monthly;
    case app::CostInterval::kQuarterHour:
      break;
  }
  return tables.quarter_hour;
}

}  // namespace meter::storage::detail
