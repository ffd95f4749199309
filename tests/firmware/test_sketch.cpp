// SPDX-License-Identifier: MIT
// The sketch's Arduino glue (smartmeter.ino, src/firmware_app.cpp) run against the API shim:
// first-boot portal, UART -> MQTT forwarding, reconnect backoff, status topic, OTA.
#include <gtest/gtest.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "frame_builder.h"
#include "recorded_stream.h"
#include "shim.h"
#include "smartmeter/smartmeter.ino"

namespace meter::firmware {
namespace {

using test::Bytes;

constexpr char kConfig[] =
    "WIFI_SSID=\"home\"\nWIFI_PASSWORD=\"wifi-pass\"\nMQTT_HOST=\"192.168.1.10\"\n"
    "MQTT_PORT=\"1883\"\nMQTT_USER=\"meter\"\nMQTT_PASSWORD=\"mqtt-pass\"\n";
constexpr char kRawTopic[] = "sensors/smartmeter";
constexpr char kStatusTopic[] = "status/smartmeter";

class Sketch : public ::testing::Test {
 protected:
  void SetUp() override { shim::reset(); }

  void start(const std::string& config = kConfig) {
    if (!config.empty()) shim::state().files[kConfigPath] = config;
    app_ = std::make_unique<FirmwareApp>();
    app_->setup();
  }

  void loop_for(std::uint32_t duration_ms, std::uint32_t step_ms = 100) {
    for (std::uint32_t t = 0; t < duration_ms; t += step_ms) {
      app_->loop();
      shim::state().now_ms += step_ms;
    }
  }

  // Each read arrives on its own; loop() runs until the sketch has taken all of it.
  void deliver(const std::vector<Bytes>& reads) {
    for (const Bytes& read : reads) {
      shim::state().uart_reads.push_back(read);
      while (!shim::state().uart_reads.empty()) {
        app_->loop();
        shim::state().now_ms += 10;
      }
    }
  }

  static std::vector<shim::Published> on_topic(const std::string& topic) {
    std::vector<shim::Published> found;
    for (const shim::Published& message : shim::state().published) {
      if (message.topic == topic) found.push_back(message);
    }
    return found;
  }

  static nlohmann::json last_status() {
    const auto status = on_topic(kStatusTopic);
    EXPECT_FALSE(status.empty());
    return status.empty() ? nlohmann::json() : nlohmann::json::parse(status.back().payload);
  }

