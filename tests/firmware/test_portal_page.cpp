// SPDX-License-Identifier: MIT
#include "portal_page.h"

#include <gtest/gtest.h>

#include <cstring>
#include <string>

namespace meter::firmware {
namespace {

DeviceConfig configured() {
  DeviceConfig config;
  set_defaults(&config);
  const char text[] =
      "WIFI_SSID=\"<home> & \\\"garden\\\"\"\nWIFI_PASSWORD=wifi-secret\nMQTT_HOST=broker\n"
      "MQTT_PASSWORD=mqtt-secret\n";
  EXPECT_EQ(parse_config(text, sizeof text - 1, &config).error, ConfigError::kNone);
  return config;
}

std::string render(const DeviceConfig& config, const char* message) {
  std::string page(kPortalPageCapacity, '\0');
  const std::size_t length = render_portal_page(config, message, page.data(), page.size());
  EXPECT_GT(length, 0u);
  page.resize(length);
  return page;
}

TEST(PortalPage, HasAnInputForEveryKeyAndPostsToSave) {
  const std::string page = render(configured(), "");
  EXPECT_NE(page.find("<form method=\"post\" action=\"/save\">"), std::string::npos);
  for (std::size_t i = 0; i < config_field_count(); ++i) {
    const std::string name = std::string("name=\"") + config_field(i).key + "\"";
    EXPECT_NE(page.find(name), std::string::npos) << name;
  }
  EXPECT_NE(page.find("value=\"broker\""), std::string::npos);
  EXPECT_NE(page.find("value=\"1883\""), std::string::npos);
}

TEST(PortalPage, StoredSecretsAreNeverSentToTheBrowser) {
  const std::string page = render(configured(), "");
  EXPECT_EQ(page.find("wifi-secret"), std::string::npos);
  EXPECT_EQ(page.find("mqtt-secret"), std::string::npos);
  EXPECT_NE(page.find("stored (leave empty to keep)"), std::string::npos);
}

TEST(PortalPage, ValuesAndMessageAreHtmlEscaped) {
  const std::string page = render(configured(), "MQTT_HOST: <b>invalid</b>");
  EXPECT_NE(page.find("value=\"&lt;home&gt; &amp; &quot;garden&quot;\""), std::string::npos);
  EXPECT_NE(page.find("MQTT_HOST: &lt;b&gt;invalid&lt;/b&gt;"), std::string::npos);
  EXPECT_EQ(page.find("<home>"), std::string::npos);
}

TEST(PortalPage, LongestEscapedConfigFitsTheDocumentedCapacity) {
  DeviceConfig config;
  set_defaults(&config);
  for (std::size_t i = 0; i < config_field_count(); ++i) {
    const ConfigField& field = config_field(i);
    if (field.kind != FieldKind::kText) continue;
    const std::string quotes(field.capacity - 1, '"');  // escapes to 6 bytes each
    ASSERT_EQ(set_config_value(&config, field.key, quotes.data(), quotes.size()),
              ConfigError::kNone);
  }
  render(config, "a message");
}

TEST(PortalPage, EmptySecretFieldKeepsTheStoredSecretAndOthersAreReplaced) {
  DeviceConfig config = configured();
  const ConfigField& password = *find_config_field("WIFI_PASSWORD");
  const ConfigField& host = *find_config_field("MQTT_HOST");
  EXPECT_EQ(apply_portal_field(&config, password, "", 0), ConfigError::kNone);
  EXPECT_STREQ(config.wifi_password, "wifi-secret");
  EXPECT_EQ(apply_portal_field(&config, password, "new", 3), ConfigError::kNone);
  EXPECT_STREQ(config.wifi_password, "new");
  EXPECT_EQ(apply_portal_field(&config, host, "", 0), ConfigError::kNone);
  EXPECT_STREQ(config.mqtt_host, "");
  const ConfigField& port = *find_config_field("MQTT_PORT");
  EXPECT_EQ(apply_portal_field(&config, port, "abc", 3), ConfigError::kBadValue);
}

}  // namespace
}  // namespace meter::firmware
