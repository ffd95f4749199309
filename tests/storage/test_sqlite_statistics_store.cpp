// SPDX-License-Identifier: MIT
#include <stdlib.h>

#include <filesystem>

#include "meter/storage/sqlite_portal_store.h"
#include "meter/storage/sqlite_reading_store.h"
#include "meter/storage/sqlite_statistics_store.h"
#include "portal_store_behaviour.h"
#include "statistics_store_behaviour.h"

namespace meter::statistics_testing {
namespace {

namespace fs = std::filesystem;

class SqliteStatistics : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "meter-stats-XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

// The operator's quarter-hours live in the same file, in a table of their own.
TEST_F(SqliteStatistics, PortalStoreRoundTrip) {
  storage::SqlitePortalStore store(dir_ / "smartmeter.db");
  portal_testing::run_portal_round_trip(store);
}

TEST_F(SqliteStatistics, RoundTripMatchesTheComputation) {
  storage::SqliteReadingStore history(dir_ / "smartmeter.db");
  storage::SqliteStatisticsStore store(dir_ / "smartmeter.db");
  run_round_trip(history, store);
}

TEST_F(SqliteStatistics, PassesVisitOnlyMetersWithNewReadings) {
  storage::SqliteReadingStore history(dir_ / "smartmeter.db");
  storage::SqliteStatisticsStore store(dir_ / "smartmeter.db");
  run_only_changed_meters(history, store);
}

TEST_F(SqliteStatistics, WithoutHistoryThereIsNothingToDo) {
  storage::SqliteStatisticsStore store(dir_ / "empty.db");
  app::StatisticsUpdater updater(store);
  std::size_t written = 0;
  ASSERT_TRUE(updater.update_once(&written));
  EXPECT_EQ(written, 0U);
  std::vector<app::StatsRow> rows;
  ASSERT_TRUE(store.rows({}, rows));
  EXPECT_TRUE(rows.empty());
}

TEST_F(SqliteStatistics, TableNamesFollowTheHistoryTable) {
  EXPECT_EQ(app::stats_table_names("history").quarter_hour, "statsQuarterHour");
  EXPECT_EQ(app::stats_table_names("history").daily, "statsDaily");
  EXPECT_EQ(app::stats_table_names("house2").daily, "house2StatsDaily");
  storage::SqliteReadingStore history(dir_ / "other.db", "house2");
  storage::SqliteStatisticsStore store(dir_ / "other.db", "house2");
  run_round_trip(history, store);
  EXPECT_NE(store.describe().find("house2StatsQuarterHour"), std::string::npos);
}

}  // namespace
}  // namespace meter::statistics_testing
