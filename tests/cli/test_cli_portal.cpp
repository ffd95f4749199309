// SPDX-License-Identifier: MIT
// `smartmeter portal import` and `compare` as a user runs them on a real SQLite database: the
// printed summary, the day's difference, refusals with their messages and exit status 1, and
// nothing stored by a refused file.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "command_run.h"
#include "meter/storage/sqlite_portal_store.h"
#include "portal_export.h"
#include "steady_meter.h"

namespace meter::app {
namespace {

namespace fs = std::filesystem;
using testing_support::kPortalPoint;
using testing_support::kSteadyMeter;
using testing_support::vienna_time;

using testing_support::CommandRun;

class CliPortal : public ::testing::Test {
 protected:
  void SetUp() override {
    dir = testing_support::test_directory("smartmeter-portal");
    testing_support::write_sqlite_settings(dir, db());
    testing_support::write_steady_history(db(), vienna_time(2026, 5, 10, 0),
                                          vienna_time(2026, 5, 12, 12),
                                          vienna_time(2026, 5, 11, 18, 7), 500.0);
    // 11 May as the operator bills it: the spike as we saw it, 12:00-12:15 20 Wh less.
    const std::int64_t spike = vienna_time(2026, 5, 11, 18);
    const std::int64_t off = vienna_time(2026, 5, 11, 12);
    std::ofstream(dir / export_name())
        << testing_support::netz_noe_export(vienna_time(2026, 5, 11, 0), 96, [&](std::int64_t s) {
             return s == spike ? 600.0 : s == off ? 80.0 : 100.0;
           });
  }
  void TearDown() override { fs::remove_all(dir); }
  fs::path db() const { return dir / "smartmeter.db"; }
  static std::string export_name() {
    return std::string(kPortalPoint) + "_Verbrauch_2026-05-11.csv";
  }

  CommandRun smartmeter(const std::string& args) {
    return testing_support::run_command(
        std::string(METER_SMARTMETER_BIN) + " " + args + " --env " + (dir / "server.env").string(),
        dir);
  }

  std::size_t stored_rows() {
    storage::SqlitePortalStore store(db());
    std::vector<PortalQuarterHour> rows;
    EXPECT_TRUE(store.rows({}, rows));
    return rows.size();
  }

