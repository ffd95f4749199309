// SPDX-License-Identifier: MIT
#include "meter/app/reconciliation.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <optional>
#include <set>

#include "meter/core/civil_time.h"

namespace meter::app {
namespace {

constexpr std::int64_t kQuarterHour = 900;

struct Sides {
  const StatsRow* ours = nullptr;
  const PortalQuarterHour* theirs = nullptr;
};

bool has_ours(const StatsRow* row) {
  return row != nullptr && !row->gap && (row->energy_in_wh || row->energy_out_wh);
}
bool has_theirs(const PortalQuarterHour* row) {
  return row != nullptr && (row->consumption_wh || row->feed_in_wh);
}

// The bounds of the reconciliation interval that holds `start`.
std::pair<std::int64_t, std::int64_t> bucket(ReconcileInterval interval, std::int64_t start) {
  switch (interval) {
    case ReconcileInterval::kQuarterHour:
      return {start, start + kQuarterHour};
    case ReconcileInterval::kDay: {
      const std::int64_t day = core::vienna_local_day(start);
      return {core::vienna_day_start_utc(day), core::vienna_day_start_utc(day + 1)};
    }
    case ReconcileInterval::kMonth: {
      const std::int64_t month = core::vienna_month_index(start);
      return {core::vienna_month_start_utc(month), core::vienna_month_start_utc(month + 1)};
    }
  }
  return {start, start + kQuarterHour};
}

void add(ReconcileRow& row, const Sides& sides, double tolerance_wh,
         std::vector<ReconcileFinding>* findings) {
  const bool ours = has_ours(sides.ours);
  const bool theirs = has_theirs(sides.theirs);
  const double our_in = ours ? sides.ours->energy_in_wh.value_or(0) : 0;
  const double our_out = ours ? sides.ours->energy_out_wh.value_or(0) : 0;
  const double their_in = theirs ? sides.theirs->consumption_wh.value_or(0) : 0;
  const double their_out = theirs ? sides.theirs->feed_in_wh.value_or(0) : 0;
  std::optional<ReconcileFinding::Kind> kind;
  if (ours && theirs) {
    ++row.both;
    row.ours.in_wh += our_in;
    row.ours.out_wh += our_out;
    row.theirs.in_wh += their_in;
    row.theirs.out_wh += their_out;
    // A side the file does not carry (a consumption-only export) is not compared.
    const bool in_differs = sides.theirs->consumption_wh && sides.ours->energy_in_wh &&
                            std::fabs(our_in - their_in) > tolerance_wh;
    const bool out_differs = sides.theirs->feed_in_wh && sides.ours->energy_out_wh &&
                             std::fabs(our_out - their_out) > tolerance_wh;
    if (in_differs || out_differs) {
      ++row.disagreeing;
      kind = ReconcileFinding::Kind::kDisagrees;
    }
  } else if (ours) {
    ++row.only_ours;
    row.only_ours_energy.in_wh += our_in;
    row.only_ours_energy.out_wh += our_out;
    kind = ReconcileFinding::Kind::kOnlyOurs;
  } else if (theirs) {
    ++row.only_theirs;
    row.only_theirs_energy.in_wh += their_in;
    row.only_theirs_energy.out_wh += their_out;
    kind = ReconcileFinding::Kind::kOnlyTheirs;
  }
  if (kind && findings != nullptr) {
    ReconcileFinding& finding = findings->emplace_back();
    finding.meter = row.meter;
    finding.start = sides.ours != nullptr ? sides.ours->start : sides.theirs->start;
    finding.kind = *kind;
    if (ours) {
      finding.ours_in_wh = sides.ours->energy_in_wh;
      finding.ours_out_wh = sides.ours->energy_out_wh;
    }
    if (theirs) {
      finding.theirs_in_wh = sides.theirs->consumption_wh;
      finding.theirs_out_wh = sides.theirs->feed_in_wh;
    }
  }
}

void finish(ReconcileRow& row) {
  row.diff_in_wh = row.ours.in_wh - row.theirs.in_wh;
  row.diff_out_wh = row.ours.out_wh - row.theirs.out_wh;
  row.diff_in_percent.reset();
  row.diff_out_percent.reset();
  if (row.theirs.in_wh != 0) row.diff_in_percent = 100 * row.diff_in_wh / row.theirs.in_wh;
  if (row.theirs.out_wh != 0) row.diff_out_percent = 100 * row.diff_out_wh / row.theirs.out_wh;
}

std::string number(double value) {
  char text[32];
  (void)std::snprintf(text, sizeof text, "%.3f", value);
  std::string out = text;
  while (out.back() == '0') out.pop_back();
  if (out.back() == '.') out.pop_back();
  return out == "-0" ? "0" : out;
}

std::string number(const OptionalValue& value) { return value ? number(*value) : ""; }

}  // namespace

const char* to_string(ReconcileInterval interval) {
  switch (interval) {
    case ReconcileInterval::kQuarterHour:
      return "quarter-hour";
    case ReconcileInterval::kDay:
      return "day";
    case ReconcileInterval::kMonth:
      return "month";
  }
  return "day";
}

std::optional<ReconcileInterval> parse_reconcile_interval(std::string_view text) {
  if (text == "quarter-hour") return ReconcileInterval::kQuarterHour;
  if (text == "day") return ReconcileInterval::kDay;
  if (text == "month") return ReconcileInterval::kMonth;
  return std::nullopt;
}

const char* to_string(ReconcileFinding::Kind kind) {
  switch (kind) {
    case ReconcileFinding::Kind::kDisagrees:
      return "disagrees";
    case ReconcileFinding::Kind::kOnlyOurs:
      return "only-ours";
    case ReconcileFinding::Kind::kOnlyTheirs:
      return "only-operator";
  }
  return "disagrees";
}

Reconciliation reconcile(std::span<const StatsRow> ours, std::span<const PortalQuarterHour> theirs,
                         const ReconcileOptions& options) {
  std::map<std::pair<std::string, std::int64_t>, Sides> quarter_hours;
  for (const StatsRow& row : ours) {
    if (row.interval == StatsInterval::kQuarterHour)
      quarter_hours[{row.meter, row.start}].ours = &row;
  }
  for (const PortalQuarterHour& row : theirs) quarter_hours[{row.meter, row.start}].theirs = &row;

  Reconciliation out;
  out.options = options;
  std::map<std::pair<std::string, std::int64_t>, ReconcileRow> rows;
  for (const auto& [key, sides] : quarter_hours) {
    const auto [start, end] = bucket(options.interval, key.second);
    ReconcileRow& row = rows[{key.first, start}];
    row.meter = key.first;
    row.start = start;
    row.end = end;
    add(row, sides, options.tolerance_wh, &out.findings);
    add(out.total, sides, options.tolerance_wh, nullptr);
  }
  for (auto& [key, row] : rows) {
    finish(row);
    out.rows.push_back(row);
  }
  finish(out.total);
  if (!quarter_hours.empty()) {
    out.total.start = std::numeric_limits<std::int64_t>::max();
    for (const ReconcileRow& row : out.rows) {
      out.total.start = std::min(out.total.start, row.start);
      out.total.end = std::max(out.total.end, row.end);
    }
  }
  return out;
}

Outcome reconcile(StatisticsStore& statistics, PortalStore& portal, const std::string& meter,
                  std::int64_t from, std::int64_t until, const ReconcileOptions& options,
                  Reconciliation& out) {
  std::vector<StatsRow> ours;
  if (auto read = statistics.rows({StatsInterval::kQuarterHour, meter, from, until}, ours); !read) {
    return Outcome::failure("statistics: " + read.error);
  }
  std::vector<PortalQuarterHour> theirs;
  if (auto read = portal.rows({meter, from, until}, theirs); !read) {
    return Outcome::failure("operator's quarter-hours: " + read.error);
  }
  if (meter.empty()) {
    // Every meter either side has: but only meters the operator's file was imported for are
    // compared (a meter without a file would be nothing but "only ours").
    std::set<std::string> imported;
    for (const PortalQuarterHour& row : theirs) imported.insert(row.meter);
    std::erase_if(ours, [&](const StatsRow& row) { return !imported.contains(row.meter); });
  }
  out = reconcile(ours, theirs, options);
  return Outcome::success();
}

std::string reconciliation_csv(const Reconciliation& reconciliation) {
  const bool quarter_hours = reconciliation.options.interval == ReconcileInterval::kQuarterHour;
  std::string out =
      "meter,interval,start,start_local,end,ours_in_wh,operator_in_wh,diff_in_wh,diff_in_percent,"
      "ours_out_wh,operator_out_wh,diff_out_wh,diff_out_percent,both,disagreeing,only_ours,"
      "only_operator,only_operator_in_wh,only_operator_out_wh";
  out += quarter_hours ? ",finding\n" : "\n";
  std::map<std::pair<std::string, std::int64_t>, const ReconcileFinding*> findings;
  for (const ReconcileFinding& finding : reconciliation.findings) {
    findings[{finding.meter, finding.start}] = &finding;
  }
  for (const ReconcileRow& row : reconciliation.rows) {
    out += row.meter + "," + to_string(reconciliation.options.interval) + "," +
           std::to_string(row.start) + "," + vienna_iso(row.start) + "," + std::to_string(row.end) +
           "," + number(row.ours.in_wh) + "," + number(row.theirs.in_wh) + "," +
           number(row.diff_in_wh) + "," + number(row.diff_in_percent) + "," +
           number(row.ours.out_wh) + "," + number(row.theirs.out_wh) + "," +
           number(row.diff_out_wh) + "," + number(row.diff_out_percent) + "," +
           std::to_string(row.both) + "," + std::to_string(row.disagreeing) + "," +
           std::to_string(row.only_ours) + "," + std::to_string(row.only_theirs) + "," +
           number(row.only_theirs_energy.in_wh) + "," + number(row.only_theirs_energy.out_wh);
    if (quarter_hours) {
      const auto it = findings.find({row.meter, row.start});
      out += std::string(",") + (it == findings.end() ? "" : to_string(it->second->kind));
    }
    out += "\n";
  }
  return out;
}

std::vector<IntervalEnergy> with_operator_values(std::span<const IntervalEnergy> ours,
                                                 std::span<const PortalQuarterHour> theirs,
                                                 std::int64_t from, std::int64_t until) {
  std::map<std::int64_t, IntervalEnergy> by_start;
  for (const IntervalEnergy& energy : ours) by_start[energy.start] = energy;
  for (const PortalQuarterHour& row : theirs) {
    if (row.start < from || row.start >= until || !row.consumption_wh) continue;
    const auto it = by_start.find(row.start);
    if (it != by_start.end() && it->second.in_wh) continue;
    IntervalEnergy energy;
    energy.start = row.start;
    energy.end = row.start + kQuarterHour;
    energy.in_wh = row.consumption_wh;
    energy.out_wh = row.feed_in_wh;
    energy.complete = true;  // billed: it will not change
    energy.source = EnergySource::kOperator;
    by_start[row.start] = energy;
  }
  std::vector<IntervalEnergy> out;
  out.reserve(by_start.size());
  for (auto& [start, energy] : by_start) out.push_back(energy);
  return out;
}

}  // namespace meter::app
