// SPDX-License-Identifier: MIT
#include <gtest/gtest.h>

#include "meter/app/config.h"

namespace meter::app {
namespace {

constexpr const char* kKey = "36C66639E48A8CA4D6BC8B282A793BBB";

// The original's envTemplate.tempenv, with a real key, as users have it today.
constexpr const char* kOriginalEnv = R"(DB_USER="fancyDBUser"
DB_PASSWORD="topsecret"
DB_HOST="192.168.1.20"
DB_PORT=3306
MQTT_USER="fancyMQTTUser"
MQTT_PASSWORD="topsecretButBetterDifferentThanDBPW"
MQTT_HOST="192.168.1.21"
MQTT_PORT=1883
SMARTMETER_RAWDATA_MQTT_TOPIC="sensors/smartmeter"
SMARTMETER_VALUES_MQTT_TOPIC="sensors/smartmeter/values"
SMARTMETER_DB_SCHEMA="smartmeter"
SMARTMETER_DB_TABLE="history"
SMARTMETER_KEY="36C66639E48A8CA4D6BC8B282A793BBB"
)";

Config load(const EnvMap& env) { return load_config({env}, "testhost"); }

std::string error_of(const EnvMap& env) {
  try {
    load(env);
  } catch (const ConfigError& error) {
    return error.what();
  }
  return "";
}

TEST(Config, ReadsTheOriginalServerEnvWithTheSameMeaning) {
  const Config c = load(parse_env_text(kOriginalEnv));
  EXPECT_EQ(c.storage, StorageKind::kMysql);
  EXPECT_EQ(c.db_host, "192.168.1.20");
  EXPECT_EQ(c.db_port, 3306u);
  EXPECT_EQ(c.db_user, "fancyDBUser");
  EXPECT_EQ(c.db_password, "topsecret");
  EXPECT_EQ(c.db_schema, "smartmeter");
  EXPECT_EQ(c.db_table, "history");
  EXPECT_EQ(c.mqtt_host, "192.168.1.21");
  EXPECT_EQ(c.mqtt_user, "fancyMQTTUser");
  EXPECT_EQ(c.mqtt_password, "topsecretButBetterDifferentThanDBPW");
  EXPECT_EQ(c.raw_topic, "sensors/smartmeter");
  EXPECT_EQ(c.values_topic, "sensors/smartmeter/values");
  EXPECT_EQ(c.mqtt_uri(), "tcp://192.168.1.21:1883");
  EXPECT_NE(c.keys.find(core::SystemTitle{}), nullptr);
}

TEST(Config, DefaultsNeedOnlyTheKey) {
  const Config c = load({{"SMARTMETER_KEY", kKey}});
  EXPECT_EQ(c.storage, StorageKind::kSqlite);
  EXPECT_EQ(c.sqlite_file, std::filesystem::path("data") / "smartmeter.db");
  EXPECT_EQ(c.mqtt_host, "localhost");
  EXPECT_EQ(c.mqtt_port, 1883u);
  EXPECT_EQ(c.mqtt_client_id, "smartmeter-testhost");
  EXPECT_EQ(c.raw_topic, "sensors/smartmeter");
  EXPECT_EQ(c.values_topic, "sensors/smartmeter/values");
  EXPECT_EQ(c.debounce_seconds, 300);
  EXPECT_EQ(c.subscription_topic(), "sensors/smartmeter");
}

TEST(Config, ProcessEnvironmentOverridesTheFile) {
  const Config c = load_config(
      {{{"SMARTMETER_KEY", kKey}, {"MQTT_HOST", "file-host"}}, {{"MQTT_HOST", "env-host"}}}, "h");
  EXPECT_EQ(c.mqtt_host, "env-host");
}

TEST(Config, EnvFileSyntax) {
  const EnvMap env = parse_env_text(
      "# comment\n\nexport A=1\nB = 'two words'\nC=\"x=y\"\nD=plain # trailing "
      "comment\nnoequals\n");
  EXPECT_EQ(env.at("A"), "1");
  EXPECT_EQ(env.at("B"), "two words");
  EXPECT_EQ(env.at("C"), "x=y");
  EXPECT_EQ(env.at("D"), "plain");
  EXPECT_EQ(env.count("noequals"), 0u);
}

TEST(Config, EveryInvalidSettingIsNamed) {
  const EnvMap base = {{"SMARTMETER_KEY", kKey}};
  auto with = [&](const std::string& name, const std::string& value) {
    EnvMap env = base;
    env[name] = value;
    return error_of(env);
  };
  EXPECT_NE(error_of({}).find("SMARTMETER_KEY: not set"), std::string::npos);
  EXPECT_NE(with("SMARTMETER_KEY", "1234").find("SMARTMETER_KEY: must be 32 hex digits"),
            std::string::npos);
  EXPECT_NE(with("SMARTMETER_AUTH_KEY", "zz").find("SMARTMETER_AUTH_KEY"), std::string::npos);
  EXPECT_NE(with("DB_PORT", "70000").find("DB_PORT: 70000 is outside 1..65535"), std::string::npos);
  EXPECT_NE(with("DB_PORT", "abc").find("DB_PORT: 'abc' is not a whole number"), std::string::npos);
  EXPECT_NE(with("MQTT_PORT", "0").find("MQTT_PORT"), std::string::npos);
  EXPECT_NE(with("MQTT_TLS", "maybe").find("MQTT_TLS"), std::string::npos);
  EXPECT_NE(with("DB_TLS", "2").find("DB_TLS"), std::string::npos);
  EXPECT_NE(with("SMARTMETER_STORAGE", "postgres").find("SMARTMETER_STORAGE"), std::string::npos);
  EXPECT_NE(with("SMARTMETER_STORAGE", "mysql").find("DB_HOST: required"), std::string::npos);
  EXPECT_NE(with("SMARTMETER_DB_TABLE", "history; DROP").find("SMARTMETER_DB_TABLE"),
            std::string::npos);
  EXPECT_NE(with("SMARTMETER_DB_SCHEMA", "smart meter").find("SMARTMETER_DB_SCHEMA"),
            std::string::npos);
  EXPECT_NE(with("MQTT_TLS_CA_FILE", "/no/such/ca.pem").find("MQTT_TLS_CA_FILE: '/no/such/ca.pem'"),
            std::string::npos);
  EXPECT_NE(with("DB_TLS_CA_FILE", "/").find("DB_TLS_CA_FILE: '/' is not a file"),
            std::string::npos);
  EXPECT_NE(with("SMARTMETER_DATA_DIR", "/etc/hostname").find("SMARTMETER_DATA_DIR"),
            std::string::npos);
  EXPECT_NE(with("SMARTMETER_VALUES_MQTT_TOPIC", "a/#").find("SMARTMETER_VALUES_MQTT_TOPIC"),
            std::string::npos);
  EXPECT_NE(with("SMARTMETER_STATUS_MQTT_TOPIC", "a/+/b").find("SMARTMETER_STATUS_MQTT_TOPIC"),
            std::string::npos);
  EXPECT_NE(with("SMARTMETER_SHARED_SUBSCRIPTION", "a/b").find("SMARTMETER_SHARED_SUBSCRIPTION"),
            std::string::npos);
  EXPECT_NE(with("SMARTMETER_DEBOUNCE_SECONDS", "7").find("SMARTMETER_DEBOUNCE_SECONDS"),
            std::string::npos);
  EXPECT_NE(with("SMARTMETER_DEBOUNCE_SECONDS", "700").find("divide a day"), std::string::npos);
  EXPECT_NE(with("SMARTMETER_RAW_RETENTION_DAYS", "-1").find("SMARTMETER_RAW_RETENTION_DAYS"),
            std::string::npos);
  EXPECT_NE(with("SMARTMETER_BATCH_MAX_ROWS", "0").find("SMARTMETER_BATCH_MAX_ROWS"),
            std::string::npos);
  EXPECT_NE(with("SMARTMETER_BATCH_MAX_DELAY_MS", "x").find("SMARTMETER_BATCH_MAX_DELAY_MS"),
            std::string::npos);
  EXPECT_NE(with("SMARTMETER_LOG_LEVEL", "loud").find("SMARTMETER_LOG_LEVEL"), std::string::npos);
  EXPECT_NE(with("SMARTMETER_HA_PREFIX", "home/#").find("SMARTMETER_HA_PREFIX"), std::string::npos);
  EXPECT_NE(with("SMARTMETER_HA_DISCOVERY", "perhaps").find("SMARTMETER_HA_DISCOVERY"),
            std::string::npos);
  EXPECT_NE(with("SMARTMETER_KEYS", "nonsense").find("SMARTMETER_KEYS"), std::string::npos);
  EXPECT_NE(with("SMARTMETER_KEYS", "4B464D67=" + std::string(kKey)).find("16 hex digits"),
            std::string::npos);
  EXPECT_NE(with("MQTT_CLIENT_ID", std::string(65, 'x')).find("MQTT_CLIENT_ID"), std::string::npos);
}

TEST(Config, StorageNameIgnoresCase) {
  EXPECT_EQ(load({{"SMARTMETER_KEY", kKey}, {"SMARTMETER_STORAGE", "SQLite"}}).storage,
            StorageKind::kSqlite);
  EXPECT_EQ(load({{"SMARTMETER_KEY", kKey}, {"SMARTMETER_STORAGE", "MariaDB"}, {"DB_HOST", "db"}})
                .storage,
            StorageKind::kMysql);
}

TEST(Config, TheKeyNeverAppearsInMessagesOrTheDescription) {
  const std::string bad_key = "36C66639E48A8CA4D6BC8B282A793BB";  // one digit short
  const std::string message = error_of({{"SMARTMETER_KEY", bad_key}});
  EXPECT_EQ(message.find(bad_key), std::string::npos) << message;
  const Config c = load({{"SMARTMETER_KEY", kKey}, {"DB_PASSWORD", "pw"}});
  const std::string described = describe_config(c);
  EXPECT_EQ(described.find(kKey), std::string::npos);
  EXPECT_EQ(described.find("=pw"), std::string::npos);
  EXPECT_NE(described.find("SMARTMETER_KEY=(set)"), std::string::npos);
}

TEST(Config, PerMeterKeysSelectedBySystemTitle) {
  const std::string other = "000102030405060708090A0B0C0D0E0F";
  const Config c = load({{"SMARTMETER_KEY", kKey},
                         {"SMARTMETER_KEYS", "5341475905E990F3=" + other + "/" + other +
                                                 "; 4B464D6750000881=" + kKey}});
  EXPECT_EQ(c.meter_keys, 2u);
  const core::SystemTitle sagemcom = {0x53, 0x41, 0x47, 0x59, 0x05, 0xE9, 0x90, 0xF3};
  const core::MeterKeys* keys = c.keys.find(sagemcom);
  ASSERT_NE(keys, nullptr);
  EXPECT_EQ(keys->encryption, *core::AesKey::from_hex(other));
  EXPECT_TRUE(keys->authentication.has_value());
  const core::SystemTitle unknown = {1, 2, 3, 4, 5, 6, 7, 8};
  EXPECT_EQ(c.keys.find(unknown)->encryption, *core::AesKey::from_hex(kKey));
}

TEST(Config, SharedSubscriptionTopic) {
  const Config c = load({{"SMARTMETER_KEY", kKey}, {"SMARTMETER_SHARED_SUBSCRIPTION", "decoders"}});
  EXPECT_EQ(c.subscription_topic(), "$share/decoders/sensors/smartmeter");
}

}  // namespace
}  // namespace meter::app