  fs::path dir;
};

TEST_F(CliPortal, ImportPrintsWhatItReadThenCompareShowsTheDifference) {
  const CommandRun import = smartmeter("portal import " + (dir / export_name()).string());
  ASSERT_EQ(import.status, 0) << import.err;
  EXPECT_EQ(import.out, std::string("format:         netz-noe-v2\n") + "metering point: " +
                            kPortalPoint + "\n" + "meter:          " + kSteadyMeter + "\n" +
                            "first interval: 2026-05-11 00:00 CEST\n"
                            "last interval:  2026-05-11 23:45 CEST - 2026-05-12 00:00 CEST\n"
                            "rows:           96\n"
                            "changed:        96\n");
  const CommandRun again = smartmeter("portal import " + (dir / export_name()).string());
  ASSERT_EQ(again.status, 0) << again.err;
  EXPECT_NE(again.out.find("changed:        0\n"), std::string::npos) << again.out;

  const CommandRun compare =
      smartmeter("portal compare --update --from 2026-05-11 --to 2026-05-11");
  ASSERT_EQ(compare.status, 0) << compare.err;
  const std::string line = std::string(kSteadyMeter) + ",day," +
                           std::to_string(vienna_time(2026, 5, 11, 0)) +
                           ",2026-05-11T00:00:00+02:00," +
                           std::to_string(vienna_time(2026, 5, 12, 0)) + ",10100,10080,20,";
  EXPECT_NE(compare.out.find("\n" + line), std::string::npos) << compare.out;
  EXPECT_NE(compare.out.find(",96,1,0,0,0,0\n"), std::string::npos) << compare.out;

  const CommandRun json = smartmeter(
      "portal compare --from 2026-05-11 --to 2026-05-11 --interval quarter-hour --format json "
      "--tolerance 25");
  ASSERT_EQ(json.status, 0) << json.err;
  const auto body = nlohmann::json::parse(json.out);
  EXPECT_EQ(body["rows"].size(), 96U);
  EXPECT_EQ(body["total"]["disagreeing"], 0) << "20 Wh is within 25";
}

TEST_F(CliPortal, AnotherMeteringPointForTheMeterIsRefused) {
  ASSERT_EQ(smartmeter("portal import " + (dir / export_name()).string()).status, 0);
  const std::string other = "AT0020000000000000000000100099999_Verbrauch_2026-05-11.csv";
  fs::copy_file(dir / export_name(), dir / other);
  const CommandRun run = smartmeter("portal import --meter " + std::string(kSteadyMeter) + " " +
                                    (dir / other).string());
  EXPECT_EQ(run.status, 1);
  EXPECT_EQ(run.out, "");
  EXPECT_NE(run.err.find(other +
                         " is for metering point AT0020000000000000000000100099999, but "
                         "meter " +
                         kSteadyMeter + " was imported from metering point " + kPortalPoint +
                         " before: refused, nothing imported"),
            std::string::npos)
      << run.err;
  EXPECT_EQ(stored_rows(), 96U);
}

TEST_F(CliPortal, UnknownFormatAndBadLinesAreRefusedWithTheirPlace) {
  std::ofstream(dir / "other.csv") << "Zeitstempel;Wert\n01.05.2026 00:15;1\n";
  const CommandRun unknown = smartmeter("portal import " + (dir / "other.csv").string());
  EXPECT_EQ(unknown.status, 1);
  EXPECT_NE(unknown.err.find("other.csv: not a known portal export"), std::string::npos)
      << unknown.err;
  EXPECT_NE(unknown.err.find("netz-noe-community"), std::string::npos) << unknown.err;
  EXPECT_NE(unknown.err.find("wiener-netze"), std::string::npos) << unknown.err;

  std::string text = testing_support::read_text(dir / export_name());
  text.replace(text.find(";0,100000;", text.size() / 2), 10, ";0,1OO000;");
  std::ofstream(dir / export_name()) << text;
  const CommandRun bad = smartmeter("portal import " + (dir / export_name()).string());
  EXPECT_EQ(bad.status, 1);
  EXPECT_NE(bad.err.find("1 bad line(s), nothing imported"), std::string::npos) << bad.err;
  EXPECT_NE(bad.err.find("'0,1OO000' in column Verbrauch (kWh)"), std::string::npos) << bad.err;
  EXPECT_EQ(stored_rows(), 0U);
}

TEST_F(CliPortal, SeveralMetersNeedMeter) {
  // A second meter in history: the file's meter is no longer obvious.
  auto readings = testing_support::steady_readings(vienna_time(2026, 5, 10, 0),
                                                   vienna_time(2026, 5, 10, 1), 0, 0);
  for (auto& reading : readings) reading.meter = "53414764D2E62AE3";
  storage::SqliteReadingStore history(db());
  ASSERT_TRUE(history.open());
  ASSERT_TRUE(history.write({readings, {}, {}}));
  history.close();
  const CommandRun run = smartmeter("portal import " + (dir / export_name()).string());
  EXPECT_EQ(run.status, 1);
  EXPECT_NE(run.err.find("the service knows 2 meters"), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("--meter ID"), std::string::npos) << run.err;
  const CommandRun with_meter =
      smartmeter("portal import --meter 53414764D2E62AE3 " + (dir / export_name()).string());
  EXPECT_EQ(with_meter.status, 0) << with_meter.err;
  EXPECT_NE(with_meter.out.find("meter:          53414764D2E62AE3\n"), std::string::npos);
}

}  // namespace
}  // namespace meter::app
