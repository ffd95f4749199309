// SPDX-License-Identifier: MIT
// The history views of the API (/api/meters/{id}/history) on what the service's own stores wrote:
// SQLite on a temporary file and a real MariaDB on 127.0.0.1 (skipped without mariadbd). A meter
// reads every minute and imports 10 Wh a minute (600 W), 450 Wh in one quarter-hour of 31 March;
// the statistics tables are brought up to date after March and early April, so that October and
// November come from history. "Now" is Monday 2 November 2026, 12:07 Vienna.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>

#include "it_servers.h"
#include "meter/app/live_state.h"
#include "meter/app/statistics_store.h"
#include "meter/core/civil_time.h"
#include "meter/http/api.h"
#include "meter/storage/mysql_history_query.h"
#include "meter/storage/mysql_reading_store.h"
#include "meter/storage/mysql_statistics_store.h"
#include "meter/storage/sqlite_history_query.h"
#include "meter/storage/sqlite_reading_store.h"
#include "meter/storage/sqlite_statistics_store.h"

namespace meter::it {
namespace {

using nlohmann::json;

enum class Engine { kSqlite, kMariaDb };

constexpr const char* kMeter = "4B464D6750000077";
std::atomic<int> g_counter{0};

std::int64_t vienna(std::int64_t year, unsigned month, unsigned day, std::int64_t hour = 0,
                    std::int64_t minute = 0) {
  return core::vienna_local_to_utc(core::days_from_civil(year, month, day) * 86400 + hour * 3600 +
                                   minute * 60);
}

const std::int64_t kSpikeAt = vienna(2026, 3, 31, 18, 5);
const std::int64_t kNow = vienna(2026, 11, 2, 12, 7);

class HistoryViewsTest : public ::testing::TestWithParam<Engine> {
 protected:
  void SetUp() override {
    const std::string id = std::to_string(::getpid()) + "_" + std::to_string(++g_counter);
    if (GetParam() == Engine::kSqlite) {
      const auto file = Servers::get().dir() / ("views-" + id + ".db");
      store_ = std::make_unique<storage::SqliteReadingStore>(file);
      query_ = std::make_unique<storage::SqliteHistoryQuery>(file);
      statistics_ = std::make_unique<storage::SqliteStatisticsStore>(file);
    } else {
      std::string why;
      const auto port = Servers::get().mariadb_port(&why);
      if (!port) {
        if (!Servers::mariadbd_installed()) GTEST_SKIP() << why;
        FAIL() << why;
      }
      storage::MysqlSettings settings;
      settings.host = "127.0.0.1";
      settings.port = *port;
      settings.user = "smartmeter";
      settings.password = "smartmeter-test";
      settings.schema = "views_" + id;
      store_ = std::make_unique<storage::MysqlReadingStore>(settings);
      query_ = std::make_unique<storage::MysqlHistoryQuery>(settings);
      statistics_ = std::make_unique<storage::MysqlStatisticsStore>(settings);
    }
    ASSERT_TRUE(store_->open());
    write_minutes(vienna(2026, 3, 27), vienna(2026, 4, 2, 1));
    app::StatisticsUpdater updater(*statistics_);
    const auto updated = updater.update_all();
    ASSERT_TRUE(updated) << updated.error;
    write_minutes(vienna(2026, 10, 24), vienna(2026, 10, 27));
    write_minutes(vienna(2026, 11, 2), kNow);
    api_ = std::make_unique<http::Api>(http::ApiSources{&live_, [] { return app::ServiceStatus{}; },
                                                        query_.get(), statistics_.get(),
                                                        [] { return kNow * 1000; }, "test"});
  }

  // A reading each minute in [from, until], 10 Wh a minute since 2026-01-01.
  void write_minutes(std::int64_t from, std::int64_t until) {
    std::vector<app::Reading> batch;
    const std::int64_t origin = vienna(2026, 1, 1);
    for (std::int64_t t = from; t <= until; t += 60) {
      app::Reading r;
      r.meter = kMeter;
      r.frame_counter = static_cast<std::uint32_t>((t - origin) / 60);
      r.timestamp = t;
      r.meter_number = "181220000077";
      r.received_at_ms = t * 1000;
      const auto set = [&](core::Quantity q, double v) {
        r.values[static_cast<std::size_t>(q)] = v;
      };
      set(core::Quantity::kEnergyImport,
          1'000'000.0 + static_cast<double>((t - origin) / 60 * 10) + (t >= kSpikeAt ? 300 : 0));
      set(core::Quantity::kEnergyExport, 5000);
      set(core::Quantity::kPowerImport, 600);
      set(core::Quantity::kPowerExport, 0);
      set(core::Quantity::kVoltageL1, 230);
      set(core::Quantity::kVoltageL2, 231);
      set(core::Quantity::kVoltageL3, 232);
      set(core::Quantity::kCurrentL1, 1);
      set(core::Quantity::kCurrentL2, 2);
      set(core::Quantity::kCurrentL3, 3);
      batch.push_back(r);
      if (batch.size() == 500 || t + 60 > until) {
        const auto written = store_->write({batch, {}, {}});
        ASSERT_TRUE(written) << written.error;
        batch.clear();
      }
    }
  }

