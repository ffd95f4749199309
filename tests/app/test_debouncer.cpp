// SPDX-License-Identifier: MIT
#include <gtest/gtest.h>

#include "meter/app/debouncer.h"

namespace meter::app {
namespace {

using core::Quantity;

Reading reading(const std::string& meter, std::int64_t timestamp, double energy, double power) {
  Reading r;
  r.meter = meter;
  r.timestamp = timestamp;
  r.values[static_cast<std::size_t>(Quantity::kEnergyImport)] = energy;
  r.values[static_cast<std::size_t>(Quantity::kPowerImport)] = power;
  r.values[static_cast<std::size_t>(Quantity::kVoltageL1)] = 230.0;
  return r;
}

TEST(Debouncer, ClosesABucketWhenTheMeterMovesOnAndAggregates) {
  Debouncer debouncer(300);
  std::vector<DebouncedRow> closed;
  debouncer.add(reading("A", 1200, 1000, 100), closed);  // bucket 1200
  debouncer.add(reading("A", 1205, 1001, 300), closed);
  debouncer.add(reading("A", 1495, 1005, 200), closed);
  EXPECT_TRUE(closed.empty());
  debouncer.add(reading("A", 1500, 1006, 50), closed);  // next bucket closes 1200
  ASSERT_EQ(closed.size(), 1u);
  const DebouncedRow& row = closed[0];
  EXPECT_EQ(row.meter, "A");
  EXPECT_EQ(row.bucket_start, 1200);
  EXPECT_EQ(row.samples, 3);
  EXPECT_EQ(row.values[static_cast<std::size_t>(Quantity::kEnergyImport)], 1005.0);  // last
  EXPECT_EQ(row.values[static_cast<std::size_t>(Quantity::kPowerImport)], 200.0);    // mean
  EXPECT_EQ(row.power_in_min, 100.0);
  EXPECT_EQ(row.power_in_max, 300.0);
  EXPECT_FALSE(row.values[static_cast<std::size_t>(Quantity::kVoltageL2)].has_value());
}

TEST(Debouncer, MetersAreIndependentAndGapsCloseOnlyTheOpenBucket) {
  Debouncer debouncer(300);
  std::vector<DebouncedRow> closed;
  debouncer.add(reading("A", 0, 1, 1), closed);
  debouncer.add(reading("B", 10, 1, 1), closed);
  debouncer.add(reading("A", 3000, 2, 2), closed);  // ten buckets later: one row for bucket 0
  ASSERT_EQ(closed.size(), 1u);
  EXPECT_EQ(closed[0].meter, "A");
  EXPECT_EQ(debouncer.open_buckets(), 2u);
}

TEST(Debouncer, LateReadingsDoNotReopenAClosedBucket) {
  Debouncer debouncer(300);
  std::vector<DebouncedRow> closed;
  debouncer.add(reading("A", 600, 1, 1), closed);
  debouncer.add(reading("A", 900, 2, 1), closed);
  debouncer.add(reading("A", 650, 3, 1), closed);
  debouncer.add(reading("A", 1200, 4, 1), closed);
  ASSERT_EQ(closed.size(), 2u);
  EXPECT_EQ(closed[1].bucket_start, 900);
  EXPECT_EQ(closed[1].samples, 1);
}

TEST(Debouncer, AReadingDeliveredTwiceCountsOnce) {
  Debouncer debouncer(300);
  std::vector<DebouncedRow> closed;
  Reading first = reading("A", 1200, 1000, 100);
  first.frame_counter = 7;
  Reading second = reading("A", 1205, 1001, 300);
  second.frame_counter = 8;
  debouncer.add(first, closed);
  debouncer.add(second, closed);
  debouncer.add(first, closed);  // redelivered: same meter, frame counter and meter time
  debouncer.add(second, closed);
  Reading next = reading("A", 1500, 1006, 50);
  next.frame_counter = 9;
  debouncer.add(next, closed);
  ASSERT_EQ(closed.size(), 1u);
  EXPECT_EQ(closed[0].samples, 2);
  EXPECT_EQ(closed[0].values[static_cast<std::size_t>(Quantity::kPowerImport)], 200.0);
}

TEST(Debouncer, BucketsAlignToTheInterval) {
  Debouncer debouncer(900);
  EXPECT_EQ(debouncer.bucket_of(1632728835), 1632728700);
  EXPECT_EQ(debouncer.bucket_of(-1), -900);
}

}  // namespace
}  // namespace meter::app
