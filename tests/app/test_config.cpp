// SPDX-License-Identifier: MIT
#include <gtest/gtest.h>
#include <stdlib.h>

#include <algorithm>

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
Config load_file(const std::string& text) {
  return load_config({parse_env_text(text, "server.env")}, "testhost");
}

std::string error_of(const EnvMap& env) {
  try {
    load(env);
  } catch (const ConfigError& error) {
    return error.what();
  }
  return "";
}

TEST(Config, ReadsTheOriginalServerEnvWithTheSameMeaning) {
  const Config c = load_file(kOriginalEnv);
  EXPECT_EQ(c.warnings, std::vector<std::string>{});
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
  const SettingsLayer env = parse_env_text(
      "# comment\n\nexport A=1\nB = 'two words'\nC=\"x=y\"\nD=plain # trailing comment\n"
      "E=\"quoted\" # comment\nF= # only a comment\nG=\r\n",
      "server.env");
  EXPECT_EQ(env.at("A").value, "1");
  EXPECT_EQ(env.at("B").value, "two words");
  EXPECT_EQ(env.at("C").value, "x=y");
  EXPECT_EQ(env.at("D").value, "plain");
  EXPECT_EQ(env.at("E").value, "quoted");
  EXPECT_EQ(env.at("F").value, "");
  EXPECT_EQ(env.at("G").value, "");
  EXPECT_EQ(env.at("A").origin, "server.env line 3");
  EXPECT_EQ(env.at("G").origin, "server.env line 9");
  // An editor's byte order mark before the first name is not part of it.
  EXPECT_EQ(parse_env_text("\xEF\xBB\xBFSMARTMETER_KEY=x\n", "f").count("SMARTMETER_KEY"), 1u);
}

std::string file_error_of(const std::string& text) {
  try {
    load_file(text);
  } catch (const ConfigError& error) {
    return error.what();
  }
  return "";
}

const std::string kKeyLine = std::string("SMARTMETER_KEY=") + kKey + "\n";

TEST(Config, ALineWithoutEqualsIsAnErrorNamingFileAndLine) {
  // A setting's name followed by its value without '=': named, the value is not repeated.
  const std::string message =
      file_error_of("# settings\nMQTT_HOST=broker\nSMARTMETER_KEY " + std::string(kKey) + "\n");
  EXPECT_EQ(message, "server.env line 3: SMARTMETER_KEY has no '=' (write SMARTMETER_KEY=VALUE)");
  EXPECT_EQ(file_error_of(kKeyLine + "some words\n"), "server.env line 2: not NAME=VALUE (no '=')");
  EXPECT_EQ(file_error_of(kKeyLine + kKey + "\n").find(kKey), std::string::npos);
}

TEST(Config, MalformedNamesAndQuotesAreErrorsNamingTheLine) {
  EXPECT_EQ(file_error_of(kKeyLine + "MQTT HOST=broker\n"),
            "server.env line 2: the name before '=' is not a name (letters, digits and _)");
  EXPECT_EQ(file_error_of(kKeyLine + "=broker\n").rfind("server.env line 2: ", 0), 0u);
  EXPECT_EQ(file_error_of(kKeyLine + "MQTT_PASSWORD=\"secret\n"),
            "server.env line 2: MQTT_PASSWORD: the value's opening quote is not closed");
  EXPECT_EQ(file_error_of(kKeyLine + "MQTT_PASSWORD='se'cret\n"),
            "server.env line 2: MQTT_PASSWORD: text after the closing quote");
}

TEST(Config, ANameGivenTwiceInTheFileIsAnError) {
  EXPECT_EQ(file_error_of(kKeyLine + "MQTT_HOST=a\n\n" + kKeyLine),
            "server.env line 4: SMARTMETER_KEY is set twice (first on line 1); keep one");
  try {
    load_file(kKeyLine + "MQTT_PORT=1883\nMQTT_PORT=1884\n");
    ADD_FAILURE() << "a duplicate was accepted";
  } catch (const ConfigError& error) {
    EXPECT_EQ(error.setting(), "MQTT_PORT");
  }
}

