// SPDX-License-Identifier: MIT
#include "meter/http/api.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <ctime>
#include <limits>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string_view>
#include <vector>

#include "meter/app/statistics.h"
#include "meter/core/civil_time.h"
#include "meter/http/calendar.h"

namespace meter::http {
namespace {

using nlohmann::json;

constexpr std::int64_t kQuarterHourS = 900;
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

// Energy counted in [start, end) from quarter-hour (or any aligned) counter buckets: the highest
// counter in the period (counters only grow) minus the last one before `start` (the bucket just
// before it), or the lowest counter inside when that bucket is missing (then the value is not
// complete).
struct PeriodEnergy {
  app::OptionalValue in, out;
  bool complete = false;
};

PeriodEnergy period_energy(const std::vector<app::CounterBucket>& buckets, std::int64_t step,
                           std::int64_t start, std::int64_t end, std::int64_t now_s) {
  const app::CounterBucket* before = nullptr;
  app::OptionalValue low_in, low_out, high_in, high_out;
  std::int64_t last_start = std::numeric_limits<std::int64_t>::min();
  const auto lower = [](app::OptionalValue& into, const app::OptionalValue& v) {
    if (v && (!into || *v < *into)) into = v;
  };
  const auto higher = [](app::OptionalValue& into, const app::OptionalValue& v) {
    if (v && (!into || *v > *into)) into = v;
  };
  for (const auto& b : buckets) {
    if (b.start == start - step) before = &b;
    if (b.start < start || b.start >= end) continue;
    lower(low_in, b.energy_in_min);
    lower(low_out, b.energy_out_min);
    higher(high_in, b.energy_in_max);
    higher(high_out, b.energy_out_max);
    last_start = std::max(last_start, b.start);
  }
  PeriodEnergy out;
  if (last_start == std::numeric_limits<std::int64_t>::min()) return out;
  const auto delta = [](const app::OptionalValue& base, const app::OptionalValue& top) {
    return base && top ? app::OptionalValue(std::max(0.0, *top - *base)) : std::nullopt;
  };
  out.in = delta(before != nullptr ? before->energy_in_max : low_in, high_in);
  out.out = delta(before != nullptr ? before->energy_out_max : low_out, high_out);
  const bool reaches_end = last_start + step >= std::min(end, now_s - step);
  out.complete = before != nullptr && reaches_end;
  return out;
}

std::int64_t choose_step(std::int64_t range_s) {
  for (const std::int64_t step : kSteps) {
    if (range_s / step <= kTargetPoints) return step;
  }
  return kSteps.back();
}

}  // namespace

Api::Api(ApiSources sources) : sources_(std::move(sources)) {}

Response Api::get(const std::string& path, const Params& params) {
  if (path == "/api/status") return status();
  if (path == "/api/meters") return meters();
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

}  // namespace

Response Api::status() {
  const std::int64_t now = sources_.now_ms();
  const app::ServiceStatus s = sources_.status();
  const app::LiveSnapshot live = sources_.live->snapshot(now);
  app::ErrorCounts errors = s.errors;
  errors[static_cast<std::size_t>(core::DecodeError::kTooLarge)] += s.oversized;
  return json_response(
      200, json{{"version", sources_.version},
                {"now", now},
                {"started", live.global.started_ms},
                {"uptime_s", age_s(now, live.global.started_ms)},
                {"diagnosis", app::diagnosis_name(live.overall)},
                {"mqtt", {{"connected", s.mqtt_connected}, {"reconnects", s.mqtt_reconnects}}},
                {"database",
                 {{"up", s.database_up},
                  {"storage", s.storage},
                  {"stored_readings", s.stored_readings},
                  {"write_failures", s.store_failures}}},
                {"journal",
                 {{"pending_bytes", s.journal_pending_bytes},
                  {"writable", s.journal_error.empty()},
                  {"error", s.journal_error},
                  {"held_telegrams", s.held_telegrams},
                  {"stored_from_memory", s.stored_from_memory},
                  {"lost_telegrams", s.lost_telegrams},
                  {"damaged_bytes", s.journal_damaged_bytes}}},
                {"telegrams",
                 {{"received", s.received},
                  {"decoded", s.decoded},
                  {"errors", errors_json(errors)},
                  {"last_age_s", age_or_null(now, live.global.last_received_ms)}}},
                {"meters", meter_limits_json(live)},
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
  if (sources_.history != nullptr) {
    const std::int64_t now_s = now / 1000;
    const std::int64_t midnight = calendar::day_start(now_s);
    std::vector<app::CounterBucket> buckets;
    if (sources_.history->counters(id, midnight - kQuarterHourS, now_s + 1, kQuarterHourS,
                                   buckets)) {
      // The live counters are newer than the last stored row.
      if (m != nullptr && m->latest) {
        const app::Reading& r = *m->latest;
        const auto in = r[core::Quantity::kEnergyImport];
        const auto out = r[core::Quantity::kEnergyExport];
        buckets.push_back({now_s / kQuarterHourS * kQuarterHourS, 1, in, in, out, out});
      }
      const PeriodEnergy today = period_energy(buckets, kQuarterHourS, midnight, now_s + 1, now_s);
      if (today.in || today.out) {
        body["today"] = {{"since", midnight},
                         {"energy_in_wh", optional_number(today.in)},
                         {"energy_out_wh", optional_number(today.out)},
                         {"complete", today.complete}};
      }
    }
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
    const std::int64_t now_s = sources_.now_ms() / 1000;
    const std::int64_t today = calendar::day_start(now_s);
    std::vector<std::int64_t> starts;
    for (std::int64_t i = *days - 1; i >= 0; --i) starts.push_back(calendar::add_days(today, -i));
    starts.push_back(calendar::add_days(today, 1));
    const std::size_t count = starts.size() - 1;

    // Statistics rows up to the newest one; history from the first day they do not close.
    std::vector<app::StatsRow> stats;
    if (sources_.statistics != nullptr) {
      app::StatsQuery query{app::StatsInterval::kDay, id, starts.front(), starts.back()};
      if (auto got = sources_.statistics->rows(query, stats); !got) stats.clear();
    }
    std::vector<const app::StatsRow*> by_day(count, nullptr);
    std::size_t from_history = 0;
    for (const auto& row : stats) {
      const auto it = std::find(starts.begin(), starts.end() - 1, row.start);
      if (it == starts.end() - 1) continue;
      const auto i = static_cast<std::size_t>(it - starts.begin());
      by_day[i] = &row;
      from_history = std::max(from_history, row.complete ? i + 1 : i);
    }
    std::vector<app::CounterBucket> buckets;
    if (sources_.history != nullptr && from_history < count) {
      if (auto got = sources_.history->counters(id, starts[from_history] - kQuarterHourS, now_s + 1,
                                                kQuarterHourS, buckets);
          !got) {
        return error(503, "history: " + got.error);
      }
    }
    json list = json::array();
    double total_in = 0;
    double total_out = 0;
    for (std::size_t i = 0; i < count; ++i) {
      PeriodEnergy e;
      const char* source = "history";
      if (i < from_history) {
        source = "statistics";
        if (by_day[i] != nullptr) {
          e = {by_day[i]->energy_in_wh, by_day[i]->energy_out_wh,
               by_day[i]->complete && !by_day[i]->gap};
        }
      } else {
        e = period_energy(buckets, kQuarterHourS, starts[i], starts[i + 1], now_s);
      }
      total_in += e.in.value_or(0);
      total_out += e.out.value_or(0);
      list.push_back({{"date", calendar::date_text(starts[i])},
                      {"start", starts[i]},
                      {"end", starts[i + 1]},
                      {"energy_in_wh", optional_number(e.in)},
                      {"energy_out_wh", optional_number(e.out)},
                      {"complete", e.complete},
                      {"source", source}});
    }
    return json_response(
        200,
        json{
            {"meter", id}, {"days", list}, {"total_in_wh", total_in}, {"total_out_wh", total_out}});
  });
}

// interval=quarter-hour|day (default quarter-hour), from/to = local days YYYY-MM-DD (default:
// the last 7 days, today included), format=csv|json (default csv). Rows as `smartmeter stats`.
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
  const std::int64_t today = core::vienna_local_day(sources_.now_ms() / 1000);
  std::int64_t first = today - 6;
  std::int64_t last = today;
  for (const auto& [name, day] : {std::pair{"from", &first}, std::pair{"to", &last}}) {
    const auto it = params.find(name);
    if (it == params.end() || it->second.empty()) continue;
    if (!core::parse_iso_day(it->second.data(), it->second.size(), day)) {
      return error(400, std::string("parameter ") + name + " must be a date YYYY-MM-DD");
    }
  }
  if (last < first || (last - first + 1) * 86400 > kMaxRangeS) {
    return error(400, "from..to must be a range of 1 to 400 days");
  }
  const app::LiveSnapshot live = sources_.live->snapshot(sources_.now_ms());
  const std::string id = resolve(requested, live);
  if (id.empty()) return error(404, "unknown meter " + requested);
  app::StatsQuery query{
      interval == "day" ? app::StatsInterval::kDay : app::StatsInterval::kQuarterHour, id,
      core::vienna_day_start_utc(first), core::vienna_day_start_utc(last + 1)};
  std::vector<app::StatsRow> rows;
  if (auto got = sources_.statistics->rows(query, rows); !got) {
    return error(503, "statistics: " + got.error);
  }
  if (format == "json") return {200, "application/json", app::stats_json(rows)};
  return {200, "text/csv; charset=utf-8", app::stats_csv(rows)};
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
    const std::int64_t month_end = calendar::month_start(month_start + 32 * 86400);
    const json month_fields{{"meter", id},
                            {"month", calendar::month_text(month_start)},
                            {"month_start", month_start},
                            {"month_end", month_end}};
    // The statistics tables' quarter hours, when they have any for this month.
    std::vector<app::StatsRow> stats;
    if (sources_.statistics != nullptr) {
      app::StatsQuery query{app::StatsInterval::kQuarterHour, id, month_start, month_end};
      if (auto got = sources_.statistics->rows(query, stats); !got) stats.clear();
    }
    if (!stats.empty()) {
      json body = month_fields;
      body["quarter_hours"] = stats.size();
      body["peak"] = nullptr;
      body["source"] = "statistics";
      for (const auto& p : app::monthly_peaks(stats)) {
        if (p.meter != id || p.month != calendar::month_text(month_start)) continue;
        body["peak"] = {{"start", p.start},
                        {"end", p.start + kQuarterHourS},
                        {"energy_wh", p.energy_in_wh},
                        {"power_w", p.mean_power_w()}};
      }
      return json_response(200, body);
    }
    std::vector<app::CounterBucket> q;
    if (sources_.history != nullptr) {
      if (auto got = sources_.history->counters(id, month_start - kQuarterHourS, month_end,
                                                kQuarterHourS, q);
          !got) {
        return error(503, "history: " + got.error);
      }
    }
    // A quarter hour's energy is the counter at its end minus the one at its start, so only
    // quarter hours whose predecessor has readings count.
    json best = nullptr;
    double best_wh = -1;
    std::size_t counted = 0;
    for (std::size_t i = 1; i < q.size(); ++i) {
      if (q[i].start < month_start || q[i - 1].start != q[i].start - kQuarterHourS) continue;
      if (!q[i].energy_in_max || !q[i - 1].energy_in_max) continue;
      const double wh = std::max(0.0, *q[i].energy_in_max - *q[i - 1].energy_in_max);
      ++counted;
      if (wh > best_wh) {
        best_wh = wh;
        best = {{"start", q[i].start},
                {"end", q[i].start + kQuarterHourS},
                {"energy_wh", wh},
                {"power_w", wh * 3600.0 / static_cast<double>(kQuarterHourS)}};
      }
    }
    json body = month_fields;
    body["quarter_hours"] = counted;
    body["peak"] = best;
    body["source"] = "history";
    return json_response(200, body);
  });
}

}  // namespace meter::http
