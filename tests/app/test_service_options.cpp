// SPDX-License-Identifier: MIT
// What the settings mean for the live state and Home Assistant discovery of `smartmeter run`.
#include "meter/app/service_options.h"

#include <gtest/gtest.h>

namespace meter::app {
namespace {

constexpr const char* kKey = "36C66639E48A8CA4D6BC8B282A793BBB";
constexpr const char* kTitle = "4B464D6750012345";

Config load(const EnvMap& env) { return load_config({env}, "testhost"); }

TEST(ServiceOptions, OneKeyExpectsOneMeter) {
  const LiveStateOptions live =
      live_state_options(load({{"SMARTMETER_KEY", kKey}, {"SMARTMETER_NO_SIGNAL_SECONDS", "12"}}));
  EXPECT_TRUE(live.single_expected_meter);
  EXPECT_TRUE(live.configured.empty());
  EXPECT_EQ(live.no_signal_after_ms, 12'000);
}

TEST(ServiceOptions, MetersNamedWithTheirKeysAreKnownFromTheStart) {
  const LiveStateOptions live =
      live_state_options(load({{"SMARTMETER_KEYS", std::string(kTitle) + "=" + kKey},
                               {"SMARTMETER_MAX_METERS", "7"},
                               {"SMARTMETER_EVICT_SILENT_SECONDS", "60"}}));
  EXPECT_FALSE(live.single_expected_meter);
  ASSERT_EQ(live.configured.size(), 1u);
  EXPECT_EQ(live.max_meters, 7u);
  EXPECT_EQ(live.evict_after_ms, 60'000);
}

TEST(ServiceOptions, DiscoveryUsesTheConfiguredPrefixAndTopics) {
  const HaDiscoveryOptions ha =
      ha_discovery_options(load({{"SMARTMETER_KEY", kKey},
                                 {"SMARTMETER_HA_PREFIX", "ha"},
                                 {"SMARTMETER_VALUES_MQTT_TOPIC", "home/meter/values"}}));
  EXPECT_EQ(ha.prefix, "ha");
  EXPECT_EQ(ha.values_topic, "home/meter/values");
}

TEST(ServiceOptions, ValueSensorsExpireAfterThreeMissedMessagesAndAtLeastAMinute) {
  EXPECT_EQ(ha_discovery_options(load({{"SMARTMETER_KEY", kKey}})).expire_after_s, 60);
  EXPECT_EQ(ha_discovery_options(
                load({{"SMARTMETER_KEY", kKey}, {"SMARTMETER_VALUES_PUBLISH_INTERVAL", "10"}}))
                .expire_after_s,
            60);
  EXPECT_EQ(ha_discovery_options(
                load({{"SMARTMETER_KEY", kKey}, {"SMARTMETER_VALUES_PUBLISH_INTERVAL", "300"}}))
                .expire_after_s,
            900);
  EXPECT_EQ(ha_expire_after_seconds(0), 60);
  EXPECT_EQ(ha_expire_after_seconds(21), 63);
}

}  // namespace
}  // namespace meter::app