TEST(Config, AMisspeltNameWarnsWithTheClosestKnownName) {
  const Config c = load_file(kKeyLine + "SMARTMETER_KEYY=" + kKey + "\nMQTT_HOTS=broker\n" +
                             "db_host=db\nSMARTMETR_DEBOUNCE_SECONDS=60\nMQTT_KEEPALIVE=30\n" +
                             "TZ=Europe/Vienna\nSMARTMETER_ENV_FILE=x\n");
  // Each message is one literal split over two lines, not a missing comma.
  // NOLINTBEGIN(bugprone-suspicious-missing-comma)
  EXPECT_EQ(c.warnings,
            (std::vector<std::string>{
                "MQTT_HOTS (server.env line 3) is not a setting and is ignored; did you mean "
                "MQTT_HOST?",
                "MQTT_KEEPALIVE (server.env line 6) is not a setting and is ignored; the settings "
                "are listed in docs/settings.md",
                "SMARTMETER_KEYY (server.env line 2) is not a setting and is ignored; did you mean "
                "SMARTMETER_KEY?",
                "SMARTMETR_DEBOUNCE_SECONDS (server.env line 5) is not a setting and is ignored; "
                "did you mean SMARTMETER_DEBOUNCE_SECONDS?",
                "db_host (server.env line 4) is not a setting and is ignored; did you mean "
                "DB_HOST?",
            }));
  // NOLINTEND(bugprone-suspicious-missing-comma)
  EXPECT_EQ(c.mqtt_host, "localhost") << "a misspelt setting must not take effect";
  EXPECT_EQ(c.storage, StorageKind::kSqlite);
}

TEST(Config, AMisspeltNameInTheProcessEnvironmentWarnsToo) {
  ::setenv("MQTT_PASSWROD", "x", 1);
  ::setenv("SMARTMETER_KEY", kKey, 1);
  const SettingsLayer env = process_environment();
  ::unsetenv("MQTT_PASSWROD");
  ::unsetenv("SMARTMETER_KEY");
  ASSERT_EQ(env.count("MQTT_PASSWROD"), 1u);
  EXPECT_EQ(env.at("SMARTMETER_KEY").origin, "environment");
  EXPECT_EQ(env.count("PATH"), 0u) << "only names that are or look like settings";
  const Config c = load_config({env}, "h");
  EXPECT_NE(std::find(c.warnings.begin(), c.warnings.end(),
                      "MQTT_PASSWROD (environment) is not a setting and is ignored; did you "
                      "mean MQTT_PASSWORD?"),
            c.warnings.end());
}

TEST(Config, AMissingSettingNamesTheMisspeltOneThatWasMeantToSetIt) {
  EXPECT_EQ(file_error_of(std::string("SMARTMETER_KEYY=") + kKey + "\n"),
            "invalid setting SMARTMETER_KEY: not set: put the 32-hex-digit key from your grid "
            "operator in server.env; SMARTMETER_KEYY (server.env line 1) is not a setting: "
            "misspelt?");
  EXPECT_NE(file_error_of(kKeyLine + "SMARTMETER_STORAGE=mysql\nDB_HOTS=db\n")
                .find("DB_HOST: required when SMARTMETER_STORAGE=mysql; DB_HOTS (server.env "
                      "line 3)"),
            std::string::npos);
}

TEST(Config, AnInvalidValueNamesWhereItCameFrom) {
  EXPECT_EQ(file_error_of(kKeyLine + "MQTT_PORT=abc\n"),
            "invalid setting MQTT_PORT: 'abc' is not a whole number (server.env line 2)");
  try {
    load_config({parse_env_text(kKeyLine + "MQTT_PORT=1883\n", "server.env"),
                 {{"MQTT_PORT", {"99999", "environment"}}}},
                "h");
    ADD_FAILURE() << "accepted";
  } catch (const ConfigError& error) {
    EXPECT_STREQ(error.what(),
                 "invalid setting MQTT_PORT: 99999 is outside 1..65535 (environment)");
  }
}

