// SPDX-License-Identifier: MIT
// The statistics store on a real MariaDB on 127.0.0.1 (tools/test-servers.sh): under ctest the
// storage tests' fixture server (METER_TEST_MARIADB_DIR), run by hand a server of its own in a
// temporary directory. Without mariadbd the tests skip and say so.
#include <stdlib.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "mariadb_environment.h"
#include "meter/storage/mysql_reading_store.h"
#include "meter/storage/mysql_statistics_store.h"
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

}  // namespace
}  // namespace meter::statistics_testing

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  meter::statistics_testing::g_server =
      new meter::statistics_testing::MariaDb("meter-stats-mariadb-");
  ::testing::AddGlobalTestEnvironment(meter::statistics_testing::g_server);
  return RUN_ALL_TESTS();
}
