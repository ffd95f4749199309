// SPDX-License-Identifier: MIT
// GET /api/meters/{id}/reconciliation over real SQLite tables: statistics from a steady meter's
// history, the operator's rows imported from a Netz NÖ export with one disagreeing quarter-hour
// and a day before our first reading.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "meter/app/portal_file.h"
#include "meter/http/api.h"
#include "meter/storage/sqlite_portal_store.h"
#include "meter/storage/sqlite_statistics_store.h"
#include "portal_export.h"
#include "steady_meter.h"

namespace meter::http {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using testing_support::kSteadyMeter;
using testing_support::vienna_time;

class ApiReconciliation : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "meter-api-portal-XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    testing_support::write_steady_history(db(), vienna_time(2026, 5, 10, 0),
                                          vienna_time(2026, 5, 12, 12),
                                          vienna_time(2026, 5, 11, 18, 7), 500.0);
    statistics_ = std::make_unique<storage::SqliteStatisticsStore>(db());
    portal_ = std::make_unique<storage::SqlitePortalStore>(db());
    ASSERT_TRUE(statistics_->open());
    app::StatisticsUpdater updater(*statistics_);
    ASSERT_TRUE(updater.update_all());
    // The operator: 9 May (before our first reading) and 11 May, where it bills 30 Wh more at
    // 12:00-12:15 and sees the spike as we do.
    const std::int64_t spike = vienna_time(2026, 5, 11, 18);
    const std::int64_t off = vienna_time(2026, 5, 11, 12);
    std::string text = testing_support::netz_noe_export(vienna_time(2026, 5, 9, 0), 96,
                                                        [](std::int64_t) { return 100.0; });
    app::PortalFile file;
    ASSERT_TRUE(app::parse_portal_file(text, std::string(testing_support::kPortalPoint) + ".csv",
                                       "", file));
    app::PortalImportResult result;
    const std::vector<std::string> meters = {kSteadyMeter};
    ASSERT_TRUE(app::import_portal_rows(*portal_, file.rows, file.metering_point, "9 May", "",
                                        meters, result));
    text = testing_support::netz_noe_export(vienna_time(2026, 5, 11, 0), 96, [&](std::int64_t s) {
      return s == spike ? 600.0 : s == off ? 130.0 : 100.0;
    });
    ASSERT_TRUE(app::parse_portal_file(text, std::string(testing_support::kPortalPoint) + ".csv",
                                       "", file));
    ASSERT_TRUE(app::import_portal_rows(*portal_, file.rows, file.metering_point, "11 May", "",
                                        meters, result));
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path db() const { return dir_ / "smartmeter.db"; }

  Response get(app::PortalStore* portal, const Params& params) {
    ApiSources sources{&live_,
                       [] { return app::ServiceStatus{}; },
                       nullptr,
                       statistics_.get(),
                       [] { return vienna_time(2026, 5, 12, 12) * 1000; },
                       "9.9"};
    sources.portal = portal;
    Api api(std::move(sources));
    return api.get(std::string("/api/meters/") + kSteadyMeter + "/reconciliation", params);
  }

  fs::path dir_;
  app::LiveState live_{vienna_time(2026, 5, 12, 11) * 1000, 30'000};
  std::unique_ptr<storage::SqliteStatisticsStore> statistics_;
  std::unique_ptr<storage::SqlitePortalStore> portal_;
};

TEST_F(ApiReconciliation, DaysWithTheDifferenceAndTheOperatorsDayBeforeUs) {
  const Response response = get(portal_.get(), {{"from", "2026-05-09"}, {"to", "2026-05-11"}});
  ASSERT_EQ(response.status, 200) << response.body;
  const json body = json::parse(response.body);
  EXPECT_EQ(body["interval"], "day");
  ASSERT_EQ(body["rows"].size(), 3U) << body.dump(1);
  const json& before = body["rows"][0];
  EXPECT_EQ(before["start"], vienna_time(2026, 5, 9, 0));
  EXPECT_EQ(before["both"], 0);
  EXPECT_EQ(before["onlyOperator"], 96);
  EXPECT_DOUBLE_EQ(before["onlyOperatorInWh"].get<double>(), 96 * 100.0);
  EXPECT_FALSE(before["agrees"].get<bool>());

  const json& day = body["rows"][2];
  EXPECT_EQ(day["start"], vienna_time(2026, 5, 11, 0));
  EXPECT_EQ(day["both"], 96);
  EXPECT_NEAR(day["oursInWh"].get<double>(), 96 * 100.0 + 500, 1e-6);
  EXPECT_NEAR(day["operatorInWh"].get<double>(), 96 * 100.0 + 500 + 30, 1e-6);
  EXPECT_NEAR(day["diffInWh"].get<double>(), -30, 1e-6);
  EXPECT_NEAR(day["diffInPercent"].get<double>(), -3000.0 / 10130, 1e-9);
  EXPECT_EQ(day["disagreeing"], 1);
  EXPECT_EQ(day["onlyOperator"], 0);

  bool found = false;
  for (const json& finding : body["findings"]) {
    if (finding["kind"] == "disagrees") {
      EXPECT_EQ(finding["start"], vienna_time(2026, 5, 11, 12));
      EXPECT_NEAR(finding["operatorInWh"].get<double>(), 130, 1e-9);
      found = true;
    }
  }
  EXPECT_TRUE(found) << body["findings"].dump(1);
  EXPECT_EQ(body["findingsTotal"].get<std::size_t>(), body["findings"].size());
}

TEST_F(ApiReconciliation, MonthsToleranceAndBadParameters) {
  const Response month = get(
      portal_.get(),
      {{"from", "2026-05-11"}, {"to", "2026-05-11"}, {"interval", "month"}, {"tolerance", "40"}});
  ASSERT_EQ(month.status, 200) << month.body;
  const json body = json::parse(month.body);
  ASSERT_EQ(body["rows"].size(), 1U);
  EXPECT_EQ(body["rows"][0]["start"], vienna_time(2026, 5, 1, 0));
  EXPECT_EQ(body["rows"][0]["disagreeing"], 0) << "30 Wh is within 40";
  EXPECT_TRUE(body["rows"][0]["agrees"].get<bool>());

  EXPECT_EQ(get(portal_.get(), {{"interval", "hour"}}).status, 400);
  EXPECT_EQ(get(portal_.get(), {{"tolerance", "-1"}}).status, 400);
  EXPECT_EQ(get(portal_.get(), {{"tolerance", "5x"}}).status, 400);
  EXPECT_EQ(get(portal_.get(), {{"from", "2026-05-12"}, {"to", "2026-05-01"}}).status, 400);
  EXPECT_EQ(get(nullptr, {}).status, 503) << "without the operator's table";
}

}  // namespace
}  // namespace meter::http
