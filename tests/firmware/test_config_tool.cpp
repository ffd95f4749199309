// SPDX-License-Identifier: MIT
// tools/firmware-config.py, run by the build on data/server.env (plus --wifi-* options): the
// header it writes must hold exactly the device's settings, readable by the firmware's parser.
#include <gtest/gtest.h>

#include <cstring>

#include "config_generated.h"
#include "device_config.h"

namespace meter::firmware {
namespace {

TEST(FirmwareConfigTool, GeneratedHeaderParsesToTheServerEnvSettings) {
  DeviceConfig config;
  set_defaults(&config);
  const ConfigParseResult result =
      parse_config(kGeneratedConfig, sizeof kGeneratedConfig - 1, &config);
  ASSERT_EQ(result.error, ConfigError::kNone) << to_string(result.error) << " line " << result.line;
  EXPECT_STREQ(config.wifi_ssid, "Home WiFi");
  EXPECT_STREQ(config.wifi_password, "wifi \"secret\"");
  EXPECT_STREQ(config.mqtt_host, "192.168.1.10");
  EXPECT_EQ(config.mqtt_port, 1883);
  EXPECT_STREQ(config.mqtt_user, "fancyMQTTUser");
  EXPECT_STREQ(config.mqtt_password, "pa\"ss\\word");
  EXPECT_STREQ(config.raw_topic, "sensors/smartmeter");
  EXPECT_STREQ(config.ota_password, "ota-pass");
  EXPECT_EQ(config.serial_format, SerialFormat::k8N1);
  EXPECT_STREQ(config.client_id, "");
  EXPECT_EQ(find_config_problem(config), nullptr);
}

TEST(FirmwareConfigTool, ServiceSecretsStayOutOfTheFirmware) {
  EXPECT_EQ(std::strstr(kGeneratedConfig, "SMARTMETER_KEY"), nullptr);
  EXPECT_EQ(std::strstr(kGeneratedConfig, "36C66639"), nullptr);
  EXPECT_EQ(std::strstr(kGeneratedConfig, "DB_PASSWORD"), nullptr);
  EXPECT_EQ(std::strstr(kGeneratedConfig, "topsecret"), nullptr);
  EXPECT_EQ(std::strstr(kGeneratedConfig, "smartmeter-server"), nullptr);  // MQTT_CLIENT_ID
}

}  // namespace
}  // namespace meter::firmware
