// SPDX-License-Identifier: MIT
#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "meter/app/debouncer.h"

namespace meter::app {
namespace {

using core::Quantity;

Reading reading(const std::string& meter, std::int64_t timestamp, double energy, double power,
                std::uint32_t frame_counter = 0) {
  Reading r;
  r.meter = meter;
  r.timestamp = timestamp;
  r.frame_counter = frame_counter == 0 ? static_cast<std::uint32_t>(timestamp) : frame_counter;
  r.meter_time = "2021-09-27T09:47:15+02:00";
  r.values[static_cast<std::size_t>(Quantity::kEnergyImport)] = energy;
  r.values[static_cast<std::size_t>(Quantity::kPowerImport)] = power;
  r.values[static_cast<std::size_t>(Quantity::kVoltageL1)] = 230.0;
  return r;
}

double at(const DebouncedRow& row, Quantity q) { return *row.values[static_cast<std::size_t>(q)]; }

TEST(Debouncer, ABucketsRowHasTheLastCountersTheMeansAndMinMax) {
  const std::vector<Reading> readings{reading("A", 1200, 1000, 100), reading("A", 1495, 1005, 200),
                                      reading("A", 1205, 1001, 300)};
  const DebouncedRow row = debounce_bucket("A", 1200, readings);
  EXPECT_EQ(row.meter, "A");
  EXPECT_EQ(row.bucket_start, 1200);
  EXPECT_EQ(row.samples, 3);
  EXPECT_EQ(at(row, Quantity::kEnergyImport), 1005.0);  // the newest by meter time
  EXPECT_EQ(at(row, Quantity::kPowerImport), 200.0);    // mean
  EXPECT_EQ(row.power_in_min, 100.0);
  EXPECT_EQ(row.power_in_max, 300.0);
  EXPECT_FALSE(row.power_out_min.has_value());
  EXPECT_FALSE(row.values[static_cast<std::size_t>(Quantity::kVoltageL2)].has_value());
}

TEST(Debouncer, TheRowDoesNotDependOnTheOrderTheReadingsCameIn) {
  // Several instances, a replay or a backlog see the readings in other orders: the same row,
  // bit for bit (the mean is summed oldest first).
  std::vector<Reading> readings;
  for (int i = 0; i < 30; ++i) {
    readings.push_back(reading("A", 3000 + i * 9, 1000 + i, 0.1 * i + 1.0 / (i + 3)));
  }
  const DebouncedRow expected = debounce_bucket("A", 3000, readings);
  std::mt19937 random(42);
  for (int round = 0; round < 20; ++round) {
    std::shuffle(readings.begin(), readings.end(), random);
    const DebouncedRow row = debounce_bucket("A", 3000, readings);
    EXPECT_EQ(row.values, expected.values);
    EXPECT_EQ(row.power_in_max, expected.power_in_max);
  }
}

TEST(Debouncer, AReadingSeenTwiceCountsOnce) {
  const Reading first = reading("A", 1200, 1000, 100, 7);
  const Reading second = reading("A", 1205, 1001, 300, 8);
  const DebouncedRow row = debounce_bucket("A", 1200, std::vector{first, second, first, second});
  EXPECT_EQ(row.samples, 2);
  EXPECT_EQ(at(row, Quantity::kPowerImport), 200.0);
}

TEST(Debouncer, ReadingsGroupIntoOneRowPerMeterAndBucket) {
  const std::vector<Reading> readings{reading("B", 10, 1, 1), reading("A", 0, 1, 1),
                                      reading("A", 299, 2, 3), reading("A", 3000, 2, 2)};
  const auto rows = debounce_readings(readings, 300);
  ASSERT_EQ(rows.size(), 3U);
  EXPECT_EQ(rows[0].meter, "A");
  EXPECT_EQ(rows[0].bucket_start, 0);
  EXPECT_EQ(rows[0].samples, 2);
  EXPECT_EQ(rows[1].bucket_start, 3000);
  EXPECT_EQ(rows[2].meter, "B");
}

TEST(Debouncer, TouchedBucketsArePerMeterAndSkipReadingsWithoutMeterTime) {
  Reading no_time = reading("A", 5000, 1, 1);
  no_time.meter_time.clear();
  const std::vector<Reading> readings{reading("A", 900, 1, 1), reading("A", 650, 1, 1),
                                      reading("A", 910, 1, 1), no_time,
                                      reading("", 10, 1, 1),   reading("B", 10, 1, 1)};
  const auto touched = touched_buckets(readings, 300);
  ASSERT_EQ(touched.size(), 2U);
  EXPECT_EQ(touched[0].meter, "A");
  EXPECT_EQ(touched[0].bucket_starts, (std::vector<std::int64_t>{600, 900}));
  EXPECT_EQ(touched[1].bucket_starts, (std::vector<std::int64_t>{0}));
}

TEST(Debouncer, ABucketIsRefreshedOnceALaterReadingExists) {
  const MeterBuckets touched{"A", {900, 1200}};
  // The previous bucket with readings (600) may just have become complete; 1200 is still open.
  EXPECT_EQ(buckets_to_refresh(touched, 610, 1250, 300), (std::vector<std::int64_t>{600, 900}));
  EXPECT_EQ(buckets_to_refresh(touched, std::nullopt, 1500, 300),
            (std::vector<std::int64_t>{900, 1200}));
  EXPECT_TRUE(buckets_to_refresh(touched, std::nullopt, std::nullopt, 300).empty());
  EXPECT_TRUE(buckets_to_refresh({"A", {900}}, std::nullopt, 1199, 300).empty());
}

TEST(Debouncer, BucketsAlignToTheInterval) {
  EXPECT_EQ(bucket_of(1632728835, 900), 1632728700);
  EXPECT_EQ(bucket_of(-1, 900), -900);
}

}  // namespace
}  // namespace meter::app
