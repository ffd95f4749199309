// SPDX-License-Identifier: MIT
#include "status_json.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

namespace meter::firmware {
namespace {

DeviceStatus sample_status() {
  DeviceStatus status;
  status.version = "1.0.0";
  status.serial_format = "8E1";
  status.uptime_s = 86400;
  status.rssi_dbm = -61;
  status.free_heap = 31544;
  status.telegrams_sent = 17280;
  status.publish_failures = 2;
  status.dropped_offline = 3;
  status.checksum_errors = 4;
  status.sequence_errors = 5;
  status.framing_errors = 6;
  status.resyncs = 7;
  status.skipped_bytes = 150;
  status.wifi_reconnects = 8;
  status.mqtt_reconnects = 9;
  return status;
}

TEST(StatusJson, WritesEveryCounterUnderItsDocumentedName) {
  char out[512];
  const std::size_t length = write_status_json(sample_status(), out, sizeof out);
  ASSERT_GT(length, 0u);
  EXPECT_EQ(std::string(out, length),
            "{\"online\":true,\"version\":\"1.0.0\",\"serial\":\"8E1\",\"uptime_s\":86400,"
            "\"rssi_dbm\":-61,\"free_heap\":31544,\"telegrams_sent\":17280,"
            "\"publish_failures\":2,\"dropped_offline\":3,\"checksum_errors\":4,"
            "\"sequence_errors\":5,\"framing_errors\":6,\"resyncs\":7,\"skipped_bytes\":150,"
            "\"wifi_reconnects\":8,\"mqtt_reconnects\":9}");
  EXPECT_EQ(out[length], '\0');
}

TEST(StatusJson, ExtremeValuesStayValidJson) {
  DeviceStatus status = sample_status();
  status.version = "v\"1\\2\n";
  status.uptime_s = UINT64_MAX;
  status.rssi_dbm = INT32_MIN;
  status.telegrams_sent = UINT32_MAX;
  char out[512];
  const std::size_t length = write_status_json(status, out, sizeof out);
  ASSERT_GT(length, 0u);
  const nlohmann::json json = nlohmann::json::parse(std::string(out, length));
  EXPECT_EQ(json["version"], "v\"1\\2\n");
  EXPECT_EQ(json["uptime_s"].get<std::uint64_t>(), UINT64_MAX);
  EXPECT_EQ(json["rssi_dbm"].get<std::int64_t>(), INT32_MIN);
  EXPECT_EQ(json["telegrams_sent"].get<std::uint64_t>(), UINT32_MAX);
}

TEST(StatusJson, TooSmallBufferGivesNothingRatherThanHalfADocument) {
  char out[512];
  const std::size_t full = write_status_json(sample_status(), out, sizeof out);
  ASSERT_GT(full, 0u);
  EXPECT_EQ(write_status_json(sample_status(), out, full), 0u);  // no room for the NUL
  EXPECT_EQ(write_status_json(sample_status(), out, full + 1), full);
}

TEST(StatusJson, OfflineWillIsJsonWithOnlineFalse) {
  const nlohmann::json will = nlohmann::json::parse(kOfflineStatus);
  EXPECT_EQ(will["online"], false);
}

TEST(UptimeClock, KeepsCountingAcrossTheMillisWrap) {
  UptimeClock clock;
  std::uint32_t now = 0;
  // 60 days in steps of 10 minutes: millis() wraps after 49.7 days.
  for (int step = 0; step < 60 * 24 * 6; ++step) {
    now += 600'000;
    clock.update(now);
  }
  EXPECT_EQ(clock.seconds(), 60ull * 24 * 3600);
}

}  // namespace
}  // namespace meter::firmware
