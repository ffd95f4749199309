// SPDX-License-Identifier: MIT
// The dashboard's history reads (HistoryQuery) against the tables the service's own ReadingStore
// writes: SQLite on a temporary file, and a real MariaDB on 127.0.0.1 (skipped without mariadbd).
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <memory>

#include "it_servers.h"
#include "meter/app/history_query.h"
#include "meter/storage/mysql_history_query.h"
#include "meter/storage/mysql_reading_store.h"
#include "meter/storage/sqlite_history_query.h"
#include "meter/storage/sqlite_reading_store.h"

namespace meter::it {
namespace {

enum class Engine { kSqlite, kMariaDb };

constexpr std::int64_t kT0 = 1'795'000'200;  // a multiple of 300
constexpr const char* kMeterA = "4B464D6750000001";
constexpr const char* kMeterB = "4B464D6750000002";

std::atomic<int> g_counter{0};

app::Reading reading(const char* meter, std::uint32_t counter, std::int64_t timestamp,
                     double power_in, double power_out, double energy_in) {
  app::Reading r;
  r.meter = meter;
  r.frame_counter = counter;
  r.timestamp = timestamp;
  r.meter_number = std::string("N") + meter;
  r.received_at_ms = timestamp * 1000;
  r.values[static_cast<std::size_t>(core::Quantity::kPowerImport)] = power_in;
  r.values[static_cast<std::size_t>(core::Quantity::kPowerExport)] = power_out;
  r.values[static_cast<std::size_t>(core::Quantity::kEnergyImport)] = energy_in;
  r.values[static_cast<std::size_t>(core::Quantity::kEnergyExport)] = 10.0;
  return r;
}

class HistoryQueryTest : public ::testing::TestWithParam<Engine> {
 protected:
  void SetUp() override {
    const std::string id = std::to_string(::getpid()) + "_" + std::to_string(++g_counter);
    if (GetParam() == Engine::kSqlite) {
      file_ = Servers::get().dir() / ("history-" + id + ".db");
      store_ = std::make_unique<storage::SqliteReadingStore>(file_);
      query_ = std::make_unique<storage::SqliteHistoryQuery>(file_);
      return;
    }
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
    settings.schema = "hq_" + id;
    store_ = std::make_unique<storage::MysqlReadingStore>(settings);
    query_ = std::make_unique<storage::MysqlHistoryQuery>(settings);
  }

  void write(const std::vector<app::Reading>& readings) {
    ASSERT_TRUE(store_->open());
    const auto written = store_->write({readings, {}, {}});
    ASSERT_TRUE(written) << written.error;
  }

  std::filesystem::path file_;
  std::unique_ptr<app::ReadingStore> store_;
  std::unique_ptr<app::HistoryQuery> query_;
};

// One test per engine for everything read from stored rows, and one before anything is stored:
// each MariaDB test process starts its own server (seconds each).
TEST_P(HistoryQueryTest, NothingStoredYetReadsAsEmpty) {
  std::vector<app::MeterSummary> meters{{"x", "", 0, 0}};
  auto listed = query_->meters(meters);
  EXPECT_TRUE(listed) << listed.error;
  EXPECT_TRUE(meters.empty());
  std::vector<app::PowerPoint> points{{}};
  auto power = query_->power(kMeterA, 0, kT0, 300, points);
  EXPECT_TRUE(power) << power.error;
  EXPECT_TRUE(points.empty());
  EXPECT_FALSE(query_->power(kMeterA, 0, 10, 0, points));  // a step must be positive
}

TEST_P(HistoryQueryTest, ReadsWhatTheStoreWrote) {
  write({reading(kMeterA, 1, kT0 - 5, 100, 0, 990), reading(kMeterA, 2, kT0, 100, 0, 1000),
         reading(kMeterA, 3, kT0 + 100, 300, 20, 1010),
         reading(kMeterA, 4, kT0 + 299, 200, 10, 1020),  // still the first 300-s bucket
         reading(kMeterA, 5, kT0 + 900, 1000, 0, 1100),  // a bucket later, after a gap
         reading(kMeterA, 6, kT0 + 1200, 1, 0, 1200),    // at `to`: left out
         reading(kMeterB, 9, kT0 + 1500, 9999, 0, 1)});  // another meter, newer

  SCOPED_TRACE("meters, newest first, with their numbers");
  std::vector<app::MeterSummary> meters;
  ASSERT_TRUE(query_->meters(meters));
  ASSERT_EQ(meters.size(), 2u);
  EXPECT_EQ(meters[0].meter, kMeterB);
  EXPECT_EQ(meters[0].meter_number, std::string("N") + kMeterB);
  EXPECT_EQ(meters[0].first_timestamp, kT0 + 1500);
  EXPECT_EQ(meters[1].meter, kMeterA);
  EXPECT_EQ(meters[1].first_timestamp, kT0 - 5);
  EXPECT_EQ(meters[1].last_timestamp, kT0 + 1200);

  SCOPED_TRACE("power in aligned buckets of one meter and range");
  std::vector<app::PowerPoint> points;
  const auto power = query_->power(kMeterA, kT0, kT0 + 1200, 300, points);
  ASSERT_TRUE(power) << power.error;
  ASSERT_EQ(points.size(), 2u);
  EXPECT_EQ(points[0].start, kT0);
  EXPECT_EQ(points[0].samples, 3);
  EXPECT_DOUBLE_EQ(*points[0].power_in_mean, 200.0);
  EXPECT_DOUBLE_EQ(*points[0].power_in_max, 300.0);
  EXPECT_DOUBLE_EQ(*points[0].power_out_mean, 10.0);
  EXPECT_DOUBLE_EQ(*points[0].power_out_max, 20.0);
  EXPECT_EQ(points[1].start, kT0 + 900);
  EXPECT_EQ(points[1].samples, 1);
  EXPECT_DOUBLE_EQ(*points[1].power_in_mean, 1000.0);

  SCOPED_TRACE("energy counter ranges per bucket, aligned to the step, not to `from`");
  std::vector<app::CounterBucket> buckets;
  const auto counters = query_->counters(kMeterA, kT0, kT0 + 1200, 900, buckets);
  ASSERT_TRUE(counters) << counters.error;
  ASSERT_EQ(buckets.size(), 2u);
  EXPECT_EQ(buckets[0].start, kT0 / 900 * 900);
  EXPECT_EQ(buckets[1].start, kT0 / 900 * 900 + 900);
  EXPECT_EQ(buckets[0].samples + buckets[1].samples, 4);  // not the one before `from`
  EXPECT_DOUBLE_EQ(*buckets[0].energy_in_min, 1000.0);
  EXPECT_DOUBLE_EQ(*buckets[1].energy_in_max, 1100.0);
  EXPECT_DOUBLE_EQ(*buckets[1].energy_out_max, 10.0);
}

std::string engine_name(const ::testing::TestParamInfo<Engine>& engine) {
  return engine.param == Engine::kSqlite ? "Sqlite" : "MariaDb";
}

INSTANTIATE_TEST_SUITE_P(Engines, HistoryQueryTest,
                         ::testing::Values(Engine::kSqlite, Engine::kMariaDb), engine_name);

}  // namespace
}  // namespace meter::it