  std::unique_ptr<FirmwareApp> app_;
};

// ---- first boot: the portal ------------------------------------------------------------------

TEST_F(Sketch, FirstBootOpensThePortalInsteadOfReadingTheMeter) {
  start("");
  EXPECT_TRUE(app_->in_portal());
  EXPECT_EQ(shim::state().soft_ap_ssid, "smartmeter-10597059");  // chip id 0xA1B2C3
  EXPECT_TRUE(shim::state().dns_started);
  EXPECT_FALSE(shim::state().serial_begun);
  EXPECT_TRUE(shim::state().published.empty());

  const shim::Response form = shim::request("GET", "/");
  EXPECT_EQ(form.code, 200);
  EXPECT_EQ(form.content_type, "text/html");
  EXPECT_NE(form.body.find("name=\"MQTT_HOST\""), std::string::npos);
}

TEST_F(Sketch, SavingThePortalFormStoresTheSettingsAndRestartsIntoThem) {
  start("");
  const shim::Response saved = shim::request("POST", "/save",
                                             {{"WIFI_SSID", "home"},
                                              {"WIFI_PASSWORD", "wifi-pass"},
                                              {"MQTT_HOST", "broker.lan"},
                                              {"MQTT_PORT", "1884"},
                                              {"MQTT_USER", ""},
                                              {"FIRMWARE_SERIAL", "8N1"}});
  EXPECT_EQ(saved.code, 200);
  EXPECT_NE(saved.body.find("Saved."), std::string::npos);
  ASSERT_EQ(shim::state().files.count(kConfigPath), 1u);

  loop_for(1000);
  EXPECT_EQ(shim::state().restarts, 0);  // the browser gets the answer first
  loop_for(1000);
  EXPECT_GE(shim::state().restarts, 1);

  // The restarted device reads the stored file.
  const std::string stored = shim::state().files[kConfigPath];
  shim::reset();
  start(stored);
  EXPECT_FALSE(app_->in_portal());
  EXPECT_EQ(shim::state().wifi_ssid, "home");
  EXPECT_EQ(shim::state().wifi_password, "wifi-pass");
  EXPECT_EQ(shim::state().mqtt_host, "broker.lan");
  EXPECT_EQ(shim::state().mqtt_port, 1884);
  EXPECT_EQ(shim::state().serial_config, SERIAL_8N1);
}

TEST_F(Sketch, PortalRefusesInvalidSettingsAndStoresNothing) {
  start("");
  const shim::Response bad_port = shim::request(
      "POST", "/save", {{"WIFI_SSID", "home"}, {"MQTT_HOST", "broker"}, {"MQTT_PORT", "port"}});
  EXPECT_EQ(bad_port.code, 400);
  EXPECT_NE(bad_port.body.find("MQTT_PORT: invalid value"), std::string::npos);

  const shim::Response no_broker = shim::request("POST", "/save", {{"WIFI_SSID", "home"}});
  EXPECT_EQ(no_broker.code, 400);
  EXPECT_NE(no_broker.body.find("MQTT_HOST: missing or invalid"), std::string::npos);
  // What was typed stays in the form.
  EXPECT_NE(no_broker.body.find("value=\"home\""), std::string::npos);

  EXPECT_EQ(shim::state().files.count(kConfigPath), 0u);
  loop_for(5000);
  EXPECT_EQ(shim::state().restarts, 0);
}

TEST_F(Sketch, UnknownPagesRedirectToTheFormForCaptivePortalDetection) {
  start("");
  const shim::Response response = shim::request("GET", "/generate_204");
  EXPECT_EQ(response.code, 302);
  EXPECT_EQ(response.headers.at("Location"), "http://192.168.4.1/");
}

TEST_F(Sketch, PortalPinOpensThePortalWithStoredSettingsWhichStayUnlessSaved) {
  shim::state().pin_levels[D5] = LOW;
  start();
  EXPECT_TRUE(app_->in_portal());
  const shim::Response form = shim::request("GET", "/");
  EXPECT_NE(form.body.find("value=\"192.168.1.10\""), std::string::npos);
  EXPECT_EQ(form.body.find("mqtt-pass"), std::string::npos);  // secrets are not shown
  loop_for(kRequestedPortalTimeoutMs + 1000, 1000);
  EXPECT_GE(shim::state().restarts, 1);  // back to the stored settings
  EXPECT_EQ(shim::state().files[kConfigPath], kConfig);
}

// ---- run: UART -> MQTT -----------------------------------------------------------------------

TEST_F(Sketch, StartsTheMeterUartAt2400Baud8E1OnRx) {
  start();
  EXPECT_FALSE(app_->in_portal());
  EXPECT_TRUE(shim::state().serial_begun);
  EXPECT_EQ(shim::state().serial_baud, 2400u);
  EXPECT_EQ(shim::state().serial_config, SERIAL_8E1);
  EXPECT_FALSE(shim::state().serial_swapped);
  EXPECT_GE(shim::state().serial_rx_buffer, 1024u);
  EXPECT_FALSE(shim::state().wifi_persistent);
}

TEST_F(Sketch, SerialFormatAndPinAreSelectable) {
  start(std::string(kConfig) + "FIRMWARE_SERIAL=8N1\nFIRMWARE_UART_SWAP=1\n");
  EXPECT_EQ(shim::state().serial_config, SERIAL_8N1);
  EXPECT_TRUE(shim::state().serial_swapped);
}

TEST_F(Sketch, RecordedStreamOfPublicTelegramsIsPublishedExactly) {
  const std::vector<Bytes> telegrams = test::public_mbus_telegrams();
  METER_SKIP_WITHOUT_PUBLIC_VECTORS(telegrams);
  const test::RecordedStream stream = test::record_stream(telegrams);
  start();
  loop_for(100);  // WiFi and MQTT up
  deliver(stream.reads);

  std::vector<std::string> payloads;
  for (const shim::Published& message : on_topic(kRawTopic)) {
    EXPECT_EQ(message.qos, 1);
    EXPECT_FALSE(message.retained);
    payloads.push_back(message.payload);
  }
  EXPECT_EQ(payloads, stream.expected);
  const DeviceStatus status = app_->status();
  EXPECT_EQ(status.telegrams_sent, telegrams.size());
  EXPECT_EQ(status.resyncs, 1u);
  EXPECT_EQ(status.checksum_errors, 0u);
}

TEST_F(Sketch, WholeSketchForwardsTheBrochureTelegramReadInTwoParts) {
  // The .ino's own setup() and loop() with its global app, as the Arduino core calls them.
  shim::state().files[kConfigPath] = kConfig;
  setup();
  loop();
  const Bytes telegram = test::from_hex(test::kDocTelegramHex);
  const std::vector<Bytes> reads = {Bytes{0x16, 0x00, 0x68, 0xFF},
                                    Bytes(telegram.begin(), telegram.begin() + 150),
                                    Bytes(telegram.begin() + 150, telegram.end())};
  for (const Bytes& read : reads) {
    shim::state().uart_reads.push_back(read);
    loop();
  }
  const auto raw = on_topic(kRawTopic);
  ASSERT_EQ(raw.size(), 1u);
  EXPECT_EQ(raw[0].payload, test::kDocTelegramHex);
}

TEST_F(Sketch, LargestTelegramFitsTheMqttBuffer) {
  std::vector<Bytes> frames;
  for (std::uint8_t i = 0; i < 5; ++i) {
    frames.push_back(
        test::mbus_frame(Bytes(250, 0x42), static_cast<std::uint8_t>(i == 4 ? 0x14 : i)));
  }
  const Bytes telegram = test::join_frames(frames);
  start();
  loop_for(100);
  deliver({telegram});
  const auto raw = on_topic(kRawTopic);
  ASSERT_EQ(raw.size(), 1u);
  EXPECT_EQ(raw[0].payload, test::to_hex(telegram));
  EXPECT_GE(shim::state().mqtt_write_buffer, 5 + 2 + 128 + 2 + 2 * core::FrameAssembler::kCapacity);
}

TEST_F(Sketch, DamagedTelegramIsNotPublishedAndCounted) {
  Bytes damaged = test::from_hex(test::kDocTelegramHex);
  damaged[200] ^= 0x40;
  start();
  loop_for(100);
  deliver({damaged, test::from_hex(test::kDocTelegramHex)});
  EXPECT_EQ(on_topic(kRawTopic).size(), 1u);
  EXPECT_EQ(app_->status().checksum_errors, 1u);
}

TEST_F(Sketch, TelegramsWhileTheBrokerIsDownAreCountedAsDropped) {
  shim::state().broker_up = false;
  start();
  loop_for(100);
  deliver({test::from_hex(test::kDocTelegramHex)});
  EXPECT_TRUE(on_topic(kRawTopic).empty());
  EXPECT_EQ(app_->status().dropped_offline, 1u);
  EXPECT_EQ(app_->status().telegrams_sent, 0u);
}

// ---- MQTT session --------------------------------------------------------------------------

TEST_F(Sketch, ConnectsWithLoginAndARetainedOfflineWill) {
  start();
  loop_for(100);
  EXPECT_EQ(shim::state().client_id, "smartmeter-10597059");
  EXPECT_TRUE(shim::state().has_login);
  EXPECT_EQ(shim::state().user, "meter");
  EXPECT_EQ(shim::state().password, "mqtt-pass");
  EXPECT_EQ(shim::state().will_topic, kStatusTopic);
  EXPECT_EQ(nlohmann::json::parse(shim::state().will_payload)["online"], false);
  EXPECT_TRUE(shim::state().will_retained);
}

TEST_F(Sketch, NoUserMeansNoLogin) {
  start("WIFI_SSID=home\nMQTT_HOST=broker\nFIRMWARE_MQTT_CLIENT_ID=meter-1\n");
  loop_for(100);
  EXPECT_FALSE(shim::state().has_login);
  EXPECT_EQ(shim::state().client_id, "meter-1");
  EXPECT_EQ(shim::state().hostname, "meter-1");
}

TEST_F(Sketch, ReconnectsWithExponentialBackoff) {
  shim::state().broker_up = false;
  start();
  loop_for(40000);
  EXPECT_EQ(shim::state().connect_times,
            (std::vector<std::uint32_t>{0, 1000, 3000, 7000, 15000, 31000}));

  shim::state().broker_up = true;
  loop_for(40000);
  ASSERT_EQ(shim::state().connect_times.size(), 7u);
  EXPECT_EQ(shim::state().connect_times.back(), 63000u);  // 31 s + 32 s
  EXPECT_EQ(last_status()["mqtt_reconnects"], 0);

  // The broker goes away: the delay starts at 1 s again.
  shim::state().broker_up = false;
  const std::uint32_t lost_at = shim::state().now_ms;
  loop_for(2000);
  shim::state().broker_up = true;
  loop_for(2000);
  const auto& times = shim::state().connect_times;
  ASSERT_EQ(times.size(), 10u);
  EXPECT_EQ(times[7], lost_at);
  EXPECT_EQ(times[8], lost_at + 1000);
  EXPECT_EQ(times[9], lost_at + 3000);
  EXPECT_EQ(last_status()["mqtt_reconnects"], 1);
}

TEST_F(Sketch, StatusIsRetainedAndRepeatedEveryInterval) {
  start(std::string(kConfig) + "FIRMWARE_STATUS_INTERVAL_S=30\n");
  loop_for(100);
  deliver({test::from_hex(test::kDocTelegramHex)});
  ASSERT_EQ(on_topic(kStatusTopic).size(), 1u);
  loop_for(31000);
  const auto status = on_topic(kStatusTopic);
  ASSERT_EQ(status.size(), 2u);
  EXPECT_TRUE(status.back().retained);
  const nlohmann::json json = nlohmann::json::parse(status.back().payload);
  EXPECT_EQ(json["online"], true);
  EXPECT_EQ(json["telegrams_sent"], 1);
  EXPECT_EQ(json["rssi_dbm"], -61);
  EXPECT_EQ(json["serial"], "8E1");
  EXPECT_EQ(json["uptime_s"], 30);
}

TEST_F(Sketch, OtaRunsOnlyWithAPassword) {
  start();
  loop_for(100);
  EXPECT_FALSE(shim::state().ota_begun);
  EXPECT_EQ(shim::state().ota_handled, 0);

  shim::reset();
  start(std::string(kConfig) + "FIRMWARE_OTA_PASSWORD=\"ota-pass\"\n");
  loop_for(100);
  EXPECT_TRUE(shim::state().ota_begun);
  EXPECT_EQ(shim::state().ota_password, "ota-pass");
  EXPECT_EQ(shim::state().ota_hostname, "smartmeter-10597059");
  EXPECT_GT(shim::state().ota_handled, 0);
}

}  // namespace
}  // namespace meter::firmware
