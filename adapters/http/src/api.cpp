// SPDX-License-Identifier: MIT
#include "meter/http/api.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <ctime>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string_view>
#include <vector>

#include "api_detail.h"
#include "meter/app/energy_report.h"
#include "meter/app/statistics.h"
#include "meter/core/civil_time.h"
#include "meter/http/calendar.h"
#include "meter/json/reconciliation_json.h"
#include "meter/json/stats_json.h"

namespace meter::http {
namespace {

using nlohmann::json;

constexpr std::int64_t kTargetPoints = 300;
constexpr std::array<std::int64_t, 16> kSteps = {5,   10,   15,   30,   60,    120,   300,   600,
                                                 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400};

Response json_response(int status, const json& body) {
  return {status, "application/json", body.dump()};
}

Response error(int status, const std::string& message) {
  return json_response(status, json{{"error", message}});
}

json optional_number(const app::OptionalValue& value) {
  return value ? json(*value) : json(nullptr);
}

std::int64_t age_s(std::int64_t now_ms, std::int64_t then_ms) {
  return then_ms == 0 ? -1 : std::max<std::int64_t>(0, (now_ms - then_ms) / 1000);
}

json age_or_null(std::int64_t now_ms, std::int64_t then_ms) {
  return then_ms == 0 ? json(nullptr) : json(age_s(now_ms, then_ms));
}

bool valid_id(const std::string& id) {
  return !id.empty() && id.size() <= 48 && std::all_of(id.begin(), id.end(), [](unsigned char c) {
    return std::isalnum(c) != 0 || c == '_' || c == '-';
  });
}

// A whole-number query parameter within [min, max]; nullopt (and `bad` set) if malformed.
std::optional<std::int64_t> int_param(const Params& params, const std::string& name,
                                      std::int64_t fallback, std::int64_t min, std::int64_t max,
                                      std::string& bad) {
  const auto it = params.find(name);
  if (it == params.end() || it->second.empty()) return fallback;
  std::int64_t value = 0;
  const std::string& text = it->second;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value < min || value > max) {
    bad = "parameter " + name + " must be a whole number in " + std::to_string(min) + ".." +
          std::to_string(max);
    return std::nullopt;
  }
  return value;
}

json errors_json(const app::ErrorCounts& errors) {
  json out = json::object();
  for (int i = 0; i < core::kDecodeErrorCount; ++i) {
    const auto count = errors[static_cast<std::size_t>(i)];
    if (count > 0) out[core::error_name(static_cast<core::DecodeError>(i))] = count;
  }
  return out;
}

const app::MeterSnapshot* find_meter(const app::LiveSnapshot& live, const std::string& id) {
  for (const auto& m : live.meters) {
    if (m.meter == id) return &m;
  }
  return nullptr;
}

std::int64_t choose_step(std::int64_t range_s) {
  for (const std::int64_t step : kSteps) {
    if (range_s / step <= kTargetPoints) return step;
  }
  return kSteps.back();
}

}  // namespace

Response detail::error_response(int status, const std::string& message) {
  return error(status, message);
}

std::optional<Response> detail::local_day_range(const Params& params, std::int64_t today,
                                                std::int64_t days_before, std::int64_t& first,
                                                std::int64_t& last) {
  first = today - days_before;
  last = today;
  for (const auto& [name, day] : {std::pair{"from", &first}, std::pair{"to", &last}}) {
    const auto it = params.find(name);
    if (it == params.end() || it->second.empty()) continue;
    if (!core::parse_iso_day(it->second.data(), it->second.size(), day)) {
      return error(400, std::string("parameter ") + name + " must be a date YYYY-MM-DD");
    }
  }
  if (last < first || (last - first + 1) * 86400 > Api::kMaxRangeS) {
    return error(400, "from..to must be a range of 1 to 400 days");
  }
  return std::nullopt;
}

Api::Api(ApiSources sources)
    : sources_(std::move(sources)),
      report_(sources_.history, sources_.statistics),
      history_view_(sources_.history, sources_.statistics) {}

