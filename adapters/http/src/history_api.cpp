// SPDX-License-Identifier: MIT
// GET /api/meters/{id}/history and /history.csv: the history view (meter/app/history_view.h) of a
// day, week, month, year or range of days as JSON for the page, or one of its tables as CSV.
#include <algorithm>
#include <array>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "meter/app/history_view.h"
#include "meter/app/statistics.h"
#include "meter/core/civil_time.h"
#include "meter/http/api.h"
#include "meter/http/calendar.h"

namespace meter::http {
namespace {

using nlohmann::json;

constexpr std::int64_t kCurveStepS = 300;  // a day's curves: 276, 288 or 300 points
constexpr std::size_t kPeakCount = 10;     // a month's highest quarter-hours

Response fail(int status, const std::string& message) {
  return {status, "application/json", json{{"error", message}}.dump(), {}};
}

json number_or_null(const app::OptionalValue& value) { return value ? json(*value) : json(); }

std::string day_text(std::int64_t day) {
  return calendar::date_text(core::vienna_day_start_utc(day));
}

// "2026-W13": the ISO week (its year is the year of its Thursday).
std::string iso_week_text(std::int64_t monday) {
  const std::int64_t thursday = monday + 3;
  const core::CivilDate date = core::civil_from_days(thursday);
  const std::int64_t week = (thursday - core::days_from_civil(date.year, 1, 1)) / 7 + 1;
  std::string text = std::to_string(date.year) + "-W";
  if (week < 10) text += '0';
  return text + std::to_string(week);
}

std::string span_label(const app::PeriodSpan& span) {
  switch (span.period) {
    case app::HistoryPeriod::kWeek:
      return iso_week_text(span.first_day);
    case app::HistoryPeriod::kMonth:
      return calendar::month_text(span.start);
    case app::HistoryPeriod::kYear:
      return calendar::date_text(span.start).substr(0, 4);
    case app::HistoryPeriod::kRange:
      return day_text(span.first_day) + ".." + day_text(span.last_day);
    case app::HistoryPeriod::kDay:
      break;
  }
  return day_text(span.first_day);
}

const char* interval_name(app::HistoryPeriod period) {
  if (period == app::HistoryPeriod::kDay) return "quarter-hour";
  return period == app::HistoryPeriod::kYear ? "month" : "day";
}

// "14:45" on a day, "2026-03-29" in a week or month, "2026-03" in a year.
std::string interval_label(app::HistoryPeriod period, std::int64_t start) {
  if (period == app::HistoryPeriod::kYear) return calendar::month_text(start);
  if (period != app::HistoryPeriod::kDay) return calendar::date_text(start);
  const std::int64_t minute = core::vienna_local_time(start).second_of_day / 60;
  std::string text(5, '0');
  text[0] = static_cast<char>('0' + minute / 600);
  text[1] = static_cast<char>('0' + minute / 60 % 10);
  text[2] = ':';
  text[3] = static_cast<char>('0' + minute % 60 / 10);
  text[4] = static_cast<char>('0' + minute % 10);
  return text;
}

json interval_json(app::HistoryPeriod period, const app::HistoryInterval& i) {
  const app::IntervalEnergy& e = i.energy;
  return {{"start", e.start},
          {"end", e.end},
          {"label", interval_label(period, e.start)},
          {"energy_in_wh", number_or_null(e.in_wh)},
          {"energy_out_wh", number_or_null(e.out_wh)},
          {"complete", e.complete},
          {"so_far", i.so_far},
          {"source", app::to_string(e.source)}};
}

// One column per series, a row per step over the span, null where nothing was stored.
template <typename Point, typename Columns>
json curve_json(const app::PeriodSpan& span, const std::vector<Point>& points, Columns columns) {
  json t = json::array();
  std::vector<json> series(columns.size(), json::array());
  std::size_t next = 0;
  for (std::int64_t start = span.start; start < span.end; start += kCurveStepS) {
    while (next < points.size() && points[next].start < start) ++next;
    t.push_back(start);
    const bool found = next < points.size() && points[next].start == start;
    for (std::size_t c = 0; c < columns.size(); ++c) {
      series[c].push_back(found ? number_or_null(points[next].*(columns[c].second)) : json());
    }
  }
  json out{{"step", kCurveStepS}, {"t", t}};
  for (std::size_t c = 0; c < columns.size(); ++c) out[columns[c].first] = series[c];
  return out;
}

using PowerColumn = std::pair<const char*, app::OptionalValue app::PowerPoint::*>;
using PhaseColumn = std::pair<const char*, app::OptionalValue app::PhasePoint::*>;
constexpr std::array<PowerColumn, 4> kPowerColumns{
    {{"power_in_w", &app::PowerPoint::power_in_mean},
     {"power_in_max_w", &app::PowerPoint::power_in_max},
     {"power_out_w", &app::PowerPoint::power_out_mean},
     {"power_out_max_w", &app::PowerPoint::power_out_max}}};
constexpr std::array<PhaseColumn, 6> kPhaseColumns{{{"u1_v", &app::PhasePoint::u1},
                                                    {"u2_v", &app::PhasePoint::u2},
                                                    {"u3_v", &app::PhasePoint::u3},
                                                    {"i1_a", &app::PhasePoint::i1},
                                                    {"i2_a", &app::PhasePoint::i2},
                                                    {"i3_a", &app::PhasePoint::i3}}};

// Everything the page shows for one period.
app::Outcome period_json(const app::HistoryView& view, const std::string& meter,
                         const app::PeriodSpan& span, std::int64_t now_s, json& out) {
  app::HistoryEnergy energy;
  if (auto got = view.energy(meter, span, now_s, energy); !got) return got;
  const app::PeriodSpan previous = app::previous_span(span);
  const app::PeriodSpan next = app::next_span(span);
  json intervals = json::array();
  for (const auto& i : energy.intervals) intervals.push_back(interval_json(span.period, i));
  out = {{"period", app::to_string(span.period)},
         {"label", span_label(span)},
         {"first_day", day_text(span.first_day)},
         {"last_day", day_text(span.last_day)},
         {"start", span.start},
         {"end", span.end},
         {"previous_date",
          previous.last_day >= app::kFirstHistoryDay ? json(day_text(previous.first_day)) : json()},
         {"next_date",
          next.first_day <= app::kLastHistoryDay ? json(day_text(next.first_day)) : json()},
         {"interval", interval_name(span.period)},
         {"intervals", intervals},
         {"total_in_wh", energy.total_in_wh},
         {"total_out_wh", energy.total_out_wh},
         {"complete", energy.complete}};
  if (span.period == app::HistoryPeriod::kDay) {
    std::vector<app::PowerPoint> power;
    if (auto got = view.power(meter, span, kCurveStepS, power); !got) return got;
    out["power"] = curve_json(span, power, kPowerColumns);
    std::vector<app::PhasePoint> phases;
    if (auto got = view.phases(meter, span, kCurveStepS, phases); !got) return got;
    out["phases"] = curve_json(span, phases, kPhaseColumns);
  }
  if (span.period == app::HistoryPeriod::kMonth) {
    std::vector<app::HistoryInterval> peaks;
    if (auto got = view.peaks(meter, span, kPeakCount, now_s, peaks); !got) return got;
    json list = json::array();
    for (const auto& p : peaks) {
      json item = interval_json(app::HistoryPeriod::kDay, p);
      item["label"] = calendar::date_text(p.energy.start) + " " + item["label"].get<std::string>();
      item["power_w"] = p.energy.mean_power_in_w();
      list.push_back(std::move(item));
    }
    out["peaks"] = list;
  }
  return app::Outcome::success();
}

std::string cell(const json& value) {
  if (value.is_null()) return "";
  if (value.is_string()) return value.get<std::string>();
  return value.dump();
}

// One table of the answer as CSV with a header line; the energy table carries the previous
// period's values beside each interval when it was compared.
std::string csv_of(const json& body, const std::string& table) {
  std::ostringstream csv;
  const json& view = body["view"];
  if (table == "energy") {
    const bool compare = body.contains("previous");
    csv << "start,start_local,label,energy_in_wh,energy_out_wh,complete,so_far,source";
    if (compare) csv << ",previous_start_local,previous_energy_in_wh,previous_energy_out_wh";
    csv << "\n";
    const json& rows = view["intervals"];
    const json empty = json::array();
    const json& before = compare ? body["previous"]["intervals"] : empty;
    for (std::size_t i = 0; i < rows.size(); ++i) {
      const json& r = rows[i];
      csv << cell(r["start"]) << "," << app::vienna_iso(r["start"].get<std::int64_t>()) << ","
          << cell(r["label"]) << "," << cell(r["energy_in_wh"]) << "," << cell(r["energy_out_wh"])
          << "," << cell(r["complete"]) << "," << cell(r["so_far"]) << "," << cell(r["source"]);
      if (compare) {
        csv << ",";
        if (i < before.size()) {
          csv << app::vienna_iso(before[i]["start"].get<std::int64_t>()) << ","
              << cell(before[i]["energy_in_wh"]) << "," << cell(before[i]["energy_out_wh"]);
        } else {
          csv << ",,";
        }
      }
      csv << "\n";
    }
  } else if (table == "peaks") {
    csv << "rank,start,start_local,energy_in_wh,mean_power_w,complete\n";
    std::size_t rank = 0;
    for (const json& p : view["peaks"]) {
      csv << ++rank << "," << cell(p["start"]) << ","
          << app::vienna_iso(p["start"].get<std::int64_t>()) << "," << cell(p["energy_in_wh"])
          << "," << cell(p["power_w"]) << "," << cell(p["complete"]) << "\n";
    }
  } else {  // power or phases: one row per step
    const json& curve = view[table];
    std::vector<std::string> names;
    if (table == "power") {
      for (const auto& column : kPowerColumns) names.emplace_back(column.first);
    } else {
      for (const auto& column : kPhaseColumns) names.emplace_back(column.first);
    }
    csv << "start,start_local";
    for (const auto& name : names) csv << "," << name;
    csv << "\n";
    for (std::size_t i = 0; i < curve["t"].size(); ++i) {
      csv << cell(curve["t"][i]) << "," << app::vienna_iso(curve["t"][i].get<std::int64_t>());
      for (const auto& name : names) csv << "," << cell(curve[name][i]);
      csv << "\n";
    }
  }
  return csv.str();
}

std::string param_or(const Params& params, const char* name, const char* fallback) {
  const auto it = params.find(name);
  return it == params.end() || it->second.empty() ? std::string(fallback) : it->second;
}

// A day YYYY-MM-DD within the dates a view may show; the message names what is wrong.
std::optional<std::int64_t> parse_day(const std::string& text, const char* name, std::string& bad) {
  std::int64_t day = 0;
  if (!core::parse_iso_day(text.data(), text.size(), &day)) {
    bad = std::string("parameter ") + name + " must be a date YYYY-MM-DD";
    return std::nullopt;
  }
  if (day < app::kFirstHistoryDay || day > app::kLastHistoryDay) {
    bad = std::string("parameter ") + name + " must be a day from " +
          day_text(app::kFirstHistoryDay) + " to " + day_text(app::kLastHistoryDay);
    return std::nullopt;
  }
  return day;
}

}  // namespace

// period=day|week|month|year (default day) and date=YYYY-MM-DD (default today; the period
// holding it), or from=YYYY-MM-DD&to=YYYY-MM-DD (a range of days, at most 400); compare=1 adds
// the previous period; format=csv (or the .csv route) answers one table: table=energy (default),
// power, phases (a day) or peaks (a month).
Response Api::history(const std::string& requested, const Params& params, bool csv) {
  const std::string format = csv ? "csv" : param_or(params, "format", "json");
  if (format != "csv" && format != "json") {
    return fail(400, "parameter format must be csv or json");
  }
  const std::string compare_text = param_or(params, "compare", "0");
  if (compare_text != "0" && compare_text != "1")
    return fail(400, "parameter compare must be 0 or 1");
  const bool compare = compare_text == "1";
  const std::int64_t now_s = sources_.now_ms() / 1000;
  std::string bad;
  app::PeriodSpan span;
  if (params.contains("from") || params.contains("to")) {
    if (params.contains("period") || params.contains("date")) {
      return fail(400, "give either period and date, or from and to");
    }
    const auto first = parse_day(param_or(params, "from", ""), "from", bad);
    const auto last = first ? parse_day(param_or(params, "to", ""), "to", bad) : std::nullopt;
    if (!first || !last) return fail(400, bad);
    if (*last < *first) return fail(400, "parameter to must not be before from");
    const std::int64_t days = *last - *first + 1;
    if (days > app::kMaxRangeDays) {
      return fail(400, "from..to is " + std::to_string(days) + " days; a range is at most " +
                           std::to_string(app::kMaxRangeDays) + " days");
    }
    span = app::range_span(*first, *last);
  } else {
    const auto period = app::parse_history_period(param_or(params, "period", "day"));
    if (!period) return fail(400, "parameter period must be day, week, month or year");
    const auto it = params.find("date");
    const auto day = it == params.end() || it->second.empty()
                         ? std::optional<std::int64_t>(core::vienna_local_day(now_s))
                         : parse_day(it->second, "date", bad);
    if (!day) return fail(400, bad);
    span = app::period_span(*period, *day);
  }
  const std::string table = param_or(params, "table", "energy");
  if (table != "energy" && table != "power" && table != "phases" && table != "peaks") {
    return fail(400, "parameter table must be energy, power, phases or peaks");
  }
  if ((table == "power" || table == "phases") && span.period != app::HistoryPeriod::kDay) {
    return fail(400, "table " + table + " is shown for a day only (period=day)");
  }
  if (table == "peaks" && span.period != app::HistoryPeriod::kMonth) {
    return fail(400, "table peaks is shown for a month only (period=month)");
  }

  const app::LiveSnapshot live = sources_.live->snapshot(sources_.now_ms());
  const std::string id = resolve(requested, live);
  if (id.empty()) return fail(404, "unknown meter " + requested);
  const std::string key = "history/" + id + "/" + std::to_string(static_cast<int>(span.period)) +
                          "/" + std::to_string(span.first_day) + "/" +
                          std::to_string(span.last_day) + "/" + compare_text + "/" + format + "/" +
                          table;
  return cached(key, [&]() -> Response {
    json body{{"meter", id}, {"now", now_s}};
    json view;
    if (auto got = period_json(history_view_, id, span, now_s, view); !got) {
      return fail(503, got.error);
    }
    body["view"] = std::move(view);
    if (compare) {
      json previous;
      if (auto got = period_json(history_view_, id, app::previous_span(span), now_s, previous);
          !got) {
        return fail(503, got.error);
      }
      body["previous"] = std::move(previous);
    }
    if (format == "json") return {200, "application/json", body.dump(), {}};
    std::string name = "smartmeter-" + id + "-" + app::to_string(span.period) + "-" +
                       span_label(span) + (compare ? "-compared" : "") +
                       (table == "energy" ? "" : "-" + table) + ".csv";
    std::replace(name.begin(), name.end(), '.', '_');  // "2026-01-01..2026-03-31"
    name.replace(name.size() - 4, 4, ".csv");
    return {200, "text/csv; charset=utf-8", csv_of(body, table), name};
  });
}

}  // namespace meter::http