TEST(Config, TheSameSystemTitleWithTwoKeysIsAnError) {
  const std::string other = "000102030405060708090A0B0C0D0E0F";
  const std::string message =
      error_of({{"SMARTMETER_KEY", kKey},
                {"SMARTMETER_KEYS", "4B464D6750000009=" + other + ", 5341475905E990F3=" + other +
                                        "; 4b464d6750000009=" + std::string(kKey)}});
  EXPECT_NE(message.find("SMARTMETER_KEYS: entries 1 and 3 are both for system title "
                         "4b464d6750000009 with different keys"),
            std::string::npos)
      << message;
  EXPECT_EQ(message.find(other), std::string::npos) << "keys are never shown";
  EXPECT_EQ(message.find(kKey), std::string::npos) << "keys are never shown";
  // Only the authentication key differs: still two keys for one meter.
  EXPECT_NE(error_of({{"SMARTMETER_KEY", kKey},
                      {"SMARTMETER_KEYS",
                       "4B464D6750000009=" + other + "/" + other + ",4B464D6750000009=" + other}})
                .find("with different keys"),
            std::string::npos);
}

// A title repeated with the same key is a harmless copy: kept once, with a warning, because
// refusing to start over it would gain nothing.
TEST(Config, TheSameSystemTitleWithTheSameKeyTwiceIsKeptOnceWithAWarning) {
  const std::string entry = "4B464D6750000009=" + std::string(kKey);
  const Config c = load({{"SMARTMETER_KEYS", entry + "," + entry}});
  EXPECT_EQ(c.meter_keys, 1u);
  EXPECT_EQ(c.warnings,
            std::vector<std::string>{"SMARTMETER_KEYS: entries 1 and 2 are both for system title "
                                     "4B464D6750000009 with the same key; one is enough"});
}

TEST(Config, AddressesAreChecked) {
  // The address's syntax only: who may connect is NonLoopbackNeedsCredentialsOrTheOptOut.
  const EnvMap base = {{"SMARTMETER_KEY", kKey}, {"SMARTMETER_HTTP_ALLOW_UNAUTHENTICATED", "1"}};
  auto with = [&](const std::string& name, const std::string& value) {
    EnvMap env = base;
    env[name] = value;
    return error_of(env);
  };
  const std::vector<std::pair<std::string, std::string>> bad = {
      {"SMARTMETER_HTTP_LISTEN", "999.1.1.1:80"},     // not an IPv4 address
      {"SMARTMETER_HTTP_LISTEN", "1.2.3:80"},         // three numbers
      {"SMARTMETER_HTTP_LISTEN", "127.0.0.1:65536"},  // port
      {"SMARTMETER_HTTP_LISTEN", "127.0.0.1:-1"},
      {"SMARTMETER_HTTP_LISTEN", "127.0.0.1"},       // no port
      {"SMARTMETER_HTTP_LISTEN", "::1:8080"},        // IPv6 without brackets
      {"SMARTMETER_HTTP_LISTEN", "[localhost]:80"},  // brackets around a name
      {"SMARTMETER_HTTP_LISTEN", "[::g]:80"},
      {"SMARTMETER_HTTP_LISTEN", "exa mple:80"},
      {"SMARTMETER_HTTP_LISTEN", "-host:80"},
      {"MQTT_HOST", "tcp://broker"},
      {"MQTT_HOST", "broker:1883"},
      {"MQTT_HOST", "broker..lan"},
      {"MQTT_HOST", "256.0.0.1"},
      {"MQTT_HOST", std::string(64, 'a') + ".lan"},  // a label longer than 63
      {"MQTT_HOST", "broker/"},
      {"DB_HOST", "db:3306"},
      {"DB_HOST", "db host"},
      {"DB_HOST", "10.0.0.300"},
  };
  for (const auto& [name, value] : bad) {
    const std::string message = with(name, value);
    EXPECT_NE(message.find("invalid setting " + name + ": "), std::string::npos)
        << name << "=" << value << " accepted: " << message;
  }
  EXPECT_NE(with("SMARTMETER_HTTP_LISTEN", "999.1.1.1:80").find("'999.1.1.1' is not an IPv4"),
            std::string::npos);
  EXPECT_NE(with("DB_HOST", "db:3306").find("the port goes in DB_PORT"), std::string::npos);
  EXPECT_NE(with("MQTT_HOST", "broker:1883").find("the port goes in MQTT_PORT"), std::string::npos);

  const std::vector<std::pair<std::string, std::string>> good = {
      {"SMARTMETER_HTTP_LISTEN", "0.0.0.0:0"},
      {"SMARTMETER_HTTP_LISTEN", "[::]:65535"},
      {"SMARTMETER_HTTP_LISTEN", "[::1]:8080"},
      {"SMARTMETER_HTTP_LISTEN", "localhost:80"},
      {"SMARTMETER_HTTP_LISTEN", "off"},
      {"MQTT_HOST", "mqtt_broker"},
      {"MQTT_HOST", "broker.home.arpa."},
      {"MQTT_HOST", "fd00::1"},
      {"MQTT_HOST", "[fd00::1]"},
      {"MQTT_HOST", "192.168.1.21"},
      {"DB_HOST", "mariadb-1.lan"},
      {"DB_HOST", "1e100.net"},
  };
  for (const auto& [name, value] : good) {
    EXPECT_EQ(with(name, value), "") << name << "=" << value;
  }
  const Config v6 = load({{"SMARTMETER_KEY", kKey}, {"MQTT_HOST", "[fd00::1]"}});
  EXPECT_EQ(v6.mqtt_host, "fd00::1");
  EXPECT_EQ(v6.mqtt_uri(), "tcp://[fd00::1]:1883");
}