Response Api::get(const std::string& path, const Params& params) {
  if (path == "/api/status") return status();
  if (path == "/api/meters") return meters();
  if (path == "/api/telegrams") return telegrams();
  constexpr std::string_view kPrefix = "/api/meters/";
  if (path.rfind(kPrefix, 0) == 0) {
    const std::string rest = path.substr(kPrefix.size());
    const auto slash = rest.find('/');
    std::string id = rest.substr(0, slash);
    if (id.size() == 16 &&
        std::all_of(id.begin(), id.end(), [](unsigned char c) { return std::isxdigit(c) != 0; })) {
      // System titles are stored in upper case.
      std::transform(id.begin(), id.end(), id.begin(),
                     [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    }
    const std::string what = slash == std::string::npos ? "latest" : rest.substr(slash + 1);
    if (!valid_id(id)) return error(400, "meter id must be letters, digits, _ or -");
    if (auto conflict = claimed_by_several(id)) return *conflict;
    if (what == "latest") return latest(id);
    if (what == "health") return meter_health(id);
    if (what == "power") return power(id, params);
    if (what == "daily") return daily(id, params);
    if (what == "peak") return peak(id, params);
    if (what == "statistics") return statistics(id, params);
    if (what == "cost") return cost(id, params);
    if (what == "cost/summary") return cost_summary(id);
    if (what == "prices") return prices(id, params);
    if (what == "history" || what == "history.csv") return history(id, params, what != "history");
    if (what == "reconciliation") return reconciliation(id, params);
  }
  return error(404, "no such endpoint: " + path);
}

std::string Api::resolve(const std::string& id, const app::LiveSnapshot& live) {
  for (const auto& m : live.meters) {
    if (m.meter == id || (!m.meter_number.empty() && m.meter_number == id)) return m.meter;
  }
  if (sources_.history != nullptr) {
    std::vector<app::MeterSummary> stored;
    if (sources_.history->meters(stored)) {
      for (const auto& m : stored) {
        if (m.meter == id || (!m.meter_number.empty() && m.meter_number == id)) return m.meter;
      }
    }
  }
  return {};
}

std::optional<Response> Api::claimed_by_several(const std::string& id) {
  const app::LiveSnapshot live = sources_.live->snapshot(sources_.now_ms());
  std::set<std::string> titles;
  for (const auto& m : live.meters) {
    if (m.meter == id) return std::nullopt;  // a system title names one meter
    if (!m.meter_number.empty() && m.meter_number == id) titles.insert(m.meter);
  }
  std::vector<app::MeterSummary> stored;
  if (sources_.history != nullptr && !sources_.history->meters(stored)) stored.clear();
  for (const auto& s : stored) {
    if (s.meter == id) return std::nullopt;
    if (!s.meter_number.empty() && s.meter_number == id) titles.insert(s.meter);
  }
  if (titles.size() < 2) return std::nullopt;
  return json_response(
      409, json{{"error", "meter number " + id + " is claimed by " + std::to_string(titles.size()) +
                              " system titles: ask for one of them"},
                {"meter_number", id},
                {"meters", titles}});
}

Response Api::cached(const std::string& key, const std::function<Response()>& make) {
  const std::int64_t now = sources_.now_ms();
  {
    std::lock_guard lock(cache_mutex_);
    std::erase_if(cache_, [&](const auto& entry) { return entry.second.first <= now; });
    if (auto it = cache_.find(key); it != cache_.end()) return it->second.second;
  }
  Response response = make();
  if (response.status == 200) {
    std::lock_guard lock(cache_mutex_);
    cache_[key] = {now + kCacheMs, response};
  }
  return response;
}

namespace {

// How many meters the live state holds, its limit and whether it was hit.
json meter_limits_json(const app::LiveSnapshot& live) {
  return {{"live", live.meters.size()},
          {"limit", live.global.max_meters},
          {"limit_reached", live.global.limit_reached_ms != 0},
          {"beyond_limit_telegrams", live.global.over_limit},
          {"evicted", live.global.evicted}};
}

// System titles heard but not (yet) meters: what a setup view lists.
json unattributed_titles_json(const app::GlobalSnapshot& global, std::int64_t now) {
  json titles = json::array();
  for (const auto& t : global.titles) {
    titles.push_back({{"title", t.title},
                      {"count", t.count},
                      {"last_error", core::error_name(t.last_error)},
                      {"last_seen_age_s", age_s(now, t.last_seen_ms)},
                      {"probably_wrong_key", t.probably_wrong_key}});
  }
  return titles;
}

// The fetching of day-ahead prices (docs/prices.md); null without a configured source.
json prices_json(const app::ServiceStatus& s) {
  if (s.prices_source.empty()) return nullptr;
  const auto seconds_or_null = [](std::int64_t t) { return t == 0 ? json(nullptr) : json(t); };
  return {{"source", s.prices_source},
          {"newest_interval_end", seconds_or_null(s.prices_newest_end)},
          {"last_attempt", seconds_or_null(s.prices_last_attempt)},
          {"last_success", seconds_or_null(s.prices_last_success)},
          {"last_fetch_ok", s.prices_last_attempt != 0 && s.prices_error.empty()},
          {"error", s.prices_error}};
}

}  // namespace

Response Api::status() {
  const std::int64_t now = sources_.now_ms();
  const app::ServiceStatus s = sources_.status();
  const app::LiveSnapshot live = sources_.live->snapshot(now);
  app::ErrorCounts errors = s.error_counts();
  errors[static_cast<std::size_t>(core::DecodeError::kTooLarge)] += s.oversized;
  return json_response(
      200, json{{"version", sources_.version},
                {"now", now},
                {"started", live.global.started_ms},
                {"uptime_s", age_s(now, live.global.started_ms)},
                // The cost endpoints answer (a tariff file is configured): the page asks first.
                {"cost", sources_.cost != nullptr},
                {"diagnosis", app::diagnosis_name(live.overall)},
                {"mqtt", {{"connected", s.mqtt_connected}, {"reconnects", s.mqtt_reconnects}}},
                {"database",
                 {{"up", s.database_up.load()},
                  {"storage", s.storage},
                  {"stored_readings", s.stored_readings.load()},
                  {"write_failures", s.store_failures.load()}}},
                {"journal",
                 {{"pending_bytes", s.journal_pending_bytes},
                  {"writable", s.journal_error.empty()},
                  {"error", s.journal_error},
                  {"held_telegrams", s.held.load()},
                  {"stored_from_memory", s.stored_from_memory.load()},
                  {"lost_telegrams", s.lost.load()},
                  {"damaged_bytes", s.journal_damaged_bytes}}},
                {"telegrams",
                 {{"received", s.received.load()},
                  {"decoded", s.decoded.load()},
                  {"errors", errors_json(errors)},
                  {"last_age_s", age_or_null(now, live.global.last_received_ms)}}},
                {"meters", meter_limits_json(live)},
                {"prices", prices_json(s)},
                {"unattributed",
                 {{"received", live.global.unattributed},
                  {"errors", errors_json(live.global.errors)},
                  {"diagnosis", app::diagnosis_name(live.global.diagnosis)},
                  {"reason", live.global.reason},
                  {"titles", unattributed_titles_json(live.global, now)}}}});
}

Response Api::meters() {
  const std::int64_t now = sources_.now_ms();
  const app::LiveSnapshot live = sources_.live->snapshot(now);
  std::vector<app::MeterSummary> stored;
  if (sources_.history != nullptr) {
    if (auto got = sources_.history->meters(stored); !got) stored.clear();
  }
  json list = json::array();
  for (const auto& m : live.meters) {
    json item{{"meter", m.meter},
              {"meter_number", m.meter_number},
              {"live", true},
              {"diagnosis", app::diagnosis_name(m.diagnosis)},
              {"reason", m.reason},
              {"last_telegram_age_s", age_or_null(now, m.last_received_ms)},
              {"first_timestamp", nullptr},
              {"last_timestamp", m.latest ? json(m.latest->timestamp) : json(nullptr)}};
    for (const auto& s : stored) {
      if (s.meter == m.meter) item["first_timestamp"] = s.first_timestamp;
    }
    list.push_back(std::move(item));
  }
  for (const auto& s : stored) {
    if (find_meter(live, s.meter) != nullptr) continue;
    list.push_back({{"meter", s.meter},
                    {"meter_number", s.meter_number},
                    {"live", false},
                    {"diagnosis", app::diagnosis_name(app::Diagnosis::kNoSignal)},
                    {"reason", "nothing received from this meter since the service started"},
                    {"last_telegram_age_s", nullptr},
                    {"first_timestamp", s.first_timestamp},
                    {"last_timestamp", s.last_timestamp}});
  }
  return json_response(200, json{{"meters", list}, {"diagnosis", diagnosis_name(live.overall)}});
}

Response Api::latest(const std::string& requested) {
  const std::int64_t now = sources_.now_ms();
  const app::LiveSnapshot live = sources_.live->snapshot(now);
  const std::string id = resolve(requested, live);
  if (id.empty()) return error(404, "unknown meter " + requested);
  const app::MeterSnapshot* m = find_meter(live, id);
  json body{{"meter", id},
            {"meter_number", m != nullptr ? m->meter_number : ""},
            {"diagnosis", app::diagnosis_name(m != nullptr ? m->diagnosis : live.overall)},
            {"reading", nullptr},
            {"today", nullptr}};
  if (m != nullptr && m->latest) {
    const app::Reading& r = *m->latest;
    json values = json::object();
    for (const auto& q : core::kQuantities) {
      const auto& value = r[q.quantity];
      if (value) values[q.key] = {{"value", *value}, {"unit", q.default_unit}};
    }
    body["reading"] = {{"received_at", r.received_at_ms},  {"age_s", age_s(now, r.received_at_ms)},
                       {"timestamp", r.timestamp},         {"meter_time", r.meter_time},
                       {"frame_counter", r.frame_counter}, {"values", values}};
  }
  const app::Reading* live_reading = m != nullptr && m->latest ? &*m->latest : nullptr;
  if (const auto today = report_.today(id, now / 1000, live_reading)) {
    body["today"] = {{"since", today->start},
                     {"energy_in_wh", optional_number(today->in_wh)},
                     {"energy_out_wh", optional_number(today->out_wh)},
                     {"complete", today->complete}};
  }
  return json_response(200, body);
}

Response Api::meter_health(const std::string& requested) {
  const std::int64_t now = sources_.now_ms();
  const app::LiveSnapshot live = sources_.live->snapshot(now);
  const std::string id = resolve(requested, live);
  if (id.empty()) return error(404, "unknown meter " + requested);
  const app::MeterSnapshot* m = find_meter(live, id);
  if (m == nullptr) {
    return json_response(
        200, json{{"meter", id},
                  {"diagnosis", app::diagnosis_name(app::Diagnosis::kNoSignal)},
                  {"reason", "nothing received from this meter since the service started"},
                  {"advice", app::diagnosis_advice(app::Diagnosis::kNoSignal)},
                  {"received", 0},
                  {"decoded", 0},
                  {"errors", json::object()},
                  {"frame_counter_gaps", 0},
                  {"frames_missed", 0},
                  {"replays", 0},
                  {"last_frame_counter", nullptr},
                  {"last_telegram_age_s", nullptr},
                  {"last_decoded_age_s", nullptr}});
  }
  json body{
      {"meter", id},
      {"meter_number", m->meter_number},
      {"diagnosis", app::diagnosis_name(m->diagnosis)},
      {"reason", m->reason},
      {"advice", app::diagnosis_advice(m->diagnosis)},
      {"received", m->received},
      {"decoded", m->decoded},
      {"errors", errors_json(m->errors)},
      {"frame_counter_gaps", m->frame_counter_gaps},
      {"frames_missed", m->frames_missed},
      {"replays", m->replays},
      {"last_frame_counter", m->last_frame_counter ? json(*m->last_frame_counter) : json(nullptr)},
      {"last_telegram_age_s", age_or_null(now, m->last_received_ms)},
      {"last_decoded_age_s", age_or_null(now, m->last_decoded_ms)}};
  if (live.meters.size() == 1) {
    // One meter: damaged frames that named no meter are most likely its own.
    body["unattributed_errors"] = errors_json(live.global.errors);
  }
  return json_response(200, body);
}

Response Api::power(const std::string& requested, const Params& params) {
  const std::int64_t now_s = sources_.now_ms() / 1000;
  std::string bad;
  const auto hours = int_param(params, "hours", 24, 1, kMaxRangeS / 3600, bad);
  const auto to_param = int_param(params, "to", now_s, 0, 1LL << 40, bad);
  if (!hours || !to_param) return error(400, bad);
  const auto from_param = int_param(params, "from", *to_param - *hours * 3600, 0, 1LL << 40, bad);
  if (!from_param) return error(400, bad);
  if (*from_param >= *to_param || *to_param - *from_param > kMaxRangeS) {
    return error(400, "from must be before to, at most 400 days apart");
  }
  const auto step_param =
      int_param(params, "step", choose_step(*to_param - *from_param), 1, 86400, bad);
  if (!step_param) return error(400, bad);
  const std::int64_t step = *step_param;
  const std::int64_t from = *from_param / step * step;
  const std::int64_t to = *to_param;
  if ((to - from) / step > kMaxPoints) return error(400, "too many points: use a larger step");

  const app::LiveSnapshot live = sources_.live->snapshot(sources_.now_ms());
  const std::string id = resolve(requested, live);
  if (id.empty()) return error(404, "unknown meter " + requested);
  std::vector<app::PowerPoint> points;
  if (sources_.history != nullptr) {
    if (auto got = sources_.history->power(id, from, to, step, points); !got) {
      return error(503, "history: " + got.error);
    }
  }
  // One column per series, a row per step, null where no reading was stored (a gap).
  json t = json::array(), in = json::array(), in_max = json::array(), out = json::array(),
       out_max = json::array(), samples = json::array();
  std::size_t next = 0;
  for (std::int64_t start = from; start < to; start += step) {
    while (next < points.size() && points[next].start < start) ++next;
    t.push_back(start);
    if (next < points.size() && points[next].start == start) {
      const auto& p = points[next];
      in.push_back(optional_number(p.power_in_mean));
      in_max.push_back(optional_number(p.power_in_max));
      out.push_back(optional_number(p.power_out_mean));
      out_max.push_back(optional_number(p.power_out_max));
      samples.push_back(p.samples);
    } else {
      for (json* column : {&in, &in_max, &out, &out_max}) column->push_back(nullptr);
      samples.push_back(0);
    }
  }
  return json_response(200, json{{"meter", id},
                                 {"from", from},
                                 {"to", to},
                                 {"step", step},
                                 {"t", t},
                                 {"power_in_w", in},
                                 {"power_in_max_w", in_max},
                                 {"power_out_w", out},
                                 {"power_out_max_w", out_max},
                                 {"samples", samples}});
}

Response Api::daily(const std::string& requested, const Params& params) {
  std::string bad;
  const auto days = int_param(params, "days", 31, 1, 400, bad);
  if (!days) return error(400, bad);
  const app::LiveSnapshot live = sources_.live->snapshot(sources_.now_ms());
  const std::string id = resolve(requested, live);
  if (id.empty()) return error(404, "unknown meter " + requested);
  return cached("daily/" + id + "/" + std::to_string(*days), [&] {
    app::DailyEnergy daily;
    if (auto got = report_.daily(id, *days, sources_.now_ms() / 1000, daily); !got) {
      return error(503, got.error);
    }
    json list = json::array();
    for (const app::IntervalEnergy& e : daily.days) {
      list.push_back({{"date", calendar::date_text(e.start)},
                      {"start", e.start},
                      {"end", e.end},
                      {"energy_in_wh", optional_number(e.in_wh)},
                      {"energy_out_wh", optional_number(e.out_wh)},
                      {"complete", e.complete},
                      {"source", app::to_string(e.source)}});
    }
    return json_response(200, json{{"meter", id},
                                   {"days", list},
                                   {"total_in_wh", daily.total_in_wh},
                                   {"total_out_wh", daily.total_out_wh}});
  });
}

// interval=quarter-hour|day (default quarter-hour), from/to = local days YYYY-MM-DD (default:
// the last 7 days, today included), format=csv|json (default csv). Rows as `smartmeter stats`.
std::optional<Response> Api::day_range(const Params& params, std::int64_t days, std::int64_t& first,
                                       std::int64_t& last) const {
  return detail::local_day_range(params, core::vienna_local_day(sources_.now_ms() / 1000), days - 1,
                                 first, last);
}

Response Api::statistics(const std::string& requested, const Params& params) {
  if (sources_.statistics == nullptr) return error(503, "statistics are not available");
  const auto param = [&](const char* name, const char* fallback) {
    const auto it = params.find(name);
    return it == params.end() || it->second.empty() ? std::string(fallback) : it->second;
  };
  const std::string interval = param("interval", "quarter-hour");
  const std::string format = param("format", "csv");
  if (interval != "quarter-hour" && interval != "day") {
    return error(400, "parameter interval must be quarter-hour or day");
  }
  if (format != "csv" && format != "json")
    return error(400, "parameter format must be csv or json");
  std::int64_t first = 0;
  std::int64_t last = 0;
  if (auto bad = day_range(params, 7, first, last)) return *bad;
  const app::LiveSnapshot live = sources_.live->snapshot(sources_.now_ms());
  const std::string id = resolve(requested, live);
  if (id.empty()) return error(404, "unknown meter " + requested);
  const app::StatsQuery query = app::local_days_query(
      interval == "day" ? app::StatsInterval::kDay : app::StatsInterval::kQuarterHour, id, first,
      last);
  std::vector<app::StatsRow> rows;
  if (auto got = report_.statistics(query, rows); !got) {
    return error(503, "statistics: " + got.error);
  }
  if (format == "json") return {200, "application/json", meter::json::stats_json(rows)};
  return {200, "text/csv; charset=utf-8", app::stats_csv(rows)};
}

// The numbers are the app's (reconcile()); this only reads the parameters and writes the JSON.
Response Api::reconciliation(const std::string& requested, const Params& params) {
  if (sources_.statistics == nullptr || sources_.portal == nullptr) {
    return error(503, "the reconciliation is not available");
  }
  const auto param = [&](const char* name, const char* fallback) {
    const auto it = params.find(name);
    return it == params.end() || it->second.empty() ? std::string(fallback) : it->second;
  };
  const auto interval = app::parse_reconcile_interval(param("interval", "day"));
  if (!interval) return error(400, "parameter interval must be quarter-hour, day or month");
  app::ReconcileOptions options;
  options.interval = *interval;
  if (const std::string text = param("tolerance", ""); !text.empty()) {
    const auto [end, ec] =
        std::from_chars(text.data(), text.data() + text.size(), options.tolerance_wh);
    if (ec != std::errc() || end != text.data() + text.size() || options.tolerance_wh < 0) {
      return error(400, "parameter tolerance must be a number of Wh, 0 or more");
    }
  }
  std::int64_t first = 0;
  std::int64_t last = 0;
  if (auto bad = day_range(params, 31, first, last)) return *bad;
  const app::LiveSnapshot live = sources_.live->snapshot(sources_.now_ms());
  std::string id = resolve(requested, live);
  if (id.empty()) id = requested;  // a meter with only the operator's rows (before installation)
  const app::StatsQuery range =
      app::local_days_query(app::StatsInterval::kQuarterHour, id, first, last);
  app::Reconciliation result;
  if (auto done = app::reconcile(*sources_.statistics, *sources_.portal, id, range.from,
                                 range.until, options, result);
      !done) {
    return error(503, done.error);
  }
  constexpr std::size_t kMaxFindings = 500;
  return {200, "application/json", meter::json::reconciliation_json(result, kMaxFindings)};
}

Response Api::peak(const std::string& requested, const Params& params) {
  const app::LiveSnapshot live = sources_.live->snapshot(sources_.now_ms());
  const std::string id = resolve(requested, live);
  if (id.empty()) return error(404, "unknown meter " + requested);
  const std::int64_t now_s = sources_.now_ms() / 1000;
  std::int64_t month_start = calendar::month_start(now_s);
  if (auto it = params.find("month"); it != params.end() && !it->second.empty()) {
    const auto parsed = calendar::parse_month(it->second);
    if (!parsed) return error(400, "month must be YYYY-MM");
    month_start = *parsed;
  }
  return cached("peak/" + id + "/" + std::to_string(month_start), [&] {
    app::MonthlyPeakReport report;
    if (auto got = report_.monthly_peak(id, month_start, report); !got) {
      return error(503, got.error);
    }
    json peak = nullptr;
    if (report.peak) {
      peak = {{"start", report.peak->start},
              {"end", report.peak->end},
              {"energy_wh", *report.peak->in_wh},
              {"power_w", report.peak->mean_power_in_w()},
              // False for a quarter-hour still running or with readings missing: a peak "so far".
              {"complete", report.peak->complete && report.peak->end <= now_s}};
    }
    return json_response(200, json{{"meter", id},
                                   {"month", calendar::month_text(report.month_start)},
                                   {"month_start", report.month_start},
                                   {"month_end", report.month_end},
                                   {"quarter_hours", report.quarter_hours},
                                   {"peak", peak},
                                   {"source", app::to_string(report.source)}});
  });
}

}  // namespace meter::http
