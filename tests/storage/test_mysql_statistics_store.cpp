// SPDX-License-Identifier: MIT
// The statistics store on a real MariaDB on 127.0.0.1 (tools/test-servers.sh): under ctest the
// storage tests' fixture server (METER_TEST_MARIADB_DIR), run by hand a server of its own in a
// temporary directory. Without mariadbd the tests skip and say so.
#include <stdlib.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "cost_store_behaviour.h"
#include "mariadb_environment.h"
#include "meter/storage/mysql_cost_store.h"
#include "meter/storage/mysql_portal_store.h"
#include "meter/storage/mysql_reading_store.h"
#include "meter/storage/mysql_statistics_store.h"
#include "portal_store_behaviour.h"
#include "statistics_store_behaviour.h"

namespace meter::statistics_testing {
namespace {

namespace fs = std::filesystem;

using MariaDb = storage_testing::MariaDbEnvironment;

MariaDb* g_server = nullptr;

storage::MysqlSettings settings(const std::string& schema) {
  storage::MysqlSettings s;
  s.host = "127.0.0.1";
  s.port = g_server->port();
  s.user = "smartmeter";
  s.password = "smartmeter-test";
  s.schema = schema + "_" + std::to_string(::getpid());
  return s;
}

#define REQUIRE_SERVER()                                                 \
  do {                                                                   \
    if (!g_server->skip().empty()) GTEST_SKIP() << g_server->skip();     \
    ASSERT_NE(g_server->port(), 0U) << "the test MariaDB did not start"; \
  } while (false)

TEST(MysqlStatistics, RoundTripMatchesTheComputation) {
  REQUIRE_SERVER();
  storage::MysqlReadingStore history(settings("stats_round_trip"));
  storage::MysqlStatisticsStore store(settings("stats_round_trip"));
  run_round_trip(history, store);
}

TEST(MysqlStatistics, PassesVisitOnlyMetersWithNewReadings) {
  REQUIRE_SERVER();
  storage::MysqlReadingStore history(settings("stats_changed"));
  storage::MysqlStatisticsStore store(settings("stats_changed"));
  run_only_changed_meters(history, store);
}

TEST(MysqlStatistics, PortalStoreRoundTrip) {
  REQUIRE_SERVER();
  storage::MysqlPortalStore store(settings("portal_round_trip"));
  portal_testing::run_portal_round_trip(store);
}

// One transaction per import: a row the server refuses (a meter id longer than the column)
// after good ones leaves nothing behind.
TEST(MysqlStatistics, PortalImportIsAllOrNothing) {
  REQUIRE_SERVER();
  storage::MysqlPortalStore store(settings("portal_atomic"));
  ASSERT_TRUE(store.open());
  auto rows = portal_testing::quarter_hours("53414764D2E62AE3", 1'767'222'000, 3000, true);
  rows.back().meter = "53414764D2E62AE3-TOO-LONG-FOR-THE-COLUMN";
  std::size_t changed = 0;
  const app::Outcome stored = store.store(rows, changed);
  EXPECT_FALSE(stored);
  EXPECT_EQ(changed, 0U);
  std::vector<app::PortalQuarterHour> read;
  ASSERT_TRUE(store.rows({}, read));
  EXPECT_TRUE(read.empty()) << read.size() << " rows of a failed import were kept";
}

TEST(MysqlStatistics, UnreachableServerIsAnOutcomeNotACrash) {
  REQUIRE_SERVER();
  storage::MysqlSettings unreachable = settings("stats_unreachable");
  unreachable.port = 1;
  storage::MysqlStatisticsStore store(unreachable);
  const app::Outcome opened = store.open();
  EXPECT_FALSE(opened);
  EXPECT_NE(opened.error.find("database unreachable"), std::string::npos) << opened.error;
  app::StatisticsUpdater updater(store);
  EXPECT_FALSE(updater.update_once());
}

// The cost store (cost_store_behaviour.h, also run on SQLite).
TEST(MysqlCost, RoundTripAndLocalDayAndMonthSums) {
  REQUIRE_SERVER();
  storage::MysqlCostStore store(settings("cost_round_trip"));
  cost_testing::run_cost_round_trip(store);
}

TEST(MysqlCost, UnreachableServerIsAnOutcomeNotACrash) {
  REQUIRE_SERVER();
  storage::MysqlSettings unreachable = settings("cost_unreachable");
  unreachable.port = 1;
  storage::MysqlCostStore store(unreachable);
  EXPECT_FALSE(store.open());
}

}  // namespace
}  // namespace meter::statistics_testing

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  meter::statistics_testing::g_server =
      new meter::statistics_testing::MariaDb("meter-stats-mariadb-");
  ::testing::AddGlobalTestEnvironment(meter::statistics_testing::g_server);
  return RUN_ALL_TESTS();
}