TEST(Config, PrintConfigSaysWhereEachValueCameFrom) {
  const Config c =
      load_config({parse_env_text(kKeyLine + "MQTT_HOST=file-host\nMQTT_PORT=1884\n",
                                  "/etc/smartmeter/server.env"),
                   {{"MQTT_PORT", {"1885", "environment"}}, {"DB_PASSWORD", {"pw", "environment"}}},
                   {{"MQTT_USER", {"flag-user", "flag --user"}}}},
                  "h");
  const std::string described = describe_config(c);
  for (const char* line : {
           "SMARTMETER_KEY=(set)  # /etc/smartmeter/server.env line 1\n",
           "MQTT_HOST=file-host  # /etc/smartmeter/server.env line 2\n",
           "MQTT_PORT=1885  # environment\n",
           "MQTT_USER=flag-user  # flag --user\n",
           "MQTT_TLS=0  # default\n",
           "SMARTMETER_DEBOUNCE_SECONDS=300  # default\n",
       }) {
    EXPECT_NE(described.find(line), std::string::npos) << "no line " << line << described;
  }
  EXPECT_EQ(described.find("pw"), std::string::npos);
  // Every line says where its value came from.
  std::istringstream lines(described);
  for (std::string line; std::getline(lines, line);) {
    EXPECT_NE(line.find("  # "), std::string::npos) << line;
  }
}

