// SPDX-License-Identifier: MIT
// The PortalStore behaviour, run against SQLite and MariaDB: rows read back as stored, the same
// import again changes nothing, a feed-in file fills the consumption file's rows, the (meter,
// metering point) pairs, range queries.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "meter/app/portal.h"

namespace meter::portal_testing {

inline constexpr const char* kPoint = "AT0020000000000000000000100012345";

inline std::vector<app::PortalQuarterHour> quarter_hours(const std::string& meter,
                                                         std::int64_t from, int count,
                                                         bool consumption) {
  std::vector<app::PortalQuarterHour> out;
  for (int i = 0; i < count; ++i) {
    app::PortalQuarterHour row;
    row.meter = meter;
    row.metering_point = kPoint;
    row.start = from + i * 900;
    if (consumption) {
      row.consumption_wh = 100.5 + i;
      row.grid_draw_wh = 80.25 + i;
      row.community_wh = 20.25;
    } else {
      row.feed_in_wh = i % 3 == 0 ? 0.0 : 12.0 * i;
    }
    row.source = consumption ? "consumption.csv (netz-noe-community)" : "feed-in.csv";
    out.push_back(row);
  }
  return out;
}

inline void run_portal_round_trip(app::PortalStore& store) {
  ASSERT_TRUE(store.open());
  const std::int64_t from = 1'767'222'000;  // 2026-01-01 00:00 local
  const auto consumption = quarter_hours("53414764D2E62AE3", from, 200, true);
  std::size_t changed = 0;
  ASSERT_TRUE(store.store(consumption, changed));
  EXPECT_EQ(changed, 200U);
  std::vector<app::PortalQuarterHour> read;
  ASSERT_TRUE(store.rows({}, read));
  EXPECT_EQ(read, consumption);

  ASSERT_TRUE(store.store(consumption, changed));
  EXPECT_EQ(changed, 0U) << "the same rows again change nothing";

  const auto feed_in = quarter_hours("53414764D2E62AE3", from + 100 * 900, 150, false);
  ASSERT_TRUE(store.store(feed_in, changed));
  EXPECT_EQ(changed, 150U);
  ASSERT_TRUE(store.rows({"53414764D2E62AE3"}, read));
  ASSERT_EQ(read.size(), 250U);
  EXPECT_DOUBLE_EQ(*read[120].consumption_wh, 220.5) << "kept from the consumption file";
  EXPECT_DOUBLE_EQ(*read[120].feed_in_wh, 240.0) << "added from the feed-in file";
  EXPECT_EQ(read[120].source, "feed-in.csv");
  EXPECT_FALSE(read[249].consumption_wh);

  ASSERT_TRUE(store.rows({"53414764D2E62AE3", from + 10 * 900, from + 20 * 900}, read));
  ASSERT_EQ(read.size(), 10U);
  EXPECT_EQ(read.front().start, from + 10 * 900);
  ASSERT_TRUE(store.rows({"4B464D6750012345"}, read));
  EXPECT_TRUE(read.empty());

  ASSERT_TRUE(store.store(quarter_hours("4B464D6750012345", from, 4, true), changed));
  std::vector<app::MeteringPointOfMeter> pairs;
  ASSERT_TRUE(store.metering_points(pairs));
  EXPECT_EQ(pairs, (std::vector<app::MeteringPointOfMeter>{{"4B464D6750012345", kPoint},
                                                           {"53414764D2E62AE3", kPoint}}));
  store.close();
  // Reopened: still there.
  ASSERT_TRUE(store.rows({}, read));
  EXPECT_EQ(read.size(), 254U);
}

}  // namespace meter::portal_testing