  http::Response raw(const http::Params& params, const std::string& what = "history",
                     const std::string& meter = kMeter) {
    return api_->get("/api/meters/" + meter + "/" + what, params);
  }
  json get(const http::Params& params) {
    const http::Response r = raw(params);
    EXPECT_EQ(r.status, 200) << r.body;
    return json::parse(r.body);
  }

  app::LiveState live_{kNow * 1000, 30'000};
  std::unique_ptr<app::ReadingStore> store_;
  std::unique_ptr<app::HistoryQuery> query_;
  std::unique_ptr<app::StatisticsStore> statistics_;
  std::unique_ptr<http::Api> api_;
};

double in_wh(const json& interval) { return interval["energy_in_wh"].get<double>(); }

// One test per engine (each MariaDB schema costs seconds): every view and every bad input.
TEST_P(HistoryViewsTest, DayWeekMonthYearCompareCsvAndBadInput) {
  SCOPED_TRACE("the day summer time begins: 23 hours, 92 quarter-hours from the statistics");
  json body = get({{"period", "day"}, {"date", "2026-03-29"}});
  json view = body["view"];
  EXPECT_EQ(view["label"], "2026-03-29");
  EXPECT_EQ(view["end"].get<std::int64_t>() - view["start"].get<std::int64_t>(), 23 * 3600);
  ASSERT_EQ(view["intervals"].size(), 92u);
  for (const json& q : view["intervals"]) {
    EXPECT_DOUBLE_EQ(in_wh(q), 150) << q.dump();
    EXPECT_TRUE(q["complete"]);
    EXPECT_FALSE(q["so_far"]);
    EXPECT_EQ(q["source"], "statistics");
  }
  EXPECT_EQ(view["intervals"][8]["label"], "03:00");  // 02:00..02:59 does not exist
  EXPECT_DOUBLE_EQ(view["total_in_wh"].get<double>(), 92 * 150);
  EXPECT_TRUE(view["complete"]);
  EXPECT_EQ(view["previous_date"], "2026-03-28");
  EXPECT_EQ(view["next_date"], "2026-03-30");
  ASSERT_EQ(view["power"]["t"].size(), 23u * 12);
  EXPECT_DOUBLE_EQ(view["power"]["power_in_w"][0].get<double>(), 600);
  ASSERT_EQ(view["phases"]["t"].size(), 23u * 12);
  EXPECT_DOUBLE_EQ(view["phases"]["u2_v"][5].get<double>(), 231);
  EXPECT_DOUBLE_EQ(view["phases"]["i3_a"][5].get<double>(), 3);

  SCOPED_TRACE("the day summer time ends: 25 hours, 100 quarter-hours from history");
  view = get({{"period", "day"}, {"date", "2026-10-25"}})["view"];
  ASSERT_EQ(view["intervals"].size(), 100u);
  EXPECT_EQ(view["intervals"][8]["label"], "02:00");
  EXPECT_EQ(view["intervals"][12]["label"], "02:00");  // the hour repeated
  for (const json& q : view["intervals"]) {
    EXPECT_DOUBLE_EQ(in_wh(q), 150) << q.dump();
    EXPECT_EQ(q["source"], "history");
    EXPECT_TRUE(q["complete"]);
  }
  EXPECT_EQ(view["power"]["t"].size(), 25u * 12);

  SCOPED_TRACE("today: the quarter-hour holding now is so far, later ones are empty");
  view = get({{"period", "day"}})["view"];
  EXPECT_EQ(view["label"], "2026-11-02");
  const json& now_q = view["intervals"][48];  // 12:00..12:15
  EXPECT_EQ(now_q["label"], "12:00");
  EXPECT_TRUE(now_q["so_far"]);
  EXPECT_FALSE(now_q["complete"]);
  EXPECT_GT(in_wh(now_q), 0);
  EXPECT_TRUE(view["intervals"][49]["energy_in_wh"].is_null());
  EXPECT_FALSE(view["intervals"][49]["so_far"]);
  EXPECT_FALSE(view["complete"]);

  SCOPED_TRACE("a week across the month's end, compared with the one before");
  body = get({{"period", "week"}, {"date", "2026-04-01"}, {"compare", "1"}});
  view = body["view"];
  EXPECT_EQ(view["label"], "2026-W14");
  EXPECT_EQ(view["first_day"], "2026-03-30");
  EXPECT_EQ(view["last_day"], "2026-04-05");
  ASSERT_EQ(view["intervals"].size(), 7u);
  EXPECT_EQ(view["intervals"][0]["label"], "2026-03-30");
  EXPECT_DOUBLE_EQ(in_wh(view["intervals"][0]), 96 * 150);
  EXPECT_DOUBLE_EQ(in_wh(view["intervals"][1]), 96 * 150 + 300);  // the spike
  EXPECT_DOUBLE_EQ(in_wh(view["intervals"][2]), 96 * 150);
  EXPECT_TRUE(view["intervals"][4]["energy_in_wh"].is_null());
  const json& before = body["previous"];
  EXPECT_EQ(before["label"], "2026-W13");
  ASSERT_EQ(before["intervals"].size(), 7u);
  EXPECT_DOUBLE_EQ(in_wh(before["intervals"][6]), 92 * 150);  // Sunday 29 March
  EXPECT_FALSE(before.contains("previous"));

  SCOPED_TRACE("a month: days and its highest quarter-hours");
  body = get({{"period", "month"}, {"date", "2026-03-15"}, {"compare", "1"}});
  view = body["view"];
  ASSERT_EQ(view["intervals"].size(), 31u);
  EXPECT_TRUE(view["intervals"][0]["energy_in_wh"].is_null());
  EXPECT_DOUBLE_EQ(in_wh(view["intervals"][28]), 92 * 150);
  ASSERT_FALSE(view["peaks"].empty());
  EXPECT_EQ(view["peaks"][0]["start"], vienna(2026, 3, 31, 18));
  EXPECT_DOUBLE_EQ(view["peaks"][0]["energy_in_wh"].get<double>(), 450);
  EXPECT_DOUBLE_EQ(view["peaks"][0]["power_w"].get<double>(), 1800);
  EXPECT_EQ(view["peaks"][0]["label"], "2026-03-31 18:00");
  EXPECT_EQ(body["previous"]["label"], "2026-02");
  EXPECT_EQ(body["previous"]["intervals"].size(), 28u);
  const double march = view["total_in_wh"].get<double>();

  SCOPED_TRACE("a year: twelve months, the current one so far");
  body = get({{"period", "year"}, {"date", "2026-06-01"}, {"compare", "1"}});
  view = body["view"];
  ASSERT_EQ(view["intervals"].size(), 12u);
  EXPECT_EQ(view["intervals"][2]["label"], "2026-03");
  EXPECT_DOUBLE_EQ(in_wh(view["intervals"][2]), march);
  EXPECT_DOUBLE_EQ(in_wh(view["intervals"][9]), 3 * 96 * 150 + 4 * 150);  // 24..26 October
  EXPECT_TRUE(view["intervals"][0]["energy_in_wh"].is_null());
  EXPECT_TRUE(view["intervals"][10]["so_far"]);
  EXPECT_FALSE(view["intervals"][10]["complete"]);
  EXPECT_TRUE(view["intervals"][11]["energy_in_wh"].is_null());
  EXPECT_EQ(body["previous"]["label"], "2025");
  EXPECT_DOUBLE_EQ(body["previous"]["total_in_wh"].get<double>(), 0);

  SCOPED_TRACE("CSV of what is shown");
  http::Response csv = raw({{"period", "day"}, {"date", "2026-03-29"}}, "history.csv");
  ASSERT_EQ(csv.status, 200) << csv.body;
  EXPECT_EQ(csv.content_type, "text/csv; charset=utf-8");
  EXPECT_EQ(csv.attachment, std::string("smartmeter-") + kMeter + "-day-2026-03-29.csv");
  EXPECT_EQ(std::count(csv.body.begin(), csv.body.end(), '\n'), 93);
  EXPECT_EQ(csv.body.substr(0, csv.body.find('\n')),
            "start,start_local,label,energy_in_wh,energy_out_wh,complete,so_far,source");
  EXPECT_NE(csv.body.find("\n" + std::to_string(vienna(2026, 3, 29, 3)) +
                          ",2026-03-29T03:00:00+02:00,03:00,150.0,0.0,true,false,statistics\n"),
            std::string::npos)
      << csv.body.substr(0, 600);
  csv = raw({{"period", "week"}, {"date", "2026-04-01"}, {"compare", "1"}, {"format", "csv"}});
  ASSERT_EQ(csv.status, 200);
  EXPECT_EQ(csv.attachment, std::string("smartmeter-") + kMeter + "-week-2026-W14-compared.csv");
  EXPECT_NE(csv.body.find(",2026-03-29T00:00:00+01:00,13800.0,0.0\n"), std::string::npos)
      << csv.body;
  csv = raw({{"period", "day"}, {"date", "2026-10-25"}, {"table", "phases"}}, "history.csv");
  ASSERT_EQ(csv.status, 200);
  EXPECT_EQ(csv.body.substr(0, csv.body.find('\n')),
            "start,start_local,u1_v,u2_v,u3_v,i1_a,i2_a,i3_a");
  EXPECT_EQ(std::count(csv.body.begin(), csv.body.end(), '\n'), 1 + 25 * 12);
  csv = raw({{"period", "month"}, {"date", "2026-03-01"}, {"table", "peaks"}}, "history.csv");
  ASSERT_EQ(csv.status, 200);
  EXPECT_NE(csv.body.find("\n1," + std::to_string(vienna(2026, 3, 31, 18)) +
                          ",2026-03-31T18:00:00+02:00,450.0,1800.0,true\n"),
            std::string::npos)
      << csv.body;
  const http::Response range = raw({{"from", "2026-03-28"}, {"to", "2026-04-01"}}, "history.csv");
  ASSERT_EQ(range.status, 200) << range.body;
  EXPECT_EQ(std::count(range.body.begin(), range.body.end(), '\n'), 6);

  SCOPED_TRACE("bad input: a clear 4xx that names the limit");
  const auto refused = [&](const http::Params& params, int status, const std::string& says,
                           const std::string& meter = kMeter) {
    const http::Response r = raw(params, "history", meter);
    EXPECT_EQ(r.status, status) << r.body;
    const json answer = json::parse(r.body);
    EXPECT_NE(answer["error"].get<std::string>().find(says), std::string::npos) << r.body;
  };
  refused({{"from", "2000-01-01"}, {"to", "2099-12-31"}}, 400,
          "from..to is 36525 days; a range is at most 400 days");  // 100 years
  refused({{"from", "1990-01-01"}, {"to", "2089-12-31"}}, 400, "from 2000-01-01 to 2099-12-31");
  refused({{"from", "1900-01-01"}, {"to", "1900-01-02"}}, 400, "from 2000-01-01 to 2099-12-31");
  refused({{"date", "2026-02-30"}}, 400, "parameter date must be a date YYYY-MM-DD");
  refused({{"date", "29.03.2026"}}, 400, "YYYY-MM-DD");
  refused({{"date", "2026-03-29T00:00"}}, 400, "YYYY-MM-DD");
  refused({{"date", "3000-01-01"}}, 400, "2099-12-31");
  refused({{"period", "decade"}}, 400, "day, week, month or year");
  refused({{"from", "2026-03-01"}}, 400, "parameter to must be a date");
  refused({{"from", "2026-03-10"}, {"to", "2026-03-01"}}, 400, "not be before");
  refused({{"period", "day"}, {"from", "2026-03-01"}, {"to", "2026-03-02"}}, 400, "either");
  refused({{"compare", "yes"}}, 400, "compare must be 0 or 1");
  refused({{"format", "xml"}}, 400, "csv or json");
  refused({{"period", "month"}, {"table", "power"}}, 400, "for a day only");
  refused({{"period", "day"}, {"table", "peaks"}}, 400, "for a month only");
  refused({{"table", "everything"}}, 400, "energy, power, phases or peaks");
  refused({}, 404, "unknown meter", "4B464D6750099999");
  refused({}, 400, "letters, digits", "x%27;DROP");
}

INSTANTIATE_TEST_SUITE_P(Engines, HistoryViewsTest,
                         ::testing::Values(Engine::kSqlite, Engine::kMariaDb),
                         [](const auto& param_info) {
                           return param_info.param == Engine::kSqlite ? "Sqlite" : "MariaDb";
                         });

}  // namespace
}  // namespace meter::it
