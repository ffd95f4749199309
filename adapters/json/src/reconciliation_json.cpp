// SPDX-License-Identifier: MIT
#include "meter/json/reconciliation_json.h"

#include <nlohmann/json.hpp>

namespace meter::json {
namespace {

using nlohmann::ordered_json;

ordered_json optional(const app::OptionalValue& value) {
  return value ? ordered_json(*value) : ordered_json(nullptr);
}

ordered_json row_json(const app::ReconcileRow& r) {
  return {{"meter", r.meter},
          {"start", r.start},
          {"startLocal", app::vienna_iso(r.start)},
          {"end", r.end},
          {"oursInWh", r.ours.in_wh},
          {"operatorInWh", r.theirs.in_wh},
          {"diffInWh", r.diff_in_wh},
          {"diffInPercent", optional(r.diff_in_percent)},
          {"oursOutWh", r.ours.out_wh},
          {"operatorOutWh", r.theirs.out_wh},
          {"diffOutWh", r.diff_out_wh},
          {"diffOutPercent", optional(r.diff_out_percent)},
          {"both", r.both},
          {"disagreeing", r.disagreeing},
          {"onlyOurs", r.only_ours},
          {"onlyOperator", r.only_theirs},
          {"onlyOursInWh", r.only_ours_energy.in_wh},
          {"onlyOperatorInWh", r.only_theirs_energy.in_wh},
          {"onlyOperatorOutWh", r.only_theirs_energy.out_wh},
          {"agrees", r.agrees()}};
}

}  // namespace

std::string reconciliation_json(const app::Reconciliation& reconciliation,
                                std::size_t max_findings) {
  ordered_json rows = ordered_json::array();
  for (const app::ReconcileRow& row : reconciliation.rows) rows.push_back(row_json(row));
  ordered_json findings = ordered_json::array();
  for (const app::ReconcileFinding& f : reconciliation.findings) {
    if (findings.size() >= max_findings) break;
    findings.push_back({{"meter", f.meter},
                        {"start", f.start},
                        {"startLocal", app::vienna_iso(f.start)},
                        {"kind", app::to_string(f.kind)},
                        {"oursInWh", optional(f.ours_in_wh)},
                        {"oursOutWh", optional(f.ours_out_wh)},
                        {"operatorInWh", optional(f.theirs_in_wh)},
                        {"operatorOutWh", optional(f.theirs_out_wh)}});
  }
  const ordered_json out = {{"interval", app::to_string(reconciliation.options.interval)},
                            {"toleranceWh", reconciliation.options.tolerance_wh},
                            {"total", row_json(reconciliation.total)},
                            {"rows", rows},
                            {"findingsTotal", reconciliation.findings.size()},
                            {"findings", findings}};
  return out.dump();
}

}  // namespace meter::json
