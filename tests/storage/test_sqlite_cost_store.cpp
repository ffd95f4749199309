// SPDX-License-Identifier: MIT
// The cost store on SQLite (cost_store_behaviour.h; the same behaviour runs on MariaDB in
// test_mysql_statistics_store.cpp).
#include <stdlib.h>

#include <filesystem>

#include "cost_store_behaviour.h"
#include "meter/storage/sqlite_cost_store.h"

namespace meter::cost_testing {
namespace {

namespace fs = std::filesystem;

class SqliteCost : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "meter-cost-XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

TEST_F(SqliteCost, RoundTripAndLocalDayAndMonthSums) {
  storage::SqliteCostStore store(dir_ / "smartmeter.db");
  run_cost_round_trip(store);
}

TEST_F(SqliteCost, ReopenedStoreKeepsRowsAndViews) {
  {
    storage::SqliteCostStore store(dir_ / "smartmeter.db");
    ASSERT_TRUE(store.open());
    const auto rows = cost_rows(kMeterA);
    ASSERT_TRUE(store.store(rows));
  }
  storage::SqliteCostStore store(dir_ / "smartmeter.db");
  app::CostQuery query;
  query.interval = app::CostInterval::kMonth;
  std::vector<app::CostTotal> months;
  ASSERT_TRUE(store.totals(query, months));
  ASSERT_EQ(months.size(), 1U);
  EXPECT_EQ(months[0].quarter_hours, 96 + 92);
}

TEST_F(SqliteCost, TableNamesFollowTheHistoryTable) {
  EXPECT_EQ(app::cost_table_names("history").quarter_hour, "costQuarterHour");
  EXPECT_EQ(app::cost_table_names("history").monthly, "costMonthly");
  EXPECT_EQ(app::cost_table_names("house2").daily, "house2CostDaily");
  storage::SqliteCostStore store(dir_ / "other.db", "house2");
  run_cost_round_trip(store);
  EXPECT_NE(store.describe().find("house2CostQuarterHour"), std::string::npos);
}

TEST_F(SqliteCost, UnopenableFileIsAnOutcome) {
  storage::SqliteCostStore store(dir_ / "missing" / "dir" / "smartmeter.db");
  EXPECT_FALSE(store.open());
}

}  // namespace
}  // namespace meter::cost_testing
