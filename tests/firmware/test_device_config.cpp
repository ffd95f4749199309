// SPDX-License-Identifier: MIT
#include "device_config.h"

#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <string_view>

namespace meter::firmware {
namespace {

DeviceConfig defaults() {
  DeviceConfig config;
  set_defaults(&config);
  return config;
}

ConfigParseResult parse(std::string_view text, DeviceConfig* config) {
  return parse_config(text.data(), text.size(), config);
}

TEST(DeviceConfig, DefaultsMatchTheServiceAndTheOriginalTopics) {
  const DeviceConfig config = defaults();
  EXPECT_STREQ(config.raw_topic, "sensors/smartmeter");
  EXPECT_STREQ(config.status_topic, "status/smartmeter");
  EXPECT_EQ(config.mqtt_port, 1883);
  EXPECT_EQ(config.serial_format, SerialFormat::k8E1);
  EXPECT_FALSE(config.uart_swap);
  EXPECT_EQ(config.status_interval_s, 60u);
  EXPECT_STREQ(config.wifi_ssid, "");
  EXPECT_STREQ(find_config_problem(config), "WIFI_SSID");
}

TEST(DeviceConfig, ReadsAServerEnvAndIgnoresTheServiceOnlyKeys) {
  DeviceConfig config = defaults();
  const ConfigParseResult result = parse(
      "# server.env of the service\r\n"
      "DB_USER=\"fancyDBUser\"\r\n"
      "MQTT_HOST=\"192.168.1.10\"\r\n"
      "MQTT_PORT=1884\r\n"
      "  export MQTT_USER='meter'  \r\n"
      "MQTT_PASSWORD=\"pa\\\"ss\\\\word\" # quoted\r\n"
      "MQTT_CLIENT_ID=smartmeter-server\r\n"
      "SMARTMETER_RAWDATA_MQTT_TOPIC = home/meter/raw # trailing comment\r\n"
      "SMARTMETER_KEY=36C66639E48A8CA4D6BC8B282A793BBB\r\n"
      "WIFI_SSID=My#1 WiFi #a comment\r\n"
      "\r\n",
      &config);
  EXPECT_EQ(result.error, ConfigError::kNone) << to_string(result.error) << " line " << result.line;
  EXPECT_STREQ(config.mqtt_host, "192.168.1.10");
  EXPECT_EQ(config.mqtt_port, 1884);
  EXPECT_STREQ(config.mqtt_user, "meter");
  EXPECT_STREQ(config.mqtt_password, "pa\"ss\\word");
  EXPECT_STREQ(config.client_id, "");  // the service's MQTT_CLIENT_ID is not the device's
  EXPECT_STREQ(config.raw_topic, "home/meter/raw");
  EXPECT_STREQ(config.wifi_ssid, "My#1 WiFi");
  EXPECT_EQ(find_config_problem(config), nullptr);
}

TEST(DeviceConfig, DeviceKeys) {
  DeviceConfig config = defaults();
  ASSERT_EQ(parse("FIRMWARE_SERIAL=8N1\nFIRMWARE_UART_SWAP=1\nFIRMWARE_STATUS_INTERVAL_S=300\n"
                  "FIRMWARE_STATUS_MQTT_TOPIC=meter/status\nFIRMWARE_MQTT_CLIENT_ID=esp-meter\n"
                  "FIRMWARE_OTA_PASSWORD=ota-secret",
                  &config)
                .error,
            ConfigError::kNone);
  EXPECT_EQ(config.serial_format, SerialFormat::k8N1);
  EXPECT_TRUE(config.uart_swap);
  EXPECT_EQ(config.status_interval_s, 300u);
  EXPECT_STREQ(config.status_topic, "meter/status");
  EXPECT_STREQ(config.client_id, "esp-meter");
  EXPECT_STREQ(config.ota_password, "ota-secret");
}

struct BadLine {
  const char* text;
  ConfigError error;
  unsigned line;
};

class DeviceConfigRejects : public ::testing::TestWithParam<BadLine> {};

TEST_P(DeviceConfigRejects, NamesTheLineAndKeepsTheLinesBefore) {
  DeviceConfig config = defaults();
  const std::string text = std::string("MQTT_HOST=broker\n") + GetParam().text + "\nMQTT_USER=x\n";
  const ConfigParseResult result = parse(text, &config);
  EXPECT_EQ(result.error, GetParam().error) << GetParam().text;
  EXPECT_EQ(result.line, 2u);
  EXPECT_STREQ(config.mqtt_host, "broker");
  EXPECT_STREQ(config.mqtt_user, "");  // parsing stopped at the bad line
}

INSTANTIATE_TEST_SUITE_P(
    Lines, DeviceConfigRejects,
    ::testing::Values(BadLine{"MQTT_PORT=0", ConfigError::kBadValue, 2},
                      BadLine{"MQTT_PORT=65536", ConfigError::kBadValue, 2},
                      BadLine{"MQTT_PORT=18x3", ConfigError::kBadValue, 2},
                      BadLine{"MQTT_PORT=", ConfigError::kBadValue, 2},
                      BadLine{"FIRMWARE_SERIAL=7E1", ConfigError::kBadValue, 2},
                      BadLine{"FIRMWARE_UART_SWAP=yes", ConfigError::kBadValue, 2},
                      BadLine{"FIRMWARE_STATUS_INTERVAL_S=5", ConfigError::kBadValue, 2},
                      BadLine{"WIFI_SSID=\"unterminated", ConfigError::kSyntax, 2},
                      BadLine{"WIFI_SSID=\"a\" b", ConfigError::kSyntax, 2},
                      BadLine{"just text", ConfigError::kSyntax, 2},
                      BadLine{"=value", ConfigError::kSyntax, 2},
                      BadLine{"WIFI_SSID=123456789012345678901234567890123",
                              ConfigError::kValueTooLong, 2}));

TEST(DeviceConfig, LongestValuesFitAndOneMoreIsTooLong) {
  DeviceConfig config = defaults();
  const std::string topic(128, 't');
  EXPECT_EQ(set_config_value(&config, "SMARTMETER_RAWDATA_MQTT_TOPIC", topic.data(), topic.size()),
            ConfigError::kNone);
  EXPECT_EQ(std::string(config.raw_topic), topic);
  const std::string line = "SMARTMETER_RAWDATA_MQTT_TOPIC=" + topic + "t";
  EXPECT_EQ(parse(line, &config).error, ConfigError::kValueTooLong);
  const std::string very_long = "MQTT_HOST=" + std::string(1000, 'h');
  EXPECT_EQ(parse(very_long, &config).error, ConfigError::kValueTooLong);
  EXPECT_EQ(std::string(config.raw_topic), topic);
}

TEST(DeviceConfig, ControlCharactersAreRejected) {
  DeviceConfig config = defaults();
  EXPECT_EQ(set_config_value(&config, "MQTT_HOST", "a\nb", 3), ConfigError::kBadValue);
  EXPECT_EQ(set_config_value(&config, "MQTT_HOST", "a\0b", 3), ConfigError::kBadValue);
  EXPECT_STREQ(config.mqtt_host, "");
}

TEST(DeviceConfig, WrittenFileReadsBackToTheSameConfig) {
  DeviceConfig config = defaults();
  ASSERT_EQ(parse("WIFI_SSID=\"  spaces and \\\"quotes\\\" \"\nWIFI_PASSWORD=\"#hash\\\\\"\n"
                  "MQTT_HOST=broker.local\nMQTT_PORT=8883\nFIRMWARE_SERIAL=8N1\n"
                  "FIRMWARE_UART_SWAP=1\nFIRMWARE_STATUS_INTERVAL_S=10\n",
                  &config)
                .error,
            ConfigError::kNone);
  char file[2048];
  const std::size_t length = write_config(config, file, sizeof file);
  ASSERT_GT(length, 0u);

  DeviceConfig read_back = defaults();
  std::memset(read_back.mqtt_host, 'x', sizeof read_back.mqtt_host - 1);
  ASSERT_EQ(parse_config(file, length, &read_back).error, ConfigError::kNone) << file;
  EXPECT_STREQ(read_back.wifi_ssid, "  spaces and \"quotes\" ");
  EXPECT_STREQ(read_back.wifi_password, "#hash\\");
  EXPECT_STREQ(read_back.mqtt_host, "broker.local");
  EXPECT_EQ(read_back.mqtt_port, 8883);
  EXPECT_EQ(read_back.serial_format, SerialFormat::k8N1);
  EXPECT_TRUE(read_back.uart_swap);
  EXPECT_EQ(read_back.status_interval_s, 10u);
  EXPECT_STREQ(read_back.raw_topic, "sensors/smartmeter");
  EXPECT_EQ(write_config(config, file, length), 0u);  // no room for the NUL: nothing
}

TEST(DeviceConfig, ProblemsNameTheKey) {
  DeviceConfig config = defaults();
  ASSERT_EQ(parse("WIFI_SSID=home\n", &config).error, ConfigError::kNone);
  EXPECT_STREQ(find_config_problem(config), "MQTT_HOST");
  ASSERT_EQ(parse("MQTT_HOST=broker\nSMARTMETER_RAWDATA_MQTT_TOPIC=sensors/#\n", &config).error,
            ConfigError::kNone);
  EXPECT_STREQ(find_config_problem(config), "SMARTMETER_RAWDATA_MQTT_TOPIC");
  ASSERT_EQ(parse("SMARTMETER_RAWDATA_MQTT_TOPIC=sensors/smartmeter\n"
                  "FIRMWARE_STATUS_MQTT_TOPIC=status/+\n",
                  &config)
                .error,
            ConfigError::kNone);
  EXPECT_STREQ(find_config_problem(config), "FIRMWARE_STATUS_MQTT_TOPIC");
}

TEST(DeviceConfig, EveryFieldHasAUniqueKeyFoundByName) {
  for (std::size_t i = 0; i < config_field_count(); ++i) {
    const ConfigField& field = config_field(i);
    EXPECT_EQ(find_config_field(field.key), &field) << field.key;
  }
  EXPECT_EQ(find_config_field("MQTT_CLIENT_ID"), nullptr);
  EXPECT_EQ(find_config_field("SMARTMETER_KEY"), nullptr);
}

}  // namespace
}  // namespace meter::firmware
