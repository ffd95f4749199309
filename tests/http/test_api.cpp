// SPDX-License-Identifier: MIT
#include "meter/http/api.h"

#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>

#include "meter/core/civil_time.h"

namespace meter::http {
namespace {

using nlohmann::json;

constexpr const char* kMeter = "4B464D6750012345";
constexpr const char* kStoredOnly = "4B464D6750099999";

std::int64_t vienna(std::int64_t year, unsigned month, unsigned day, std::int64_t hour,
                    std::int64_t minute = 0) {
  const std::int64_t local_day = core::days_from_civil(year, month, day);
  return core::vienna_local_to_utc(local_day * 86400 + hour * 3600 + minute * 60);
}

// History of a meter that reads every 5 s from `first` on and imports 100 Wh per quarter hour
// (400 W), plus `spike_wh` at the instant `spike_at`; exports 10 Wh per quarter hour.
class FakeHistory final : public app::HistoryQuery {
 public:
  std::int64_t first = 0;
  std::int64_t last = 0;  // no readings at or after this
  std::int64_t spike_at = 0;
  double spike_wh = 0;
  int calls = 0;

  double energy_in(std::int64_t t) const {
    return 1'000'000.0 + static_cast<double>(t - first) * 100.0 / 900.0 +
           (t >= spike_at ? spike_wh : 0.0);
  }
  double energy_out(std::int64_t t) const { return static_cast<double>(t - first) / 90.0; }

  app::Outcome meters(std::vector<app::MeterSummary>& out) override {
    ++calls;
    out = {{kMeter, "181220012345", first, last - 5}, {kStoredOnly, "999", first, first + 60}};
    return app::Outcome::success();
  }
  app::Outcome power(const std::string& meter, std::int64_t from, std::int64_t to,
                     std::int64_t step, std::vector<app::PowerPoint>& out) override {
    ++calls;
    out.clear();
    if (meter != kMeter) return app::Outcome::success();
    for (std::int64_t s = from / step * step; s < to; s += step) {
      if (s + step <= first || s >= last) continue;
      // A hole of one bucket, as a gap in the data.
      if (s == (first / step + 2) * step) continue;
      out.push_back({s, step / 5, 400.0, 450.0, 40.0, 45.0});
    }
    return app::Outcome::success();
  }
  app::Outcome counters(const std::string& meter, std::int64_t from, std::int64_t to,
                        std::int64_t step, std::vector<app::CounterBucket>& out) override {
    ++calls;
    out.clear();
    if (meter != kMeter) return app::Outcome::success();
    for (std::int64_t s = from / step * step; s < to; s += step) {
      const std::int64_t lo = std::max({s, from, first});
      const std::int64_t hi = std::min({s + step, to, last}) - 5;  // last reading inside
      if (lo > hi) continue;
      out.push_back(
          {s, (hi - lo) / 5 + 1, energy_in(lo), energy_in(hi), energy_out(lo), energy_out(hi)});
    }
    return app::Outcome::success();
  }
  std::string describe() const override { return "fake"; }
};

// Statistics tables holding the rows given to them (only rows() is used by the API).
class FakeStatistics final : public app::StatisticsStore {
 public:
  std::vector<app::StatsRow> stored;
  std::vector<app::StatsQuery> queries;

