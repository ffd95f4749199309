// SPDX-License-Identifier: MIT
#include "meter/app/cost_store.h"

#include "meter/core/civil_time.h"

namespace meter::app {

CostTableNames cost_table_names(const std::string& history_table) {
  // As the statistics tables: the default table keeps the short names, another one (a second
  // instance in the same database) prefixes its own.
  if (history_table == "history") return {"costQuarterHour", "costDaily", "costMonthly"};
  return {history_table + "CostQuarterHour", history_table + "CostDaily",
          history_table + "CostMonthly"};
}

const char* to_string(CostInterval interval) {
  switch (interval) {
    case CostInterval::kQuarterHour:
      return "quarter-hour";
    case CostInterval::kDay:
      return "day";
    case CostInterval::kMonth:
      return "month";
  }
  return "";
}

std::optional<CostInterval> parse_cost_interval(std::string_view text) {
  for (const CostInterval interval :
       {CostInterval::kQuarterHour, CostInterval::kDay, CostInterval::kMonth}) {
    if (text == to_string(interval)) return interval;
  }
  return std::nullopt;
}

std::int64_t cost_interval_start(CostInterval interval, std::int64_t utc_seconds) {
  switch (interval) {
    case CostInterval::kQuarterHour:
      return core::floor_div(utc_seconds, 900) * 900;
    case CostInterval::kDay:
      return core::vienna_day_start_utc(core::vienna_local_day(utc_seconds));
    case CostInterval::kMonth:
      return core::vienna_month_start_utc(core::vienna_month_index(utc_seconds));
  }
  return utc_seconds;
}

std::int64_t cost_interval_end(CostInterval interval, std::int64_t start) {
  switch (interval) {
    case CostInterval::kQuarterHour:
      return start + 900;
    case CostInterval::kDay: {
      const std::int64_t day = core::vienna_local_day(start);
      return start + core::vienna_day_length_seconds(day);
    }
    case CostInterval::kMonth:
      return core::vienna_month_start_utc(core::vienna_month_index(start) + 1);
  }
  return start;
}

void add_to(CostTotal& total, const CostQuarterHour& cost) {
  total.import_wh += cost.import_wh.value_or(0);
  total.export_wh += cost.export_wh.value_or(0);
  total.energy_eur += cost.energy_eur;
  total.grid_energy_eur += cost.grid_energy_eur;
  total.grid_losses_eur += cost.grid_losses_eur;
  total.grid_fixed_eur += cost.grid_fixed_eur;
  total.fees_eur += cost.fees_eur;
  total.levies_eur += cost.levies_eur;
  total.vat_eur += cost.vat_eur;
  total.feed_in_eur += cost.feed_in_eur;
  total.total_eur += cost.total_eur;
  ++total.quarter_hours;
  const auto has = [&](CostFlag flag) {
    return (cost.flags & static_cast<std::uint8_t>(flag)) != 0;
  };
  total.incomplete += cost.flags != 0 ? 1 : 0;
  total.energy_gaps += has(CostFlag::kEnergyGap) ? 1 : 0;
  total.missing_prices += has(CostFlag::kMissingPrice) ? 1 : 0;
  total.no_tariff += has(CostFlag::kNoTariff) ? 1 : 0;
}

CostTotal total_of(const CostQuarterHour& cost) {
  CostTotal total;
  total.meter = cost.meter;
  total.interval = CostInterval::kQuarterHour;
  total.start = cost.start;
  total.end = cost.end;
  add_to(total, cost);
  return total;
}

}  // namespace meter::app