// `simulate` and `stats` read the same settings but decrypt nothing: no key needed, and no
// placeholder key stands in for one.
TEST(Config, CommandsThatDecryptNothingNeedNoKey) {
  const Config c = load_config(std::vector<EnvMap>{{{"MQTT_HOST", "broker"}}}, "h",
                               {.command = Command::kStats});
  EXPECT_TRUE(c.keys.empty());
  EXPECT_EQ(c.mqtt_host, "broker");
  EXPECT_EQ(describe_config(c).find("SMARTMETER_KEY=(set)"), std::string::npos);
  EXPECT_THROW(load_config(std::vector<EnvMap>{{{"SMARTMETER_KEY", "1234"}}}, "h",
                           {.command = Command::kStats}),
               ConfigError)
      << "a key that is given is still checked";
  EXPECT_THROW(load_config(std::vector<EnvMap>{{{"MQTT_HOST", "broker"}}}, "h"), ConfigError);
  EXPECT_THROW(load_config(std::vector<EnvMap>{{{"MQTT_HOST", "broker"}}}, "h",
                           {.command = Command::kReplay}),
               ConfigError);
  const Config simulate =
      load_config(std::vector<EnvMap>{{{"SMARTMETER_KEY", "00112233445566778899AABBCCDDEEFF"}}},
                  "h", {.command = Command::kSimulate});
  EXPECT_TRUE(simulate.keys.empty()) << "a command that decrypts nothing keeps no key";
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

TEST(Config, SerialInputIsOffByDefaultAndEvnsFormatIsTheDefault) {
  const Config c = load({{"SMARTMETER_KEY", kKey}});
  EXPECT_EQ(c.serial_device, "");
  EXPECT_EQ(c.serial_format.text(), "2400 8E1");
}

TEST(Config, SerialDeviceAndFormatAreRead) {
  const Config c = load({{"SMARTMETER_KEY", kKey},
                         {"SMARTMETER_SERIAL", "/dev/ttyUSB0"},
                         {"SMARTMETER_SERIAL_FORMAT", "9600 8n1"}});
  EXPECT_EQ(c.serial_device, "/dev/ttyUSB0");
  EXPECT_EQ(c.serial_format.baud, 9600u);
  EXPECT_EQ(c.serial_format.data_bits, 8u);
  EXPECT_EQ(c.serial_format.parity, 'N');
  EXPECT_EQ(c.serial_format.stop_bits, 1u);
  EXPECT_NE(describe_config(c).find("SMARTMETER_SERIAL=/dev/ttyUSB0  # environment"),
            std::string::npos);
  EXPECT_NE(describe_config(c).find("SMARTMETER_SERIAL_FORMAT=9600 8N1  # environment"),
            std::string::npos);
}

TEST(Config, ValuesArePublishedForEveryTelegramUnlessAnIntervalIsSet) {
  const Config every = load({{"SMARTMETER_KEY", kKey}});
  EXPECT_EQ(every.values_publish_interval_seconds, 0);
  EXPECT_EQ(every.values_publish_mode, ValuesPublishMode::kLast);
  const Config mean = load({{"SMARTMETER_KEY", kKey},
                            {"SMARTMETER_VALUES_PUBLISH_INTERVAL", "60"},
                            {"SMARTMETER_VALUES_PUBLISH_MODE", "mean"}});
  EXPECT_EQ(mean.values_publish_interval_seconds, 60);
  EXPECT_EQ(mean.values_publish_mode, ValuesPublishMode::kMean);
  EXPECT_NE(describe_config(mean).find("SMARTMETER_VALUES_PUBLISH_MODE=mean  # environment"),
            std::string::npos);
}

TEST(Config, BadPublishRateSettingsAreNamed) {
  const auto with = [](EnvMap env) {
    env["SMARTMETER_KEY"] = kKey;
    return error_of(env);
  };
  EXPECT_NE(with({{"SMARTMETER_VALUES_PUBLISH_INTERVAL", "-5"}})
                .find("SMARTMETER_VALUES_PUBLISH_INTERVAL: -5 is outside 0..86400"),
            std::string::npos);
  EXPECT_NE(with({{"SMARTMETER_VALUES_PUBLISH_INTERVAL", "1m"}})
                .find("SMARTMETER_VALUES_PUBLISH_INTERVAL: '1m' is not a whole number"),
            std::string::npos);
  EXPECT_NE(with({{"SMARTMETER_VALUES_PUBLISH_INTERVAL", "60"},
                  {"SMARTMETER_VALUES_PUBLISH_MODE", "average"}})
                .find("SMARTMETER_VALUES_PUBLISH_MODE: 'average' is not last"),
            std::string::npos);
  EXPECT_NE(with({{"SMARTMETER_VALUES_PUBLISH_MODE", "mean"}})
                .find("SMARTMETER_VALUES_PUBLISH_MODE: mean needs a window"),
            std::string::npos);
}

TEST(Config, AMalformedSerialFormatIsAnErrorNamingTheSetting) {
  for (const char* bad :
       {"2400", "2400 8X1", "2401 8E1", "2400 9E1", "2400 8E3", "8E1 2400", "2400 8E1 extra"}) {
    const std::string error =
        error_of({{"SMARTMETER_KEY", kKey}, {"SMARTMETER_SERIAL_FORMAT", bad}});
    EXPECT_NE(error.find("SMARTMETER_SERIAL_FORMAT"), std::string::npos) << bad << ": " << error;
  }
  EXPECT_TRUE(parse_serial_format("2400 7O2").has_value());
}

TEST(Config, AMisspeltSerialSettingIsNamed) {
  const Config c = load({{"SMARTMETER_KEY", kKey}, {"SMARTMETER_SERIALL", "/dev/ttyUSB0"}});
  ASSERT_FALSE(c.warnings.empty());
  EXPECT_NE(c.warnings.front().find("SMARTMETER_SERIAL"), std::string::npos) << c.warnings.front();
}

TEST(Config, PriceSettings) {
  const std::string key = kKey;
  Config c = load({{"SMARTMETER_KEY", key}});
  EXPECT_EQ(c.prices_source, "none");
  EXPECT_EQ(c.prices_market, "AT");
  EXPECT_EQ(c.prices_fetch_minute, 14 * 60);
  c = load({{"SMARTMETER_KEY", key},
            {"SMARTMETER_PRICES_SOURCE", "smartenergy"},
            {"SMARTMETER_PRICES_URL", "http://127.0.0.1:9/mirror"},
            {"SMARTMETER_PRICES_MARKET", "DE"},
            {"SMARTMETER_PRICES_FETCH_AT", "13:30"}});
  EXPECT_EQ(c.prices_source, "smartenergy");
  EXPECT_EQ(c.prices_url, "http://127.0.0.1:9/mirror");
  EXPECT_EQ(c.prices_market, "DE");
  EXPECT_EQ(c.prices_fetch_minute, 13 * 60 + 30);
  EXPECT_NE(describe_config(c).find("SMARTMETER_PRICES_FETCH_AT=13:30"), std::string::npos)
      << describe_config(c);
  EXPECT_EQ(error_of({{"SMARTMETER_KEY", key}, {"SMARTMETER_PRICES_SOURCE", "tibber"}}),
            "invalid setting SMARTMETER_PRICES_SOURCE: 'tibber' is not none, awattar or "
            "smartenergy (environment)");
  EXPECT_EQ(error_of({{"SMARTMETER_KEY", key}, {"SMARTMETER_PRICES_URL", "api.awattar.at"}}),
            "invalid setting SMARTMETER_PRICES_URL: 'api.awattar.at' is not an http(s):// URL "
            "(environment)");
  EXPECT_EQ(error_of({{"SMARTMETER_KEY", key}, {"SMARTMETER_PRICES_FETCH_AT", "25:00"}}),
            "invalid setting SMARTMETER_PRICES_FETCH_AT: '25:00' is not a local time HH:MM "
            "(environment)");
}

}  // namespace
}  // namespace meter::app

