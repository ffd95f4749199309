// SPDX-License-Identifier: MIT
// The portal parsers on our fixtures (one per format, DST days included) and on bad input, and
// the import into a real SQLite file: the metering point mapped to a meter, refusals, merging.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "meter/app/portal_file.h"
#include "meter/core/civil_time.h"
#include "meter/storage/sqlite_portal_store.h"

namespace meter::app {
namespace {

namespace fs = std::filesystem;

constexpr const char* kPoint = "AT0020000000000000000000100012345";

std::string slurp(const std::string& name) {
  std::ifstream in(fs::path(METER_PORTAL_FIXTURES) / name, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

PortalFile parsed(const std::string& name) {
  PortalFile file;
  const Outcome done = parse_portal_file(slurp(name), name, "", file);
  EXPECT_TRUE(done) << done.error;
  return file;
}

std::int64_t local_midnight(int year, unsigned month, unsigned day) {
  return core::vienna_day_start_utc(core::days_from_civil(year, month, day));
}

// The quarter-hours follow each other without a hole from local midnight to the next.
void expect_whole_day(const PortalFile& file, std::int64_t midnight, std::size_t count) {
  ASSERT_EQ(file.rows.size(), count);
  for (std::size_t i = 0; i < file.rows.size(); ++i) {
    EXPECT_EQ(file.rows[i].start, midnight + static_cast<std::int64_t>(i) * 900) << i;
  }
  EXPECT_EQ(file.rows.back().start + 900,
            core::vienna_day_start_utc(core::vienna_local_day(midnight) + 1));
}

TEST(PortalFile, NetzNoeFirstVersionStampsTheEndOfEachQuarterHour) {
  const PortalFile file = parsed(std::string(kPoint) + "-netz-noe-v1-2023-11-10.csv");
  EXPECT_EQ(file.format, "netz-noe-v1");
  EXPECT_EQ(file.metering_point, kPoint);
  // "10.11.2023 00:15" is the first quarter-hour 00:00-00:15, "11.11.2023 00:00" the last.
  expect_whole_day(file, local_midnight(2023, 11, 10), 96);
  for (std::size_t i = 0; i < 96; ++i) {
    ASSERT_TRUE(file.rows[i].consumption_wh);
    EXPECT_DOUBLE_EQ(*file.rows[i].consumption_wh, 100.0 + static_cast<double>(i)) << i;
    EXPECT_FALSE(file.rows[i].feed_in_wh);
    EXPECT_FALSE(file.rows[i].grid_draw_wh);
  }
  EXPECT_NE(file.rows[0].source.find("netz-noe-v1"), std::string::npos);
}

TEST(PortalFile, OctoberDayHasOneHundredQuarterHoursInWindows1252) {
  const PortalFile file = parsed(std::string(kPoint) + "-netz-noe-v2-2026-10-25.csv");
  EXPECT_EQ(file.format, "netz-noe-v2");
  // The wall clock repeats 02:00-02:45: the second run is winter time, an hour later.
  expect_whole_day(file, local_midnight(2026, 10, 25), 100);
  EXPECT_DOUBLE_EQ(*file.rows[99].consumption_wh, 199.0);
}

TEST(PortalFile, MarchDayHasNinetyTwoQuarterHoursAndTheCommunitySplit) {
  const PortalFile file = parsed(std::string(kPoint) + "-netz-noe-community-2026-03-29.csv");
  EXPECT_EQ(file.format, "netz-noe-community");
  expect_whole_day(file, local_midnight(2026, 3, 29), 92);
  for (std::size_t i = 0; i < file.rows.size(); ++i) {
    const PortalQuarterHour& row = file.rows[i];
    const double community = static_cast<double>(i % 5) * 10;
    EXPECT_DOUBLE_EQ(*row.consumption_wh, 200.0 + static_cast<double>(i));
    EXPECT_DOUBLE_EQ(*row.community_wh, community);
    EXPECT_DOUBLE_EQ(*row.grid_draw_wh, 200.0 + static_cast<double>(i) - community);
    EXPECT_DOUBLE_EQ(*row.grid_draw_wh + *row.community_wh, *row.consumption_wh);
  }
}

TEST(PortalFile, NetzNoeWithoutQualityColumn) {
  const PortalFile file = parsed(std::string(kPoint) + "-netz-noe-v3-2025-06-02.csv");
  EXPECT_EQ(file.format, "netz-noe-v3");
  ASSERT_EQ(file.rows.size(), 8U);
  EXPECT_EQ(file.rows[0].start, local_midnight(2025, 6, 2));
}

TEST(PortalFile, NetzNoeFeedInFillsOnlyTheFeedIn) {
  const PortalFile file = parsed(std::string(kPoint) + "-netz-noe-feed-in-2023-11-10.csv");
  EXPECT_EQ(file.format, "netz-noe-feed-in");
  expect_whole_day(file, local_midnight(2023, 11, 10), 96);
  for (std::size_t i = 0; i < 96; ++i) {
    const double expected = i < 32 || i > 68 ? 0.0 : static_cast<double>(i - 32) * 7;
    EXPECT_DOUBLE_EQ(*file.rows[i].feed_in_wh, expected) << i;
    EXPECT_FALSE(file.rows[i].consumption_wh);
  }
}

TEST(PortalFile, WienerNetzeStampsTheStartAndNamesTheMeteringPointInTheHeader) {
  const PortalFile file = parsed("wiener-netze-2026-10-25.csv");
  EXPECT_EQ(file.format, "wiener-netze");
  EXPECT_EQ(file.metering_point, "AT0010000000000000001000004392265");
  expect_whole_day(file, local_midnight(2026, 10, 25), 100);
  EXPECT_DOUBLE_EQ(*file.rows[0].consumption_wh, 100.0);
}

Outcome parse_text(const std::string& text, PortalFile& file) {
  return parse_portal_file(text, std::string(kPoint) + "-bad.csv", "", file);
}

TEST(PortalFile, UnknownFormatListsTheKnownOnes) {
  PortalFile file;
  const Outcome done = parse_text("Zeit;Menge\n01.01.2026 00:15;1\n", file);
  ASSERT_FALSE(done);
  EXPECT_NE(done.error.find("-bad.csv: not a known portal export (first line \"Zeit;Menge\")"),
            std::string::npos)
      << done.error;
  for (const PortalFormatInfo& format : portal_formats()) {
    EXPECT_NE(done.error.find(format.name), std::string::npos) << format.name;
  }
}

TEST(PortalFile, MissingMeteringPointIsAnError) {
  PortalFile file;
  const Outcome done = parse_portal_file("Messzeitpunkt;Verbrauch (kWh)\n01.01.2026 00:15;0,1\n",
                                         "export.csv", "", file);
  ASSERT_FALSE(done);
  EXPECT_NE(done.error.find("export.csv: no metering point"), std::string::npos) << done.error;
  ASSERT_TRUE(parse_portal_file("Messzeitpunkt;Verbrauch (kWh)\n01.01.2026 00:15;0,1\n",
                                "export.csv", kPoint, file));
  EXPECT_EQ(file.metering_point, kPoint);
}

TEST(PortalFile, BadNumbersNameLineAndColumnAndNothingIsKept) {
  PortalFile file;
  const Outcome done = parse_text(
      "Messzeitpunkt;Verbrauch (kWh);Qualität\n01.01.2026 00:15;0,1;L1\n01.01.2026 00:30;"
      "zwei;L1\n01.01.2026 00:45;-0,3;L1\n01.01.2026 01:00;0,4;L1\n",
      file);
  ASSERT_FALSE(done);
  EXPECT_NE(done.error.find("2 bad line(s), nothing imported"), std::string::npos) << done.error;
  EXPECT_NE(done.error.find("line 3: 'zwei' in column Verbrauch (kWh) (consumption) is not a "
                            "number of kWh"),
            std::string::npos)
      << done.error;
  EXPECT_NE(done.error.find("line 4: '-0,3'"), std::string::npos) << done.error;
  EXPECT_TRUE(file.rows.empty());
  EXPECT_EQ(file.problems.size(), 2U);
}

TEST(PortalFile, BadTimeIsNamed) {
  PortalFile file;
  const Outcome done = parse_text("Messzeitpunkt;Verbrauch (kWh)\n31.02.2026 00:15;0,1\n", file);
  ASSERT_FALSE(done);
  EXPECT_NE(done.error.find("line 2: '31.02.2026 00:15' in column Messzeitpunkt is not a time"),
            std::string::npos)
      << done.error;
}

TEST(PortalFile, DuplicateQuarterHourNamesBothLines) {
  PortalFile file;
  const Outcome done = parse_text(
      "Messzeitpunkt;Verbrauch (kWh)\n01.01.2026 00:15;0,1\n01.01.2026 00:30;0,1\n"
      "01.01.2026 00:30;0,2\n",
      file);
  ASSERT_FALSE(done);
  EXPECT_NE(done.error.find("line 4: the quarter-hour from 01.01.2026 00:15 CET appears a second "
                            "time (first on line 3)"),
            std::string::npos)
      << done.error;
}

TEST(PortalFile, HoleIsNamedWithItsSpan) {
  PortalFile file;
  const Outcome done = parse_text(
      "Messzeitpunkt;Verbrauch (kWh)\n01.01.2026 00:15;0,1\n01.01.2026 01:15;0,1\n", file);
  ASSERT_FALSE(done);
  EXPECT_NE(done.error.find("line 3: 3 quarter-hour(s) missing from 01.01.2026 00:15 CET to "
                            "01.01.2026 01:00 CET (a hole in the file)"),
            std::string::npos)
      << done.error;
}

TEST(PortalFile, CommunitySplitMustAddUp) {
  PortalFile file;
  const Outcome done = parse_text(
      "Messzeitpunkt;Verbrauch (kWh);Qualität;Restnetzbezug (kWh);Eigendeckung (kWh)\n"
      "01.01.2026 00:15;0,300;L1;0,200;0,100\n01.01.2026 00:30;0,300;L1;0,250;0,100\n",
      file);
  ASSERT_FALSE(done);
  EXPECT_NE(done.error.find("line 3: remaining grid draw (0,250) and community coverage (0,100) "
                            "do not add up to the consumption (0,300)"),
            std::string::npos)
      << done.error;
}

TEST(PortalFile, EmptyCellsAreNoValueNotZero) {
  PortalFile file;
  ASSERT_TRUE(
      parse_text("Messzeitpunkt;Verbrauch (kWh);Qualität;\n01.01.2026 00:15;;;\n"
                 "01.01.2026 00:30;0,25;L1;\n",
                 file));
  ASSERT_EQ(file.rows.size(), 2U);
  EXPECT_FALSE(file.rows[0].consumption_wh);
  EXPECT_DOUBLE_EQ(*file.rows[1].consumption_wh, 250.0);
}

class PortalImport : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "meter-portal-XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    store_ = std::make_unique<storage::SqlitePortalStore>(dir_ / "smartmeter.db");
    ASSERT_TRUE(store_->open());
  }
  void TearDown() override {
    store_.reset();
    fs::remove_all(dir_);
  }
  Outcome import(const std::string& name, const std::string& meter, std::vector<std::string> known,
                 PortalImportResult& result) {
    const PortalFile file = parsed(name);
    return import_portal_rows(*store_, file.rows, file.metering_point, name, meter, known, result);
  }
  fs::path dir_;
  std::unique_ptr<storage::SqlitePortalStore> store_;
};

TEST_F(PortalImport, TheOnlyMeterIsTakenAndRememberedPerMeteringPoint) {
  PortalImportResult result;
  const std::string v1 = std::string(kPoint) + "-netz-noe-v1-2023-11-10.csv";
  ASSERT_TRUE(import(v1, "", {"53414764D2E62AE3"}, result));
  EXPECT_EQ(result.meter, "53414764D2E62AE3");
  EXPECT_EQ(result.rows, 96U);
  EXPECT_EQ(result.changed, 96U);
  // Later, with two meters known, the metering point says which.
  ASSERT_TRUE(import(v1, "", {"4B464D6750012345", "53414764D2E62AE3"}, result));
  EXPECT_EQ(result.meter, "53414764D2E62AE3");
  EXPECT_EQ(result.changed, 0U) << "the same file again changes nothing";
  std::vector<MeteringPointOfMeter> pairs;
  ASSERT_TRUE(store_->metering_points(pairs));
  EXPECT_EQ(pairs, (std::vector<MeteringPointOfMeter>{{"53414764D2E62AE3", kPoint}}));
}

TEST_F(PortalImport, SeveralMetersNeedMeter) {
  PortalImportResult result;
  const Outcome done = import(std::string(kPoint) + "-netz-noe-v1-2023-11-10.csv", "",
                              {"4B464D6750012345", "53414764D2E62AE3"}, result);
  ASSERT_FALSE(done);
  EXPECT_NE(done.error.find("the service knows 2 meters (4B464D6750012345, 53414764D2E62AE3); "
                            "say which one the file belongs to with --meter ID"),
            std::string::npos)
      << done.error;
  std::vector<PortalQuarterHour> rows;
  ASSERT_TRUE(store_->rows({}, rows));
  EXPECT_TRUE(rows.empty());
}

TEST_F(PortalImport, AnotherMeteringPointForTheSameMeterIsRefused) {
  PortalImportResult result;
  ASSERT_TRUE(import(std::string(kPoint) + "-netz-noe-v1-2023-11-10.csv", "M1", {}, result));
  const Outcome done = import("wiener-netze-2026-10-25.csv", "M1", {}, result);
  ASSERT_FALSE(done);
  EXPECT_NE(done.error.find("wiener-netze-2026-10-25.csv is for metering point "
                            "AT0010000000000000001000004392265, but meter M1 was imported from "
                            "metering point " +
                            std::string(kPoint) + " before: refused, nothing imported"),
            std::string::npos)
      << done.error;
  std::vector<PortalQuarterHour> rows;
  ASSERT_TRUE(store_->rows({}, rows));
  EXPECT_EQ(rows.size(), 96U) << "nothing of the refused file was stored";
  // And the metering point cannot move to another meter either.
  const Outcome moved =
      import(std::string(kPoint) + "-netz-noe-v1-2023-11-10.csv", "M2", {}, result);
  ASSERT_FALSE(moved);
  EXPECT_NE(moved.error.find("belongs to meter M1"), std::string::npos) << moved.error;
}

TEST_F(PortalImport, ConsumptionAndFeedInFilesFillTheSameRows) {
  PortalImportResult result;
  ASSERT_TRUE(import(std::string(kPoint) + "-netz-noe-v1-2023-11-10.csv", "M1", {}, result));
  ASSERT_TRUE(import(std::string(kPoint) + "-netz-noe-feed-in-2023-11-10.csv", "M1", {}, result));
  EXPECT_EQ(result.changed, 96U);
  std::vector<PortalQuarterHour> rows;
  ASSERT_TRUE(store_->rows({"M1"}, rows));
  ASSERT_EQ(rows.size(), 96U);
  EXPECT_DOUBLE_EQ(*rows[40].consumption_wh, 140.0);
  EXPECT_DOUBLE_EQ(*rows[40].feed_in_wh, 56.0);
  EXPECT_EQ(rows[40].metering_point, kPoint);
  // A range query sees only its quarter-hours.
  ASSERT_TRUE(store_->rows({"M1", rows[10].start, rows[20].start}, rows));
  EXPECT_EQ(rows.size(), 10U);
}

}  // namespace
}  // namespace meter::app
