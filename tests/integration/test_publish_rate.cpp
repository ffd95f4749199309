// SPDX-License-Identifier: MIT
// Publish-rate control of the values topic against a real mosquitto: with
// SMARTMETER_VALUES_PUBLISH_INTERVAL=N the service sends one message per meter per N-second
// window (the means of power, voltage and current, or the last telegram), the window of a meter
// that falls silent goes out at its end, the open one at shutdown, and Home Assistant's
// discovery configs carry expire_after.
#include <nlohmann/json.hpp>

#include <chrono>
#include <cmath>
#include <thread>

#include "it_fixture.h"

namespace meter::it {
namespace {

using json = nlohmann::json;
using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr std::array<const char*, 11> kKeys = {"WIn", "WOut", "PIn", "POut", "U1", "U2",
                                               "U3",  "I1",   "I2",  "I3",   "PF"};
constexpr std::array<double, 11> kScale = {1, 1, 1, 1, 0.1, 0.1, 0.1, 0.01, 0.01, 0.01, 0.001};

std::int64_t epoch_ms() {
  return std::chrono::duration_cast<milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Sleeps until the wall clock is in the first `within` of a window of `interval` (windows are
// aligned to the clock), so that a burst of telegrams published now lands in one window.
void wait_for_window_start(milliseconds interval, milliseconds within) {
  for (;;) {
    const std::int64_t into = epoch_ms() % interval.count();
    if (into >= 100 && into < within.count()) return;
    std::this_thread::sleep_for(milliseconds(interval.count() - into + 150));
  }
}

class PublishRate : public ServiceTest {
 protected:
  void SetUp() override {
    ServiceTest::SetUp();
    meter_.first_time = static_cast<std::int64_t>(std::time(nullptr)) - 600;
  }

  // The values messages so far, parsed.
  std::vector<json> values() {
    std::vector<json> out;
    for (const std::string& message : mqtt().messages(values_topic_)) {
      out.push_back(json::parse(message));
    }
    return out;
  }

  // `message` holds the means of the instantaneous registers of telegrams first..last (in the
  // meter's resolution) and the counters and meter time of the last one.
  void expect_mean_of(const json& message, std::size_t first, std::size_t last) {
    std::array<double, 11> sum{};
    for (std::size_t i = first; i <= last; ++i) {
      const auto raw = raw_values(i);
      for (std::size_t q = 0; q < raw.size(); ++q) sum[q] += static_cast<double>(raw[q]);
    }
    const auto raw_last = raw_values(last);
    const double n = static_cast<double>(last - first + 1);
    for (std::size_t q = 0; q < kKeys.size(); ++q) {
      const bool counter = q < 2;  // WIn, WOut
      const double expected = counter ? static_cast<double>(raw_last[q]) * kScale[q]
                                      : static_cast<double>(std::llround(sum[q] / n)) * kScale[q];
      EXPECT_NEAR(message.at(kKeys[q]).at("value").get<double>(), expected, 1e-9)
          << kKeys[q] << " of telegrams " << first << ".." << last;
    }
    EXPECT_EQ(message.at("timestamp").at("value"), meter_.telegram(last).timestamp);
    EXPECT_EQ(message.at("frameCounter"), meter_.telegram(last).frame_counter);
  }

  TestMeter meter_;
};

TEST_F(PublishRate, MeanModeSendsOneMessagePerWindowWithTheMeansAndTheLastCounters) {
  USE_BACKEND(Backend::kSqlite);
  env_["SMARTMETER_VALUES_PUBLISH_INTERVAL"] = "10";
  env_["SMARTMETER_VALUES_PUBLISH_MODE"] = "mean";
  ASSERT_TRUE(start_service());
  mqtt().clear(values_topic_);

  // Six telegrams early in one window, then silence: one message, at the window's end.
  wait_for_window_start(seconds(10), seconds(3));
  publish(meter_.telegrams(0, 6));
  ASSERT_TRUE(wait_rows(6, seconds(30)));
  ASSERT_TRUE(mqtt().wait_count(values_topic_, 1, seconds(20))) << service().log();
  std::vector<json> got = values();
  ASSERT_EQ(got.size(), 1U);
  expect_mean_of(got[0], 0, 5);

  // Three more in the next window, and the service is stopped before that window ends: its
  // message is sent before the service disconnects.
  wait_for_window_start(seconds(10), seconds(3));
  publish(meter_.telegrams(6, 3));
  ASSERT_TRUE(wait_rows(9, seconds(5)));
  EXPECT_EQ(stop_service(), 0);
  ASSERT_TRUE(mqtt().wait_count(values_topic_, 2, seconds(10))) << service().log();
  got = values();
  ASSERT_EQ(got.size(), 2U);
  expect_mean_of(got[1], 6, 8);
}

TEST_F(PublishRate, LastModeSendsTheWindowsLastTelegramAndDiscoveryCarriesExpireAfter) {
  USE_BACKEND(Backend::kSqlite);
  const std::string prefix = "ha-" + client_id_;
  env_["SMARTMETER_HA_PREFIX"] = prefix;
  env_["SMARTMETER_VALUES_PUBLISH_INTERVAL"] = "30";
  ASSERT_TRUE(mqtt().subscribe(prefix + "/#"));
  ASSERT_TRUE(start_service());
  mqtt().clear(values_topic_);

  wait_for_window_start(seconds(30), seconds(15));
  publish(meter_.telegrams(0, 5));
  ASSERT_TRUE(wait_rows(5, seconds(10)));
  const std::string power_in =
      prefix + "/sensor/smartmeter_" + "4b464d6750012345" + "/power_in/config";
  ASSERT_TRUE(mqtt().wait_count(power_in, 1, seconds(10))) << service().log();
  EXPECT_EQ(mqtt().count(values_topic_), 0U) << "nothing before the window closes";
  EXPECT_EQ(stop_service(), 0);
  ASSERT_TRUE(mqtt().wait_count(values_topic_, 1, seconds(10))) << service().log();
  const std::vector<json> got = values();
  ASSERT_EQ(got.size(), 1U);
  const auto raw = raw_values(4);
  for (std::size_t q = 0; q < kKeys.size(); ++q) {
    EXPECT_NEAR(got[0].at(kKeys[q]).at("value").get<double>(),
                static_cast<double>(raw[q]) * kScale[q], 1e-9)
        << kKeys[q];
  }
  EXPECT_EQ(got[0].at("frameCounter"), meter_.telegram(4).frame_counter);

  // Three 30-s periods without a message: Home Assistant shows the sensors as unavailable.
  const json config = json::parse(mqtt().messages(power_in).front());
  EXPECT_EQ(config.at("expire_after"), 90);
  const std::string energy_in = prefix + "/sensor/smartmeter_4b464d6750012345/energy_in/config";
  ASSERT_EQ(mqtt().count(energy_in), 1U);
  EXPECT_EQ(json::parse(mqtt().messages(energy_in).front()).at("expire_after"), 90);
}

TEST_F(PublishRate, WithoutAnIntervalEveryTelegramIsPublished) {
  USE_BACKEND(Backend::kSqlite);
  ASSERT_TRUE(start_service());
  publish(meter_.telegrams(0, 7));
  ASSERT_TRUE(mqtt().wait_count(values_topic_, 7, seconds(20))) << service().log();
  const std::vector<json> got = values();
  for (std::size_t i = 0; i < got.size(); ++i) {
    EXPECT_EQ(got[i].at("frameCounter"), meter_.telegram(i).frame_counter);
  }
}

}  // namespace
}  // namespace meter::it