namespace meter::app {
namespace {

TEST(Config, NonLoopbackNeedsCredentialsOrTheOptOut) {
  const std::string hash = "'$argon2id$v=19$m=65536,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo'";
  const auto error = [](const EnvMap& env, Command command = Command::kRun) {
    try {
      load_config(std::vector<EnvMap>{env}, "host", LoadOptions{command});
      return std::string();
    } catch (const ConfigError& e) {
      return std::string(e.what());
    }
  };
  for (const char* loopback : {"127.0.0.1:8080", "127.1.2.3:0", "[::1]:8080", "localhost:80"}) {
    EXPECT_EQ(error({{"SMARTMETER_KEY", kKey}, {"SMARTMETER_HTTP_LISTEN", loopback}}), "")
        << loopback;
  }
  for (const char* open : {"0.0.0.0:8080", "[::]:8080", "192.168.1.20:8080", "meter.lan:80"}) {
    const std::string refused = error({{"SMARTMETER_KEY", kKey}, {"SMARTMETER_HTTP_LISTEN", open}});
    EXPECT_NE(refused.find("SMARTMETER_HTTP_LISTEN"), std::string::npos) << open;
    EXPECT_NE(refused.find("smartmeter passwd"), std::string::npos) << refused;
    EXPECT_NE(refused.find("SMARTMETER_HTTP_ALLOW_UNAUTHENTICATED=1"), std::string::npos);
    EXPECT_EQ(error({{"SMARTMETER_KEY", kKey},
                     {"SMARTMETER_HTTP_LISTEN", open},
                     {"SMARTMETER_HTTP_ALLOW_UNAUTHENTICATED", "1"}}),
              "");
    EXPECT_EQ(error({{"SMARTMETER_KEY", kKey},
                     {"SMARTMETER_HTTP_LISTEN", open},
                     {"SMARTMETER_HTTP_TOKEN_SHA256", std::string(64, 'a')}}),
              "");
    // Only `run` serves HTTP.
    EXPECT_EQ(error({{"SMARTMETER_HTTP_LISTEN", open}}, Command::kStats), "");
  }
  EXPECT_EQ(error({{"SMARTMETER_KEY", kKey},
                   {"SMARTMETER_HTTP_LISTEN", "0.0.0.0:8080"},
                   {"SMARTMETER_HTTP_PASSWORD_HASH", hash.substr(1, hash.size() - 2)}}),
            "");
  // A password pasted in place of its hash, a token in place of its SHA-256: refused, not shown.
  const std::string plain =
      error({{"SMARTMETER_KEY", kKey}, {"SMARTMETER_HTTP_PASSWORD_HASH", "hunter2hunter2"}});
  EXPECT_NE(plain.find("smartmeter passwd"), std::string::npos) << plain;
  EXPECT_EQ(plain.find("hunter2"), std::string::npos) << plain;
  const std::string token =
      error({{"SMARTMETER_KEY", kKey}, {"SMARTMETER_HTTP_TOKEN_SHA256", "my-secret-token"}});
  EXPECT_NE(token.find("--token"), std::string::npos) << token;
  EXPECT_EQ(token.find("my-secret-token"), std::string::npos) << token;
  EXPECT_NE(
      error({{"SMARTMETER_KEY", kKey}, {"SMARTMETER_HTTP_TLS_CERT", "/etc/hosts"}}).find("both"),
      std::string::npos);
}

TEST(Config, OperatorProfileGivesTheSerialLineAndTheLayout) {
  const Config wien = load({{"SMARTMETER_KEY", kKey}, {"SMARTMETER_OPERATOR", "wiener-netze"}});
  ASSERT_NE(wien.operator_profile, nullptr);
  EXPECT_STREQ(wien.operator_profile->id, "wiener-netze");
  EXPECT_EQ(wien.serial_format.text(), "9600 8N1");
  EXPECT_EQ(wien.decoder_options().layout, core::ProviderLayout::kWienerNetze);
  EXPECT_NE(describe_config(wien).find("SMARTMETER_OPERATOR=wiener-netze  # environment"),
            std::string::npos);

  const Config graz =
      load({{"SMARTMETER_KEY", kKey}, {"SMARTMETER_OPERATOR", "energienetze-steiermark"}});
  EXPECT_EQ(graz.serial_format.text(), "115200 8N1");
  EXPECT_EQ(graz.decoder_options().layout, core::ProviderLayout::kAuto);

  const Config none = load({{"SMARTMETER_KEY", kKey}});
  EXPECT_EQ(none.operator_profile, nullptr);
  EXPECT_EQ(none.decoder_options().layout, core::ProviderLayout::kAuto);
}

TEST(Config, ExplicitSerialFormatWinsOverTheOperatorProfile) {
  const Config c = load({{"SMARTMETER_KEY", kKey},
                         {"SMARTMETER_OPERATOR", "evn"},
                         {"SMARTMETER_SERIAL_FORMAT", "2400 8N1"}});
  EXPECT_EQ(c.serial_format.text(), "2400 8N1");
  EXPECT_STREQ(c.operator_profile->id, "evn");
}

TEST(Config, UnknownOperatorListsTheValidOnes) {
  const std::string error =
      error_of({{"SMARTMETER_KEY", kKey}, {"SMARTMETER_OPERATOR", "wienernetze"}});
  EXPECT_NE(error.find("SMARTMETER_OPERATOR"), std::string::npos) << error;
  EXPECT_NE(error.find("'wienernetze' is not a known operator"), std::string::npos) << error;
  for (const char* id : {"evn", "wiener-netze", "netz-burgenland", "linz-netz", "netz-ooe"}) {
    EXPECT_NE(error.find(id), std::string::npos) << id << ": " << error;
  }
}

}  // namespace
}  // namespace meter::app