  app::Outcome open() override { return app::Outcome::success(); }
  app::Outcome meters(std::vector<std::string>&) override { return app::Outcome::success(); }
  app::Outcome meters_since(std::int64_t, std::vector<std::string>&, std::vector<std::int64_t>&,
                            std::int64_t&) override {
    return app::Outcome::success();
  }
  app::Outcome reading_span(const std::string&,
                            std::optional<std::pair<std::int64_t, std::int64_t>>&) override {
    return app::Outcome::success();
  }
  app::Outcome readings(const std::string&, std::int64_t, std::int64_t,
                        std::vector<app::Reading>&) override {
    return app::Outcome::success();
  }
  app::Outcome newest_row_start(const std::string&, app::StatsInterval,
                                std::optional<std::int64_t>&) override {
    return app::Outcome::success();
  }
  app::Outcome upsert(std::span<const app::StatsRow>) override { return app::Outcome::success(); }
  app::Outcome rows(const app::StatsQuery& query, std::vector<app::StatsRow>& out) override {
    queries.push_back(query);
    out.clear();
    for (const auto& row : stored) {
      if (row.interval == query.interval && row.meter == query.meter && row.start >= query.from &&
          row.start < query.until) {
        out.push_back(row);
      }
    }
    return app::Outcome::success();
  }
  void close() override {}
  std::string describe() const override { return "fake statistics"; }
};

app::StatsRow stats_row(app::StatsInterval interval, std::int64_t start, std::int64_t end,
                        double in_wh, bool complete) {
  app::StatsRow row;
  row.meter = kMeter;
  row.interval = interval;
  row.start = start;
  row.end = end;
  row.energy_in_wh = in_wh;
  row.energy_out_wh = 1.0;
  row.complete = complete;
  return row;
}

core::Telegram telegram(std::uint32_t counter, std::int64_t time_s) {
  core::Telegram t;
  t.system_title = {0x4B, 0x46, 0x4D, 0x67, 0x50, 0x01, 0x23, 0x45};
  t.encrypted = true;
  t.frame_counter = counter;
  t.has_time = true;
  t.timestamp_utc = time_s;
  t.meter_number.assign("181220012345");
  t[core::Quantity::kEnergyImport] = {true, 1'000'000, 0, core::kUnitWattHour, true};
  t[core::Quantity::kPowerImport] = {true, 1284, 0, core::kUnitWatt, true};
  t[core::Quantity::kPowerFactor] = {true, 947, -3, core::kUnitNone, true};
  return t;
}

class ApiTest : public ::testing::Test {
 protected:
  // Monday 30 March 2026, 12:00 Vienna (CEST): the day after the switch to summer time.
  std::int64_t now_s = vienna(2026, 3, 30, 12);
  app::LiveState live{(now_s - 600) * 1000, 30'000};
  FakeHistory history;
  app::ServiceStatus service;
  FakeStatistics statistics;
  Api api{{&live, [this] { return service; }, &history, nullptr, [this] { return now_s * 1000; },
           "9.9"}};
  Api with_statistics{{&live, [this] { return service; }, &history, &statistics,
                       [this] { return now_s * 1000; }, "9.9"}};

  void SetUp() override {
    history.first = vienna(2026, 2, 25, 0);
    history.last = now_s;
    history.spike_at = vienna(2026, 3, 12, 18, 7);  // inside 18:00..18:15
    history.spike_wh = 500;
    service.mqtt_connected = true;
    service.database_up = true;
    service.received = 3;
    service.decoded = 2;
    live.record_decoded(telegram(7, now_s - 10), (now_s - 10) * 1000);
    live.record_decoded(telegram(8, now_s - 5), (now_s - 5) * 1000);
  }

  json get(const std::string& path, const Params& params = {}, int status = 200) {
    const Response r = api.get(path, params);
    EXPECT_EQ(r.status, status) << path << ": " << r.body;
    EXPECT_EQ(r.content_type, "application/json");
    return json::parse(r.body);
  }
};

TEST_F(ApiTest, Status) {
  const json s = get("/api/status");
  EXPECT_EQ(s["version"], "9.9");
  EXPECT_EQ(s["diagnosis"], "ok");
  EXPECT_EQ(s["mqtt"]["connected"], true);
  EXPECT_EQ(s["database"]["up"], true);
  EXPECT_EQ(s["telegrams"]["received"], 3);
  EXPECT_EQ(s["telegrams"]["last_age_s"], 5);
  EXPECT_EQ(s["uptime_s"], 600);
}

TEST_F(ApiTest, MetersListsLiveAndStoredMeters) {
  const json m = get("/api/meters")["meters"];
  ASSERT_EQ(m.size(), 2u);
  EXPECT_EQ(m[0]["meter"], kMeter);
  EXPECT_EQ(m[0]["live"], true);
  EXPECT_EQ(m[0]["diagnosis"], "ok");
  EXPECT_EQ(m[0]["last_telegram_age_s"], 5);
  EXPECT_EQ(m[0]["first_timestamp"], history.first);
  EXPECT_EQ(m[1]["meter"], kStoredOnly);
  EXPECT_EQ(m[1]["live"], false);
  EXPECT_EQ(m[1]["diagnosis"], "no_signal");
}

TEST_F(ApiTest, LatestReadingWithUnitsAndTodaysEnergy) {
  const json l = get(std::string("/api/meters/") + kMeter + "/latest");
  EXPECT_EQ(l["meter_number"], "181220012345");
  const json& r = l["reading"];
  EXPECT_EQ(r["frame_counter"], 8);
  EXPECT_EQ(r["age_s"], 5);
  EXPECT_EQ(r["timestamp"], now_s - 5);
  EXPECT_EQ(r["values"]["PIn"]["value"], 1284.0);
  EXPECT_EQ(r["values"]["PIn"]["unit"], "W");
  EXPECT_DOUBLE_EQ(r["values"]["PF"]["value"].get<double>(), 0.947);
  EXPECT_FALSE(r["values"].contains("POut"));  // not sent: left out
  // Midnight to noon at 400 W. The live counter (1,000,000 Wh) is lower than the stored ones
  // here: the highest counter of the day counts.
  const json& today = l["today"];
  EXPECT_EQ(today["since"], vienna(2026, 3, 30, 0));
  EXPECT_NEAR(today["energy_in_wh"].get<double>(), 12 * 400.0, 1e-6);
  EXPECT_EQ(today["complete"], true);
}

TEST_F(ApiTest, MeterNumberWorksAsId) {
  EXPECT_EQ(get("/api/meters/181220012345/latest")["meter"], kMeter);
  EXPECT_EQ(get("/api/meters/4b464d6750012345/latest")["meter"], kMeter);  // any case
  EXPECT_EQ(get("/api/meters/999/power")["meter"], kStoredOnly);
}

TEST_F(ApiTest, AMeterNumberTwoTitlesClaimIsAnsweredWithBoth) {
  // A second live meter with the first one's meter number (a swapped meter, or a forgery).
  core::Telegram other = telegram(3, now_s - 2);
  other.system_title[7] = 0x99;
  live.record_decoded(other, (now_s - 2) * 1000);
  for (const char* what : {"latest", "health", "power", "daily", "peak", "statistics"}) {
    const json answer = get(std::string("/api/meters/181220012345/") + what, {}, 409);
    EXPECT_EQ(answer["meter_number"], "181220012345") << what;
    EXPECT_EQ(answer["meters"], json({kMeter, "4B464D6750012399"})) << what;
    EXPECT_NE(answer["error"].get<std::string>().find("2 system titles"), std::string::npos);
  }
  // Each title still answers for itself.
  EXPECT_EQ(get("/api/meters/4B464D6750012399/latest")["meter_number"], "181220012345");
  EXPECT_EQ(get(std::string("/api/meters/") + kMeter + "/latest")["meter"], kMeter);
}

TEST_F(ApiTest, AMeterNumberClaimedLiveAndInHistoryIsAnsweredWithBoth) {
  // kStoredOnly claims "999" in history; a live title now claims it as well.
  core::Telegram other = telegram(3, now_s - 2);
  other.system_title[7] = 0x77;
  other.meter_number.assign("999");
  live.record_decoded(other, (now_s - 2) * 1000);
  const json answer = get("/api/meters/999/latest", {}, 409);
  EXPECT_EQ(answer["meters"], json({"4B464D6750012377", kStoredOnly}));
}

TEST_F(ApiTest, StatusShowsTheMeterLimitAndUnattributedTitles) {
  app::LiveStateOptions options;
  options.max_meters = 1;
  app::LiveState bounded((now_s - 600) * 1000, options);
  Api small{{&bounded, [this] { return service; }, &history, nullptr,
             [this] { return now_s * 1000; }, "9.9"}};
  bounded.record_decoded(telegram(1, now_s - 9), (now_s - 9) * 1000);
  core::Telegram second = telegram(1, now_s - 8);
  second.system_title[7] = 0x01;
  bounded.record_decoded(second, (now_s - 8) * 1000);
  core::Telegram junk = telegram(1, now_s - 7);
  junk.system_title[7] = 0x02;
  bounded.record_failure(core::DecodeError::kAuthFailed, &junk, (now_s - 7) * 1000);
  const json s = json::parse(small.get("/api/status", {}).body);
  EXPECT_EQ(s["meters"]["live"], 1);
  EXPECT_EQ(s["meters"]["limit"], 1);
  EXPECT_EQ(s["meters"]["limit_reached"], true);
  EXPECT_EQ(s["meters"]["beyond_limit_telegrams"], 1);
  ASSERT_EQ(s["unattributed"]["titles"].size(), 1u);
  const json& title = s["unattributed"]["titles"][0];
  EXPECT_EQ(title["title"], "4B464D6750012302");
  EXPECT_EQ(title["count"], 1);
  EXPECT_EQ(title["last_error"], core::error_name(core::DecodeError::kAuthFailed));
  EXPECT_EQ(title["last_seen_age_s"], 7);
  EXPECT_EQ(title["probably_wrong_key"], false);
}

TEST_F(ApiTest, UnknownAndInvalidRequests) {
  get("/api/meters/0000000000000000/latest", {}, 404);
  get("/api/meters/bad%20id/latest", {}, 400);
  get("/api/nothing", {}, 404);
  get(std::string("/api/meters/") + kMeter + "/power", {{"hours", "0"}}, 400);
  get(std::string("/api/meters/") + kMeter + "/power", {{"hours", "x"}}, 400);
  get(std::string("/api/meters/") + kMeter + "/power", {{"step", "1"}, {"hours", "48"}}, 400);
  get(std::string("/api/meters/") + kMeter + "/daily", {{"days", "401"}}, 400);
  get(std::string("/api/meters/") + kMeter + "/peak", {{"month", "2026-13"}}, 400);
}

TEST_F(ApiTest, PowerIsOneRowPerStepWithNullInGaps) {
  history.first = now_s - 3600;
  const json p = get(std::string("/api/meters/") + kMeter + "/power");
  EXPECT_EQ(p["step"], 300);  // 24 h in 288 points
  EXPECT_EQ(p["to"], now_s);
  EXPECT_EQ(p["from"], now_s - 86400);
  const auto& t = p["t"];
  ASSERT_EQ(t.size(), 288u);
  EXPECT_EQ(p["power_in_w"].size(), 288u);
  EXPECT_EQ(p["power_out_max_w"].size(), 288u);
  for (std::size_t i = 1; i < t.size(); ++i)
    EXPECT_EQ(t[i].get<std::int64_t>() - t[i - 1].get<std::int64_t>(), 300);
  // Data only in the last hour, with one bucket missing.
  std::size_t filled = 0;
  for (const auto& v : p["power_in_w"]) filled += v.is_null() ? 0u : 1u;
  EXPECT_EQ(filled, 11u);
  EXPECT_TRUE(p["power_in_w"][0].is_null());
  EXPECT_EQ(p["power_in_w"][287], 400.0);
  EXPECT_EQ(p["power_out_max_w"][287], 45.0);
  EXPECT_EQ(p["samples"][287], 60);
}

TEST_F(ApiTest, PowerRangeAndStepParameters) {
  const json p =
      get(std::string("/api/meters/") + kMeter + "/power",
          {{"from", std::to_string(now_s - 7200)}, {"to", std::to_string(now_s)}, {"step", "600"}});
  EXPECT_EQ(p["step"], 600);
  EXPECT_EQ(p["t"].size(), 12u);
  EXPECT_EQ(get(std::string("/api/meters/") + kMeter + "/power", {{"hours", "744"}})["step"],
            10800);
}

TEST_F(ApiTest, DailyEnergyFollowsViennaDaysAcrossTheSwitchToSummerTime) {
  const json d = get(std::string("/api/meters/") + kMeter + "/daily", {{"days", "3"}});
  const auto& days = d["days"];
  ASSERT_EQ(days.size(), 3u);
  EXPECT_EQ(days[0]["date"], "2026-03-28");
  EXPECT_EQ(days[1]["date"], "2026-03-29");
  EXPECT_EQ(days[2]["date"], "2026-03-30");
  EXPECT_EQ(days[0]["start"], vienna(2026, 3, 28, 0));
  EXPECT_EQ(days[1]["end"].get<std::int64_t>() - days[1]["start"].get<std::int64_t>(), 23 * 3600);
  EXPECT_NEAR(days[0]["energy_in_wh"].get<double>(), 96 * 100.0, 1e-6);
  EXPECT_NEAR(days[1]["energy_in_wh"].get<double>(), 92 * 100.0, 1e-6);  // 23 hours
  EXPECT_NEAR(days[1]["energy_out_wh"].get<double>(), 92 * 10.0, 1e-6);
  EXPECT_EQ(days[0]["complete"], true);
  EXPECT_EQ(days[2]["complete"], true);  // up to now
  EXPECT_NEAR(d["total_in_wh"].get<double>(), 9600 + 9200 + days[2]["energy_in_wh"].get<double>(),
              1e-6);
}

TEST_F(ApiTest, DailyMarksTheFirstDayOfDataIncomplete) {
  history.first = vienna(2026, 3, 29, 6);
  const json d = get(std::string("/api/meters/") + kMeter + "/daily", {{"days", "3"}});
  const auto& days = d["days"];
  EXPECT_TRUE(days[0]["energy_in_wh"].is_null());
  EXPECT_EQ(days[0]["complete"], false);
  EXPECT_EQ(days[1]["complete"], false);  // no reading before the first
  // 06:00 to midnight (the switch was at 02:00), from the first reading on.
  EXPECT_NEAR(days[1]["energy_in_wh"].get<double>(), 18 * 4 * 100.0 - 100.0 * 5 / 900, 1e-6);
}

TEST_F(ApiTest, PeakQuarterHourOfTheMonth) {
  const json p = get(std::string("/api/meters/") + kMeter + "/peak");
  EXPECT_EQ(p["month"], "2026-03");
  EXPECT_EQ(p["month_start"], vienna(2026, 3, 1, 0));
  EXPECT_EQ(p["month_end"], vienna(2026, 4, 1, 0));
  ASSERT_TRUE(p["peak"].is_object());
  EXPECT_EQ(p["peak"]["start"], vienna(2026, 3, 12, 18));
  EXPECT_EQ(p["peak"]["end"], vienna(2026, 3, 12, 18, 15));
  EXPECT_NEAR(p["peak"]["energy_wh"].get<double>(), 600.0, 1e-6);
  EXPECT_NEAR(p["peak"]["power_w"].get<double>(), 2400.0, 1e-6);

  const json feb = get(std::string("/api/meters/") + kMeter + "/peak", {{"month", "2026-02"}});
  EXPECT_EQ(feb["month"], "2026-02");
  EXPECT_NEAR(feb["peak"]["power_w"].get<double>(), 400.0, 1e-6);
  EXPECT_TRUE(get(std::string("/api/meters/") + kMeter + "/peak", {{"month", "2025-01"}})["peak"]
                  .is_null());
}

TEST_F(ApiTest, StatisticsExportAsCsvAndJson) {
  using app::StatsInterval;
  statistics.stored = {
      stats_row(StatsInterval::kQuarterHour, vienna(2026, 3, 29, 10), vienna(2026, 3, 29, 10, 15),
                12.5, true),
      stats_row(StatsInterval::kQuarterHour, vienna(2026, 3, 30, 9), vienna(2026, 3, 30, 9, 15), 20,
                true),
      stats_row(StatsInterval::kDay, vienna(2026, 3, 29, 0), vienna(2026, 3, 30, 0), 77, true)};
  const std::string path = std::string("/api/meters/") + kMeter + "/statistics";

  const Response csv = with_statistics.get(path, {});
  EXPECT_EQ(csv.status, 200) << csv.body;
  EXPECT_EQ(csv.content_type, "text/csv; charset=utf-8");
  const std::vector<app::StatsRow> quarter_hours(statistics.stored.begin(),
                                                 statistics.stored.begin() + 2);
  EXPECT_EQ(csv.body, app::stats_csv(quarter_hours)) << "the last 7 days' quarter-hours";

  const Response one_day = with_statistics.get(
      path,
      {{"interval", "day"}, {"from", "2026-03-29"}, {"to", "2026-03-29"}, {"format", "json"}});
  EXPECT_EQ(one_day.status, 200) << one_day.body;
  const json days = json::parse(one_day.body);
  ASSERT_EQ(days.size(), 1u);
  EXPECT_NEAR(days[0]["energyInWh"].get<double>(), 77.0, 1e-9);
  ASSERT_FALSE(statistics.queries.empty());
  EXPECT_EQ(statistics.queries.back().from, vienna(2026, 3, 29, 0));
  EXPECT_EQ(statistics.queries.back().until, vienna(2026, 3, 30, 0)) << "23-hour day";

  EXPECT_EQ(with_statistics.get(path, {{"interval", "hour"}}).status, 400);
  EXPECT_EQ(with_statistics.get(path, {{"from", "29.03.2026"}}).status, 400);
  EXPECT_EQ(with_statistics.get(path, {{"from", "2026-03-30"}, {"to", "2026-03-01"}}).status, 400);
  EXPECT_EQ(api.get(path, {}).status, 503) << "without statistics tables";
}

TEST_F(ApiTest, ImpossibleDatesAre400) {
  const std::string path = std::string("/api/meters/") + kMeter + "/statistics";
  for (const char* day : {"2026-02-30", "2025-02-29", "2026-04-31", "2026-00-10", "2026-06-00"}) {
    EXPECT_EQ(with_statistics.get(path, {{"from", day}}).status, 400) << "from=" << day;
    EXPECT_EQ(with_statistics.get(path, {{"from", "2026-01-01"}, {"to", day}}).status, 400)
        << "to=" << day;
  }
  EXPECT_EQ(with_statistics.get(path, {{"from", "2024-02-29"}, {"to", "2024-03-01"}}).status, 200)
      << "a leap day is a date";
  EXPECT_EQ(with_statistics.get(path, {{"from", "2026-04-30"}, {"to", "2026-05-31"}}).status, 200);
  get(std::string("/api/meters/") + kMeter + "/peak", {{"month", "2026-00"}}, 400);
}

TEST_F(ApiTest, DailyAndPeakAnswersAreCachedBriefly) {
  get(std::string("/api/meters/") + kMeter + "/peak");
  const int calls = history.calls;
  get(std::string("/api/meters/") + kMeter + "/peak");
  EXPECT_EQ(history.calls, calls);  // the meter resolved from the live state, the answer cached
  now_s += Api::kCacheMs / 1000 + 1;
  get(std::string("/api/meters/") + kMeter + "/peak");
  EXPECT_GT(history.calls, calls);
}

TEST_F(ApiTest, DailyEnergyFromTheStatisticsTablesThenFromHistory) {
  using app::StatsInterval;
  // The tables close 28 March; 29 March is still open there; today has no row yet.
  statistics.stored = {
      stats_row(StatsInterval::kDay, vienna(2026, 3, 28, 0), vienna(2026, 3, 29, 0), 1234, true),
      stats_row(StatsInterval::kDay, vienna(2026, 3, 29, 0), vienna(2026, 3, 30, 0), 77, false)};
  const Response r =
      with_statistics.get(std::string("/api/meters/") + kMeter + "/daily", {{"days", "3"}});
  ASSERT_EQ(r.status, 200) << r.body;
  const json days = json::parse(r.body)["days"];
  EXPECT_EQ(days[0]["source"], "statistics");
  EXPECT_EQ(days[0]["energy_in_wh"], 1234.0);
  EXPECT_EQ(days[0]["complete"], true);
  EXPECT_EQ(days[1]["source"], "history");  // its row may still change
  EXPECT_NEAR(days[1]["energy_in_wh"].get<double>(), 92 * 100.0, 1e-6);
  EXPECT_EQ(days[2]["source"], "history");
  ASSERT_EQ(statistics.queries.size(), 1u);
  EXPECT_EQ(statistics.queries[0].interval, StatsInterval::kDay);
  EXPECT_EQ(statistics.queries[0].meter, kMeter);
}

TEST_F(ApiTest, PeakFromTheStatisticsTablesWhenTheyHaveTheMonth) {
  using app::StatsInterval;
  const std::int64_t q = vienna(2026, 3, 5, 7, 30);
  statistics.stored = {
      stats_row(StatsInterval::kQuarterHour, q - 900, q, 300, true),
      stats_row(StatsInterval::kQuarterHour, q, q + 900, 800, true),
      stats_row(StatsInterval::kQuarterHour, q + 900, q + 1800, 800, true)};  // a tie: earliest
  const Response r = with_statistics.get(std::string("/api/meters/") + kMeter + "/peak", {});
  ASSERT_EQ(r.status, 200) << r.body;
  const json p = json::parse(r.body);
  EXPECT_EQ(p["source"], "statistics");
  EXPECT_EQ(p["peak"]["start"], q);
  EXPECT_EQ(p["peak"]["power_w"], 3200.0);
  // A month the tables do not have comes from history.
  const json feb = json::parse(
      with_statistics.get(std::string("/api/meters/") + kMeter + "/peak", {{"month", "2026-02"}})
          .body);
  EXPECT_EQ(feb["source"], "history");
  EXPECT_NEAR(feb["peak"]["power_w"].get<double>(), 400.0, 1e-6);
}

TEST_F(ApiTest, HealthOfAMeter) {
  core::Telegram cleared;
  live.record_failure(core::DecodeError::kBadChecksum, &cleared, now_s * 1000);
  const json h = get(std::string("/api/meters/") + kMeter + "/health");
  EXPECT_EQ(h["diagnosis"], "ok");
  EXPECT_EQ(h["received"], 2);
  EXPECT_EQ(h["decoded"], 2);
  EXPECT_EQ(h["frame_counter_gaps"], 0);
  EXPECT_EQ(h["last_frame_counter"], 8);
  EXPECT_EQ(h["last_telegram_age_s"], 5);
  EXPECT_EQ(h["unattributed_errors"]["checksum"], 1);
  EXPECT_FALSE(h["advice"].get<std::string>().empty());
  const json stored = get(std::string("/api/meters/") + kStoredOnly + "/health");
  EXPECT_EQ(stored["diagnosis"], "no_signal");
  EXPECT_TRUE(stored["last_telegram_age_s"].is_null());
}

}  // namespace
}  // namespace meter::http
