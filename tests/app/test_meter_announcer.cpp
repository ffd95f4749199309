// SPDX-License-Identifier: MIT
#include <gtest/gtest.h>

#include <algorithm>

#include "meter/app/meter_announcer.h"
#include "meter/json/ha_config_json.h"

namespace meter::app {
namespace {

const meter::json::HaConfigJson kFormat{};

// Records what would go to the broker; "connected" and reconnects are set by the test.
class RecordingMqtt : public MqttConnection {
 public:
  struct Sent {
    std::string topic;
    std::string payload;
    bool retain;
  };
  Outcome start(Handler) override { return Outcome::success(); }
  bool publish(const std::string& topic, const std::string& payload, int, bool retain) override {
    if (!up) return false;
    sent.push_back({topic, payload, retain});
    return true;
  }
  bool connected() const override { return up; }
  std::uint64_t reconnects() const override { return reconnect_count; }
  void stop() override {}

  std::size_t count_prefix(const std::string& prefix) const {
    return static_cast<std::size_t>(std::count_if(sent.begin(), sent.end(), [&](const Sent& s) {
      return s.topic.rfind(prefix, 0) == 0 && !s.payload.empty();
    }));
  }

  bool up = true;
  std::uint64_t reconnect_count = 0;
  std::vector<Sent> sent;
};

constexpr const char* kTitle = "4B464D6700000001";

MeterSnapshot meter(Diagnosis diagnosis, bool three_phase) {
  MeterSnapshot m;
  m.meter = kTitle;
  m.diagnosis = diagnosis;
  m.reason = "test";
  Reading reading;
  reading.meter = kTitle;
  reading.values[static_cast<std::size_t>(core::Quantity::kVoltageL1)] = 230.0;
  if (three_phase) reading.values[static_cast<std::size_t>(core::Quantity::kVoltageL2)] = 231.0;
  m.latest = reading;
  return m;
}

LiveSnapshot snapshot(const MeterSnapshot& m) {
  LiveSnapshot s;
  s.meters.push_back(m);
  return s;
}

HaDiscoveryOptions options() {
  HaDiscoveryOptions o;
  o.status_topic = "sm/status";
  o.values_topic = "sm/values";
  return o;
}

TEST(MeterAnnouncer, AnnouncesEachMeterOnceAndPublishesDiagnosisChanges) {
  RecordingMqtt mqtt;
  MeterAnnouncer announcer(options(), true, mqtt, kFormat);
  announcer.update(snapshot(meter(Diagnosis::kOk, true)));
  const std::size_t configs = mqtt.count_prefix("homeassistant/sensor/");
  EXPECT_EQ(configs, ha_discovery_messages({kTitle, "", "", ""}, options(), kFormat).size());
  ASSERT_FALSE(mqtt.sent.empty());
  EXPECT_EQ(mqtt.sent.back().topic, "sm/status/" + std::string(kTitle));
  EXPECT_EQ(mqtt.sent.back().payload, "ok");
  EXPECT_TRUE(mqtt.sent.back().retain);

  const std::size_t before = mqtt.sent.size();
  announcer.update(snapshot(meter(Diagnosis::kOk, true)));
  EXPECT_EQ(mqtt.sent.size(), before) << "nothing new to say";

  announcer.update(snapshot(meter(Diagnosis::kWrongKey, true)));
  ASSERT_EQ(mqtt.sent.size(), before + 1);
  EXPECT_EQ(mqtt.sent.back().payload, "wrong_key");
}

TEST(MeterAnnouncer, RetriesWhatCouldNotBePublishedAndRepeatsAfterAReconnect) {
  RecordingMqtt mqtt;
  mqtt.up = false;
  MeterAnnouncer announcer(options(), true, mqtt, kFormat);
  announcer.update(snapshot(meter(Diagnosis::kOk, true)));
  EXPECT_TRUE(mqtt.sent.empty());

  mqtt.up = true;
  announcer.update(snapshot(meter(Diagnosis::kOk, true)));
  const std::size_t first = mqtt.sent.size();
  EXPECT_GT(first, 1u);

  mqtt.reconnect_count = 1;  // the broker may have forgotten retained messages
  announcer.update(snapshot(meter(Diagnosis::kOk, true)));
  EXPECT_EQ(mqtt.sent.size(), 2 * first);
}

TEST(MeterAnnouncer, ASinglePhaseMeterLosesItsL2AndL3Entities) {
  RecordingMqtt mqtt;
  MeterAnnouncer announcer(options(), true, mqtt, kFormat);
  MeterSnapshot unknown = meter(Diagnosis::kWrongKey, true);
  unknown.latest.reset();  // nothing decoded yet: all phases announced
  announcer.update(snapshot(unknown));
  const auto three = ha_discovery_messages({kTitle, "", "", ""}, options(), kFormat).size();
  EXPECT_EQ(mqtt.count_prefix("homeassistant/"), three);

  mqtt.sent.clear();
  announcer.update(snapshot(meter(Diagnosis::kOk, false)));
  HaDiscoveryOptions single = options();
  single.three_phase = false;
  const auto one = ha_discovery_messages({kTitle, "", "", ""}, single, kFormat).size();
  EXPECT_LT(one, three);
  const auto removals = static_cast<std::size_t>(
      std::count_if(mqtt.sent.begin(), mqtt.sent.end(), [](const RecordingMqtt::Sent& s) {
        return s.topic.rfind("homeassistant/", 0) == 0 && s.payload.empty();
      }));
  EXPECT_GT(removals, 0u);
  EXPECT_EQ(mqtt.count_prefix("homeassistant/"), one);
}

TEST(MeterAnnouncer, ReactiveAndTariffRegistersAreAnnouncedWhileTheMeterSendsThem) {
  RecordingMqtt mqtt;
  MeterAnnouncer announcer(options(), true, mqtt, kFormat);
  MeterSnapshot plain = meter(Diagnosis::kOk, true);
  announcer.update(snapshot(plain));
  const std::string reactive = "homeassistant/sensor/smartmeter_" +
                               std::string("4b464d6700000001") + "/reactive_energy_in/config";
  EXPECT_EQ(mqtt.count_prefix(reactive), 0U);

  MeterSnapshot wiener = plain;
  wiener.latest->values[static_cast<std::size_t>(core::Quantity::kReactiveEnergyImport)] = 12.0;
  announcer.update(snapshot(wiener));
  EXPECT_EQ(mqtt.count_prefix(reactive), 1U);
  announcer.update(snapshot(wiener));  // unchanged: nothing again
  EXPECT_EQ(mqtt.count_prefix(reactive), 1U);

  mqtt.sent.clear();
  announcer.update(snapshot(plain));  // the register stopped: its entity goes
  const bool removed = std::any_of(mqtt.sent.begin(), mqtt.sent.end(), [&](const auto& s) {
    return s.topic == reactive && s.payload.empty();
  });
  EXPECT_TRUE(removed);
  EXPECT_EQ(mqtt.count_prefix(reactive), 0U);
}

TEST(MeterAnnouncer, WithoutDiscoveryOnlyTheDiagnosisIsPublished) {
  RecordingMqtt mqtt;
  MeterAnnouncer announcer(options(), false, mqtt, kFormat);
  announcer.update(snapshot(meter(Diagnosis::kLineNoise, true)));
  ASSERT_EQ(mqtt.sent.size(), 1u);
  EXPECT_EQ(mqtt.sent[0].payload, "line_noise");
}

TEST(MeterAnnouncer, ManyNewMetersAreAnnouncedOverSeveralUpdates) {
  RecordingMqtt mqtt;
  MeterAnnouncer announcer(options(), true, mqtt, kFormat);
  LiveSnapshot many;
  for (int i = 0; i < 500; ++i) {
    MeterSnapshot m = meter(Diagnosis::kOk, true);
    m.meter = "4B464D67" + std::to_string(10'000'000 + i);
    many.meters.push_back(m);
  }
  const std::size_t per_meter =
      ha_discovery_messages({kTitle, "", "", ""}, options(), kFormat).size() + 1;
  announcer.update(many);
  EXPECT_LE(mqtt.sent.size(), MeterAnnouncer::kMaxPublishesPerUpdate);
  EXPECT_GT(mqtt.sent.size(), MeterAnnouncer::kMaxPublishesPerUpdate - per_meter);
  for (int i = 0; i < 10; ++i) announcer.update(many);
  EXPECT_EQ(mqtt.sent.size(), many.meters.size() * per_meter);  // each once, none twice
}

TEST(MeterAnnouncer, AMeterThatLeftTheLiveStateIsAnnouncedAgainWhenItReturns) {
  RecordingMqtt mqtt;
  MeterAnnouncer announcer(options(), true, mqtt, kFormat);
  announcer.update(snapshot(meter(Diagnosis::kOk, true)));
  const std::size_t first = mqtt.sent.size();
  announcer.update(LiveSnapshot{});  // evicted: forgotten
  EXPECT_EQ(mqtt.sent.size(), first);
  announcer.update(snapshot(meter(Diagnosis::kOk, true)));
  EXPECT_EQ(mqtt.sent.size(), 2 * first);
}

}  // namespace
}  // namespace meter::app
