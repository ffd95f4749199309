// SPDX-License-Identifier: MIT
// `smartmeter stats` as a user runs it on a real SQLite database: --update fills the statistics
// tables, the CSV is the stored rows, --peaks the month's peak quarter-hour; bad dates are usage
// errors.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "command_run.h"
#include "meter/app/statistics.h"
#include "meter/json/stats_json.h"
#include "meter/storage/sqlite_statistics_store.h"
#include "steady_meter.h"

namespace meter::app {
namespace {

namespace fs = std::filesystem;
using testing_support::kSteadyMeter;
using testing_support::vienna_time;

using testing_support::CommandRun;

class CliStats : public ::testing::Test {
 protected:
  void SetUp() override {
    dir = testing_support::test_directory("smartmeter-stats");
    testing_support::write_sqlite_settings(dir, db());
    testing_support::write_steady_history(db(), vienna_time(2026, 5, 10, 0),
                                          vienna_time(2026, 5, 12, 12),
                                          vienna_time(2026, 5, 11, 18, 7), 500.0);
  }
  void TearDown() override { fs::remove_all(dir); }
  fs::path db() const { return dir / "smartmeter.db"; }

  CommandRun stats(const std::string& args) {
    return testing_support::run_command(std::string(METER_SMARTMETER_BIN) + " stats --env " +
                                            (dir / "server.env").string() + " " + args,
                                        dir);
  }

  fs::path dir;
};

TEST_F(CliStats, UpdateThenTheDaysAsStored) {
  const CommandRun run = stats("--update --interval day --from 2026-05-11 --to 2026-05-11");
  ASSERT_EQ(run.status, 0) << run.err;
  EXPECT_NE(run.err.find("statistics updated: "), std::string::npos) << run.err;
  storage::SqliteStatisticsStore store(db());
  ASSERT_TRUE(store.open());
  std::vector<StatsRow> rows;
  ASSERT_TRUE(store.rows(
      {StatsInterval::kDay, kSteadyMeter, vienna_time(2026, 5, 11, 0), vienna_time(2026, 5, 12, 0)},
      rows));
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_NEAR(*rows[0].energy_in_wh, 24 * 400.0 + 500.0, 1e-6);
  EXPECT_EQ(run.out, stats_csv(rows));

  const CommandRun json = stats("--interval day --format json --from 2026-05-11 --to 2026-05-11");
  ASSERT_EQ(json.status, 0) << json.err;
  EXPECT_EQ(json.out, json::stats_json(rows) + "\n");
}

TEST_F(CliStats, PeaksPrintTheMonthsHighestQuarterHour) {
  const CommandRun run = stats("--update --peaks");
  ASSERT_EQ(run.status, 0) << run.err;
  EXPECT_EQ(run.out, "meter,month,start,start_local,energy_in_wh,mean_power_w\n" +
                         std::string(kSteadyMeter) + ",2026-05," +
                         std::to_string(vienna_time(2026, 5, 11, 18)) +
                         ",2026-05-11T18:00:00+02:00,600,2400\n");
}

TEST_F(CliStats, ADayThatIsNoDateIsAUsageError) {
  const CommandRun run = stats("--from 2026-02-30");
  EXPECT_EQ(run.status, 2);
  EXPECT_EQ(run.out, "");
  EXPECT_NE(run.err.find("'2026-02-30' is not a date YYYY-MM-DD"), std::string::npos) << run.err;
}

}  // namespace
TEST_F(CliStats, WarningsGoToStderrSoThatStdoutIsOnlyTheRows) {
  // A settings file others may read, with a misspelt name: two warnings, none of them in the CSV.
  std::ofstream(dir / "server.env", std::ios::app) << "SMARTMETER_DEBOUNCE_SECOND=300\n";
  fs::permissions(dir / "server.env", fs::perms::others_read, fs::perm_options::add);
  const CommandRun run = stats("--update --peaks");
  ASSERT_EQ(run.status, 0) << run.err;
  EXPECT_NE(run.err.find("can be read by other users"), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("SMARTMETER_DEBOUNCE_SECOND"), std::string::npos) << run.err;
  EXPECT_EQ(run.out.rfind("meter,month,start,", 0), 0u) << run.out;
  EXPECT_EQ(run.out.find("warn"), std::string::npos) << run.out;
}

}  // namespace meter::app
