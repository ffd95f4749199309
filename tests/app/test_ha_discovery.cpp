// SPDX-License-Identifier: MIT
// Discovery payloads against Home Assistant's documented rules: MQTT sensor (state_topic,
// unique_id, device with identifiers, availability) and the Energy dashboard's grid sensors
// (device_class energy, state_class total or total_increasing, an energy unit).
#include "meter/app/ha_discovery.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "meter/core/telegram.h"
#include "meter/json/ha_config_json.h"

namespace meter::app {
namespace {

using nlohmann::json;

// The JSON as the service writes it (the json adapter).
const meter::json::HaConfigJson kFormat{};

const HaMeter kMeter{"53414764d2e62ae3", "174096373503", "", "T210-D"};

std::map<std::string, json> configs(const HaMeter& meter, const HaDiscoveryOptions& options) {
  std::map<std::string, json> out;
  for (const HaMessage& message : ha_discovery_messages(meter, options, kFormat)) {
    EXPECT_TRUE(message.retain) << message.topic;
    EXPECT_TRUE(out.emplace(message.topic, json::parse(message.payload)).second) << message.topic;
  }
  return out;
}

std::string topic(const std::string& object) {
  return "homeassistant/sensor/smartmeter_53414764d2e62ae3/" + object + "/config";
}

// Units Home Assistant's Energy dashboard accepts for grid consumption and return.
const std::set<std::string> kEnergyUnits = {"Wh", "kWh", "MWh", "GJ", "MJ"};

TEST(HaDiscovery, OneConfigPerSensorUnderTheDiscoveryPrefix) {
  const auto all = configs(kMeter, {});
  const std::set<std::string> expected = {"energy_in",  "energy_out", "power_in",     "power_out",
                                          "voltage_l1", "voltage_l2", "voltage_l3",   "current_l1",
                                          "current_l2", "current_l3", "power_factor", "diagnosis"};
  ASSERT_EQ(all.size(), expected.size());
  for (const auto& object : expected) EXPECT_EQ(all.count(topic(object)), 1U) << object;
}

TEST(HaDiscovery, EveryConfigHasUniqueIdDeviceAndAvailability) {
  std::set<std::string> unique_ids;
  for (const auto& [config_topic, config] : configs(kMeter, {})) {
    SCOPED_TRACE(config_topic);
    ASSERT_TRUE(config.contains("unique_id"));
    EXPECT_TRUE(unique_ids.insert(config["unique_id"].get<std::string>()).second);
    ASSERT_TRUE(config.contains("state_topic"));
    EXPECT_FALSE(config["state_topic"].get<std::string>().empty());
    EXPECT_TRUE(config.contains("name"));
    const json& device = config.at("device");
    ASSERT_TRUE(device.at("identifiers").is_array());
    EXPECT_EQ(device["identifiers"][0], "smartmeter_53414764d2e62ae3");
    EXPECT_EQ(device.at("name"), "Smart meter 174096373503");
    EXPECT_EQ(device.at("manufacturer"), "Sagemcom");  // FLAG id "SAG"
    EXPECT_EQ(device.at("model"), "T210-D");
    EXPECT_EQ(config.at("availability_topic"), "sensors/smartmeter/status");
    EXPECT_EQ(config.at("payload_available"), "online");
    EXPECT_EQ(config.at("payload_not_available"), "offline");
  }
}

TEST(HaDiscovery, EnergySensorsQualifyForTheEnergyDashboard) {
  const auto all = configs(kMeter, {});
  for (const char* object : {"energy_in", "energy_out"}) {
    SCOPED_TRACE(object);
    const json& config = all.at(topic(object));
    EXPECT_EQ(config.at("device_class"), "energy");
    const std::string state_class = config.at("state_class");
    EXPECT_TRUE(state_class == "total_increasing" || state_class == "total");
    EXPECT_EQ(kEnergyUnits.count(config.at("unit_of_measurement").get<std::string>()), 1U);
    // No last_reset: the counters are lifetime totals.
    EXPECT_FALSE(config.contains("last_reset_value_template"));
  }
}

// Reactive and tariff registers get a sensor only from a meter that sends them: an EVN meter's
// device does not fill up with sensors that never get a value.
TEST(HaDiscovery, RegistersBeyondTheElevenOnlyWhenTheMeterSendsThem) {
  HaDiscoveryOptions options;
  options.sent_optional_keys = {"RIn", "QOut", "WIn1"};
  const auto all = configs(kMeter, options);
  EXPECT_EQ(all.size(), configs(kMeter, {}).size() + 3);
  const json& reactive_energy = all.at(topic("reactive_energy_in"));
  EXPECT_EQ(reactive_energy.at("unit_of_measurement"), "varh");
  EXPECT_EQ(reactive_energy.at("state_class"), "total_increasing");
  EXPECT_FALSE(reactive_energy.contains("device_class"));
  EXPECT_NE(reactive_energy.at("value_template").get<std::string>().find("value_json.RIn.value"),
            std::string::npos);
  const json& reactive_power = all.at(topic("reactive_power_out"));
  EXPECT_EQ(reactive_power.at("device_class"), "reactive_power");
  EXPECT_EQ(reactive_power.at("unit_of_measurement"), "var");
  const json& tariff = all.at(topic("energy_in_t1"));
  EXPECT_EQ(tariff.at("device_class"), "energy");
  EXPECT_EQ(tariff.at("unit_of_measurement"), "Wh");
  EXPECT_EQ(all.count(topic("energy_in_t2")), 0U);
  // Every optional key is one of the values JSON's keys.
  for (const std::string& key : ha_optional_keys()) {
    EXPECT_TRUE(std::any_of(core::kQuantities.begin(), core::kQuantities.end(),
                            [&key](const core::QuantityInfo& q) { return key == q.key; }))
        << key;
  }
}

TEST(HaDiscovery, MeasurementsHaveTheirDeviceClassesAndUnits) {
  const auto all = configs(kMeter, {});
  const std::map<std::string, std::pair<std::string, std::string>> expected = {
      {"power_in", {"power", "W"}},     {"power_out", {"power", "W"}},
      {"voltage_l1", {"voltage", "V"}}, {"voltage_l3", {"voltage", "V"}},
      {"current_l2", {"current", "A"}}, {"power_factor", {"power_factor", ""}},
  };
  for (const auto& [object, want] : expected) {
    SCOPED_TRACE(object);
    const json& config = all.at(topic(object));
    EXPECT_EQ(config.at("device_class"), want.first);
    EXPECT_EQ(config.at("state_class"), "measurement");
    if (want.second.empty()) {
      EXPECT_FALSE(config.contains("unit_of_measurement"));  // PF 0..1: unitless
    } else {
      EXPECT_EQ(config.at("unit_of_measurement"), want.second);
    }
  }
}

TEST(HaDiscovery, TemplatesReadThisMetersKeyOfTheValuesJson) {
  const auto all = configs(kMeter, {});
  const std::map<std::string, std::string> keys = {
      {"energy_in", "WIn"}, {"energy_out", "WOut"}, {"power_in", "PIn"},   {"power_out", "POut"},
      {"voltage_l2", "U2"}, {"current_l3", "I3"},   {"power_factor", "PF"}};
  for (const auto& [object, key] : keys) {
    SCOPED_TRACE(object);
    const json& config = all.at(topic(object));
    EXPECT_EQ(config.at("state_topic"), "sensors/smartmeter/values");
    const std::string value_template = config.at("value_template");
    EXPECT_NE(value_template.find("value_json." + key + ".value"), std::string::npos);
    EXPECT_NE(value_template.find("value_json.systemTitle == '53414764D2E62AE3'"),
              std::string::npos);
    EXPECT_NE(value_template.find("value_json." + key + " is defined"), std::string::npos);
  }
  // The keys are those the service's values JSON uses.
  std::set<std::string> json_keys;
  for (const auto& quantity : core::kQuantities) json_keys.insert(quantity.key);
  for (const auto& [object, key] : keys) EXPECT_EQ(json_keys.count(key), 1U) << key;
}

TEST(HaDiscovery, DiagnosisIsAnEnumOnTheMetersDiagnosisTopic) {
  const auto all = configs(kMeter, {});
  const json& config = all.at(topic("diagnosis"));
  EXPECT_EQ(config.at("device_class"), "enum");
  EXPECT_EQ(config.at("entity_category"), "diagnostic");
  EXPECT_EQ(config.at("options").get<std::vector<std::string>>(), ha_diagnosis_states());
  EXPECT_FALSE(config.contains("state_class"));  // enum sensors must not have one
  EXPECT_FALSE(config.contains("unit_of_measurement"));
  EXPECT_EQ(config.at("state_topic"), "sensors/smartmeter/status/53414764D2E62AE3");
  EXPECT_EQ(ha_diagnosis_topic(kMeter, {}), "sensors/smartmeter/status/53414764D2E62AE3");
}

TEST(HaDiscovery, ValueSensorsExpireWhenConfiguredTheDiagnosisDoesNot) {
  EXPECT_FALSE(configs(kMeter, {}).at(topic("power_in")).contains("expire_after"));
  HaDiscoveryOptions options;
  options.expire_after_s = 180;
  for (const auto& [name, config] : configs(kMeter, options)) {
    if (name == topic("diagnosis")) {
      EXPECT_FALSE(config.contains("expire_after")) << "the diagnosis says itself when it is stale";
    } else {
      EXPECT_EQ(config.at("expire_after"), 180) << name;
    }
  }
}

TEST(HaDiscovery, OptionsChangePrefixTopicsAndPhases) {
  HaDiscoveryOptions options;
  options.prefix = "ha";
  options.values_topic = "house/meter/values";
  options.status_topic = "house/meter/status";
  options.diagnosis_topic = "house/meter/diagnosis";
  options.three_phase = false;
  const auto messages = ha_discovery_messages(kMeter, options, kFormat);
  ASSERT_EQ(messages.size(), 8U);  // no L2/L3 voltage and current
  for (const HaMessage& message : messages) {
    SCOPED_TRACE(message.topic);
    EXPECT_EQ(message.topic.rfind("ha/sensor/smartmeter_53414764d2e62ae3/", 0), 0U);
    const json config = json::parse(message.payload);
    EXPECT_EQ(config.at("availability_topic"), "house/meter/status");
    EXPECT_TRUE(config.at("state_topic") == "house/meter/values" ||
                config.at("state_topic") == "house/meter/diagnosis");
  }
}

TEST(HaDiscovery, MetersGetTheirOwnDevicesAndEntities) {
  const HaMeter other{"4B464D6750012345", "", "", ""};
  const auto first = configs(kMeter, {});
  const auto second = configs(other, {});
  for (const auto& [config_topic, config] : second) {
    EXPECT_EQ(first.count(config_topic), 0U);
    EXPECT_EQ(config["device"]["manufacturer"], "Kaifa");
    EXPECT_EQ(config["device"]["name"], "Smart meter 4B464D6750012345");
    EXPECT_FALSE(config["device"].contains("model"));
  }
}

TEST(HaDiscovery, RemovalClearsEveryTopicTheConfigsMayHaveUsed) {
  HaDiscoveryOptions single_phase;
  single_phase.three_phase = false;
  const auto removal = ha_removal_messages(kMeter, single_phase);
  HaDiscoveryOptions everything;
  everything.cost = true;
  everything.sent_optional_keys = ha_optional_keys();
  const auto announced = configs(kMeter, everything);  // earlier with three phases and cost
  ASSERT_EQ(removal.size(), announced.size());
  for (const HaMessage& message : removal) {
    EXPECT_TRUE(message.payload.empty());
    EXPECT_TRUE(message.retain);
    EXPECT_EQ(announced.count(message.topic), 1U) << message.topic;
  }
}

// Monetary sensors take an ISO 4217 currency and state_class total (or none); a price per kWh is
// not monetary (https://developers.home-assistant.io/docs/core/entity/sensor/).
TEST(HaDiscovery, CostSensorsOnlyWithATariffAndWithMonetaryClasses) {
  EXPECT_EQ(configs(kMeter, {}).count(topic("cost_today")), 0U);
  HaDiscoveryOptions options;
  options.cost = true;
  const auto all = configs(kMeter, options);
  const std::string state_topic = "sensors/smartmeter/status/53414764D2E62AE3/cost";
  EXPECT_EQ(ha_cost_topic(kMeter, options), state_topic);
  for (const char* object : {"cost_today", "cost_month"}) {
    SCOPED_TRACE(object);
    const json& config = all.at(topic(object));
    EXPECT_EQ(config.at("device_class"), "monetary");
    EXPECT_EQ(config.at("state_class"), "total");
    EXPECT_EQ(config.at("unit_of_measurement"), "EUR");
    EXPECT_EQ(config.at("state_topic"), state_topic);
    EXPECT_TRUE(config.contains("last_reset_value_template"));
  }
  const json& price = all.at(topic("price_now"));
  EXPECT_FALSE(price.contains("device_class"));
  EXPECT_EQ(price.at("state_class"), "measurement");
  EXPECT_EQ(price.at("unit_of_measurement"), "EUR/kWh");
  EXPECT_NE(price.at("value_template").get<std::string>().find("priceNowEurPerKwh"),
            std::string::npos);
}

TEST(HaDiscovery, RejectsAMalformedSystemTitle) {
  EXPECT_TRUE(ha_discovery_messages({"53414764", "", "", ""}, {}, kFormat).empty());
  EXPECT_TRUE(ha_discovery_messages({"53414764D2E62AEZ", "", "", ""}, {}, kFormat).empty());
  EXPECT_TRUE(ha_removal_messages({"", "", "", ""}, {}).empty());
}

}  // namespace
}  // namespace meter::app
