// SPDX-License-Identifier: MIT
// Settings as the user meets them: `smartmeter run --env FILE` with one invalid setting exits
// with status 2 and one line on stderr naming that setting, at once, before it connects anywhere
// (the broker and the database "servers" here are sockets that only count connection attempts).
// `--print-config` masks every secret and says where each value came from. A typo in the file's
// syntax is such an error naming the file and line; a misspelt name is a warning naming the
// closest setting, and the service still runs.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <functional>
#include <thread>

#include "it_fixture.h"

namespace meter::it {
namespace {

using std::chrono::seconds;

// A TCP socket on 127.0.0.1 that accepts nothing by itself: counts who tried to connect.
class CountingListener {
 public:
  CountingListener() {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = 0;
    if (fd_ < 0 || ::bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
        ::listen(fd_, 64) != 0) {
      throw std::runtime_error("cannot listen on 127.0.0.1");
    }
    socklen_t length = sizeof address;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length);
    port_ = ntohs(address.sin_port);
    ::fcntl(fd_, F_SETFL, O_NONBLOCK);
  }
  ~CountingListener() { ::close(fd_); }
  CountingListener(const CountingListener&) = delete;
  CountingListener& operator=(const CountingListener&) = delete;

  unsigned port() const { return port_; }
  // Connections made so far (accepted and closed here).
  int connections() {
    for (;;) {
      const int client = ::accept(fd_, nullptr, nullptr);
      if (client < 0) break;
      ::close(client);
      ++connections_;
    }
    return connections_;
  }

 private:
  int fd_ = -1;
  unsigned port_ = 0;
  int connections_ = 0;
};

struct InvalidCase {
  const char* name;
  const char* setting;  // must be named on stderr
  std::function<void(std::map<std::string, std::string>&)> change;
};

auto set(const char* name, const std::string& value) {
  return [name, value](std::map<std::string, std::string>& env) { env[name] = value; };
}

const std::string kBadKey = "36C66639E48A8CA4D6BC8B282A793BB";  // one digit short

const InvalidCase kInvalid[] = {
    {"KeyMissing", "SMARTMETER_KEY", [](auto& env) { env.erase("SMARTMETER_KEY"); }},
    {"KeyTooShort", "SMARTMETER_KEY", set("SMARTMETER_KEY", kBadKey)},
    {"KeyNotHex", "SMARTMETER_KEY", set("SMARTMETER_KEY", "36C66639E48A8CA4D6BC8B282A793BBZ")},
    {"AuthKeyNotHex", "SMARTMETER_AUTH_KEY", set("SMARTMETER_AUTH_KEY", "zz")},
    {"MeterKeysNoEquals", "SMARTMETER_KEYS", set("SMARTMETER_KEYS", "nonsense")},
    {"MeterKeysShortTitle", "SMARTMETER_KEYS",
     set("SMARTMETER_KEYS", std::string("4B464D67=") + kKey)},
    {"MeterKeysBadKey", "SMARTMETER_KEYS", set("SMARTMETER_KEYS", "4B464D6750000001=1234")},
    {"DbPortTooBig", "DB_PORT", set("DB_PORT", "70000")},
    {"DbPortNotANumber", "DB_PORT", set("DB_PORT", "abc")},
    {"DbPortZero", "DB_PORT", set("DB_PORT", "0")},
    {"MqttPortZero", "MQTT_PORT", set("MQTT_PORT", "0")},
    {"MqttPortTrailingText", "MQTT_PORT", set("MQTT_PORT", "1883x")},
    {"MqttTlsNotAFlag", "MQTT_TLS", set("MQTT_TLS", "maybe")},
    {"DbTlsNotAFlag", "DB_TLS", set("DB_TLS", "2")},
    {"StorageUnknown", "SMARTMETER_STORAGE", set("SMARTMETER_STORAGE", "postgres")},
    {"StorageMysqlWithoutHost", "DB_HOST",
     [](auto& env) {
       env.erase("DB_HOST");
       env["SMARTMETER_STORAGE"] = "mysql";
     }},
    {"TableNameInjection", "SMARTMETER_DB_TABLE", set("SMARTMETER_DB_TABLE", "history; DROP")},
    {"TableNameTooLong", "SMARTMETER_DB_TABLE", set("SMARTMETER_DB_TABLE", std::string(49, 'h'))},
    {"SchemaNameDash", "SMARTMETER_DB_SCHEMA", set("SMARTMETER_DB_SCHEMA", "smart-meter")},
    {"RawTopicTooLong", "SMARTMETER_RAWDATA_MQTT_TOPIC",
     set("SMARTMETER_RAWDATA_MQTT_TOPIC", std::string(1025, 't'))},
    {"ValuesTopicWildcard", "SMARTMETER_VALUES_MQTT_TOPIC",
     set("SMARTMETER_VALUES_MQTT_TOPIC", "a/#")},
    {"StatusTopicWildcard", "SMARTMETER_STATUS_MQTT_TOPIC",
     set("SMARTMETER_STATUS_MQTT_TOPIC", "a/+/b")},
    {"SharedSubscriptionSlash", "SMARTMETER_SHARED_SUBSCRIPTION",
     set("SMARTMETER_SHARED_SUBSCRIPTION", "a/b")},
    {"DebounceTooShort", "SMARTMETER_DEBOUNCE_SECONDS", set("SMARTMETER_DEBOUNCE_SECONDS", "7")},
    {"DebounceNotDividingADay", "SMARTMETER_DEBOUNCE_SECONDS",
     set("SMARTMETER_DEBOUNCE_SECONDS", "700")},
    {"DebounceLongerThanADay", "SMARTMETER_DEBOUNCE_SECONDS",
     set("SMARTMETER_DEBOUNCE_SECONDS", "86401")},
    {"RetentionNegative", "SMARTMETER_RAW_RETENTION_DAYS",
     set("SMARTMETER_RAW_RETENTION_DAYS", "-1")},
    {"BatchRowsZero", "SMARTMETER_BATCH_MAX_ROWS", set("SMARTMETER_BATCH_MAX_ROWS", "0")},
    {"BatchRowsTooMany", "SMARTMETER_BATCH_MAX_ROWS", set("SMARTMETER_BATCH_MAX_ROWS", "10001")},
    {"BatchDelayNotANumber", "SMARTMETER_BATCH_MAX_DELAY_MS",
     set("SMARTMETER_BATCH_MAX_DELAY_MS", "x")},
    {"LogLevelUnknown", "SMARTMETER_LOG_LEVEL", set("SMARTMETER_LOG_LEVEL", "loud")},
    {"ClientIdTooLong", "MQTT_CLIENT_ID", set("MQTT_CLIENT_ID", std::string(65, 'x'))},
    {"HttpListenNotAnIPv4Address", "SMARTMETER_HTTP_LISTEN",
     set("SMARTMETER_HTTP_LISTEN", "999.1.1.1:80")},
    {"HttpListenPortTooBig", "SMARTMETER_HTTP_LISTEN",
     set("SMARTMETER_HTTP_LISTEN", "127.0.0.1:65536")},
    {"HttpListenIPv6WithoutBrackets", "SMARTMETER_HTTP_LISTEN",
     set("SMARTMETER_HTTP_LISTEN", "::1:8080")},
    {"MqttHostWithScheme", "MQTT_HOST", set("MQTT_HOST", "tcp://127.0.0.1")},
    {"MqttHostNotAnIPv4Address", "MQTT_HOST", set("MQTT_HOST", "127.0.0.256")},
    {"DbHostWithPort", "DB_HOST", set("DB_HOST", "127.0.0.1:3306")},
    {"MeterKeysOneTitleTwoKeys", "SMARTMETER_KEYS",
     set("SMARTMETER_KEYS", "4B464D6750000001=" + std::string(kKey) +
                                ",4B464D6750000001=000102030405060708090A0B0C0D0E0F")},
};

class Config : public ::testing::Test {
 protected:
  void SetUp() override {
    static int counter = 0;
    dir_ = Servers::get().dir() /
           ("config-" + std::to_string(::getpid()) + "-" + std::to_string(++counter));
    std::filesystem::create_directories(dir_);
    // A complete, valid configuration that would connect to both "servers".
    env_ = {
        {"SMARTMETER_KEY", kKey},
        {"MQTT_HOST", "127.0.0.1"},
        {"MQTT_PORT", std::to_string(broker_.port())},
        {"MQTT_CLIENT_ID", "smartmeter-config-test"},
        {"SMARTMETER_RAWDATA_MQTT_TOPIC", "it/config/smartmeter"},
        {"DB_HOST", "127.0.0.1"},
        {"DB_PORT", std::to_string(database_.port())},
        {"DB_USER", "smartmeter"},
        {"DB_PASSWORD", "db-secret-password"},
        {"SMARTMETER_DATA_DIR", (dir_ / "data").string()},
    };
  }
  void TearDown() override {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }

  CommandResult run(const std::vector<std::string>& args,
                    const std::map<std::string, std::string>& process_env = {}) {
    write_env_file(dir_ / "server.env", env_);
    std::vector<std::string> full = args;
    full.push_back("--env");
    full.push_back((dir_ / "server.env").string());
    return run_smartmeter(full, dir_, "", seconds(10), process_env);
  }

  void expect_rejected(const CommandResult& result, const std::string& setting) {
    EXPECT_EQ(result.status, 2) << result.err;
    EXPECT_FALSE(result.timed_out);
    EXPECT_LT(result.took, seconds(2)) << "took " << result.took.count() << " ms";
    EXPECT_EQ(result.out, "");
    EXPECT_EQ(std::count(result.err.begin(), result.err.end(), '\n'), 1) << "one line on stderr:\n"
                                                                         << result.err;
    EXPECT_NE(result.err.find(setting), std::string::npos)
        << "stderr does not name " << setting << ":\n"
        << result.err;
    EXPECT_EQ(broker_.connections(), 0) << "it connected to the broker";
    EXPECT_EQ(database_.connections(), 0) << "it connected to the database";
    EXPECT_FALSE(std::filesystem::exists(dir_ / "data")) << "it created the data directory";
  }

  // The valid settings file with `lines` added at its end; returns the number of its first
  // added line.
  std::size_t write_env_with(const std::string& lines) {
    write_env_file(dir_ / "server.env", env_);
    const std::string text = read_text(dir_ / "server.env");
    write_text(dir_ / "server.env", text + lines);
    return static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n')) + 1;
  }
  CommandResult print_config(const std::map<std::string, std::string>& process_env = {}) {
    return run_smartmeter({"run", "--print-config", "--env", (dir_ / "server.env").string()}, dir_,
                          "", seconds(10), process_env);
  }

  // Until the service has tried both "servers", at most 5 s.
  void wait_for_both_connections() {
    const auto deadline = Clock::now() + seconds(5);
    while ((broker_.connections() == 0 || database_.connections() == 0) &&
           Clock::now() < deadline) {
      std::this_thread::sleep_for(milliseconds(20));
    }
  }

  std::filesystem::path dir_;
  std::map<std::string, std::string> env_;
  CountingListener broker_;
  CountingListener database_;
};

class InvalidSetting : public Config, public ::testing::WithParamInterface<InvalidCase> {};

TEST_P(InvalidSetting, ExitsTwoNamingItBeforeConnecting) {
  GetParam().change(env_);
  const CommandResult result = run({"run"});
  expect_rejected(result, GetParam().setting);
  EXPECT_EQ(result.err.find(kBadKey), std::string::npos) << "the key must not be printed";
}

INSTANTIATE_TEST_SUITE_P(Run, InvalidSetting, ::testing::ValuesIn(kInvalid),
                         [](const ::testing::TestParamInfo<InvalidCase>& test) {
                           return std::string(test.param.name);
                         });

// A settings file with a typo in its syntax: exit status 2 and one line naming the file and the
// line, before anything connects; the key on that line is not repeated.
struct TypoCase {
  const char* name;
  std::string line;      // added at the end of a valid file
  std::string expected;  // after "<file> line <n>: "
};

const TypoCase kTypos[] = {
    {"LineWithoutEquals", "SMARTMETER_KEY " + std::string(kKey),
     "SMARTMETER_KEY has no '=' (write SMARTMETER_KEY=VALUE)"},
    {"JustText", "mqtt host is 127.0.0.1", "not NAME=VALUE (no '=')"},
    {"KeyTwice", "SMARTMETER_KEY=" + std::string(kKey), "SMARTMETER_KEY is set twice (first on"},
    {"UnclosedQuote", "MQTT_PASSWORD=\"mqtt-secret",
     "MQTT_PASSWORD: the value's opening quote is not closed"},
    {"NameWithBlank", "MQTT PORT=1883", "the name before '=' is not a name"},
};

class SettingsFileTypo : public Config, public ::testing::WithParamInterface<TypoCase> {};

TEST_P(SettingsFileTypo, ExitsTwoNamingTheFileAndLine) {
  const std::size_t line = write_env_with(GetParam().line + "\n");
  const CommandResult result = print_config();
  const std::string where = (dir_ / "server.env").string() + " line " + std::to_string(line);
  EXPECT_EQ(result.err.rfind("smartmeter run: " + where + ": " + GetParam().expected, 0), 0u)
      << result.err;
  EXPECT_EQ(result.err.find(kKey), std::string::npos) << "the key must not be printed";
  EXPECT_EQ(result.err.find("mqtt-secret"), std::string::npos) << "the password must not be shown";
  expect_rejected(result, "server.env line");
}

INSTANTIATE_TEST_SUITE_P(PrintConfig, SettingsFileTypo, ::testing::ValuesIn(kTypos),
                         [](const ::testing::TestParamInfo<TypoCase>& test) {
                           return std::string(test.param.name);
                         });

// A misspelt name is a warning with the closest known name, and the rest still works.
TEST_F(Config, AMisspeltNameInTheFileWarnsWithTheClosestName) {
  const std::size_t line = write_env_with("MQTT_HOTS=broker.lan\nSMARTMETER_DEBOUNCE_SECOND=60\n");
  const CommandResult result = print_config();
  EXPECT_EQ(result.status, 0) << result.err;
  const std::string file = (dir_ / "server.env").string();
  EXPECT_NE(result.err.find("MQTT_HOTS (" + file + " line " + std::to_string(line) +
                            ") is not a setting and is ignored; did you mean MQTT_HOST?"),
            std::string::npos)
      << result.err;
  EXPECT_NE(
      result.err.find("SMARTMETER_DEBOUNCE_SECOND (" + file + " line " + std::to_string(line + 1) +
                      ") is not a setting and is ignored; did you mean "
                      "SMARTMETER_DEBOUNCE_SECONDS?"),
      std::string::npos)
      << result.err;
  EXPECT_NE(result.out.find("MQTT_HOST=127.0.0.1  # " + file + " line "), std::string::npos)
      << result.out;
  EXPECT_NE(result.out.find("SMARTMETER_DEBOUNCE_SECONDS=300  # default"), std::string::npos)
      << result.out;
}

TEST_F(Config, AMisspeltNameInTheProcessEnvironmentWarnsToo) {
  write_env_file(dir_ / "server.env", env_);
  const CommandResult result = print_config({{"MQTT_PASWORD", "x"}});
  EXPECT_EQ(result.status, 0) << result.err;
  EXPECT_NE(result.err.find("MQTT_PASWORD (environment) is not a setting and is ignored; did you "
                            "mean MQTT_PASSWORD?"),
            std::string::npos)
      << result.err;
}

// The misspelt key alone: the missing key is the error, and it names the misspelt line.
TEST_F(Config, AMisspeltKeyNameIsNamedInTheMissingKeyError) {
  env_.erase("SMARTMETER_KEY");
  const std::size_t line = write_env_with("SMARTMETER_KEYY=" + std::string(kKey) + "\n");
  const CommandResult result = print_config();
  expect_rejected(result, "SMARTMETER_KEY: not set");
  EXPECT_NE(result.err.find("SMARTMETER_KEYY (" + (dir_ / "server.env").string() + " line " +
                            std::to_string(line) + ") is not a setting: misspelt?"),
            std::string::npos)
      << result.err;
  EXPECT_EQ(result.err.find(kKey), std::string::npos);
}

// Warnings do not stop the service: it connects to both servers and logs the warning.
TEST_F(Config, TheServiceRunsWithAMisspeltNameAndLogsIt) {
  write_env_with("MQTT_HOTS=broker.lan\n");
  ServiceProcess service(dir_, dir_ / "server.env", dir_ / "service.log");
  service.start();
  wait_for_both_connections();
  EXPECT_GT(broker_.connections(), 0);
  EXPECT_GT(database_.connections(), 0);
  EXPECT_TRUE(service.running()) << service.log();
  EXPECT_NE(service.log().find("MQTT_HOTS"), std::string::npos) << service.log();
  EXPECT_NE(service.log().find("did you mean MQTT_HOST?"), std::string::npos) << service.log();
  service.kill_hard();
}

TEST_F(Config, PrintConfigSaysWhereEachValueCameFrom) {
  const std::size_t line = write_env_with("SMARTMETER_LOG_LEVEL=debug\n");
  const CommandResult result = print_config({{"MQTT_USER", "env-user"}});
  EXPECT_EQ(result.status, 0) << result.err;
  const std::string file = (dir_ / "server.env").string();
  for (const std::string& expected : std::vector<std::string>{
           "SMARTMETER_LOG_LEVEL=debug  # " + file + " line " + std::to_string(line) + "\n",
           "MQTT_USER=env-user  # environment\n",
           "SMARTMETER_HA_PREFIX=homeassistant  # default\n",
           "DB_PASSWORD=(set)  # " + file + " line ",
       }) {
    EXPECT_NE(result.out.find(expected), std::string::npos) << expected << " not in\n"
                                                            << result.out;
  }
}

// The process environment overrides server.env, and is checked just as strictly.
TEST_F(Config, AnInvalidSettingFromTheProcessEnvironmentIsNamed) {
  expect_rejected(run({"run"}, {{"MQTT_PORT", "abc"}}), "MQTT_PORT");
}

TEST_F(Config, AMissingEnvFileNamedWithEnvIsAnError) {
  const CommandResult result =
      run_smartmeter({"run", "--env", (dir_ / "no-such.env").string()}, dir_, "", seconds(10));
  expect_rejected(result, "--env");
}

TEST_F(Config, ReplayChecksTheSettingsToo) {
  env_["SMARTMETER_DEBOUNCE_SECONDS"] = "7";
  expect_rejected(run({"replay"}), "SMARTMETER_DEBOUNCE_SECONDS");
}

// The positive control: the same valid settings do make the service connect to both, so the
// "no connection" checks above can see a connection.
TEST_F(Config, TheValidBaseConfigurationConnectsToBoth) {
  write_env_file(dir_ / "server.env", env_);
  ServiceProcess service(dir_, dir_ / "server.env", dir_ / "service.log");
  service.start();
  wait_for_both_connections();
  EXPECT_GT(broker_.connections(), 0);
  EXPECT_GT(database_.connections(), 0);
  EXPECT_TRUE(service.running()) << service.log();
  service.kill_hard();
}

// SIGTERM while the broker and the database accept connections but never answer (a hung
// server, a firewall that drops): the service still stops within its 10 s drain time.
TEST_F(Config, SigtermWhileTheServersDoNotAnswerStopsInTime) {
  write_env_file(dir_ / "server.env", env_);
  ServiceProcess service(dir_, dir_ / "server.env", dir_ / "service.log");
  service.start();
  wait_for_both_connections();
  ASSERT_GT(broker_.connections(), 0);
  milliseconds took{0};
  const auto status = service.stop(SIGTERM, seconds(15), &took);
  EXPECT_EQ(status, 0) << "no exit within 15 s of SIGTERM (" << took.count() << " ms)\n"
                       << service.log();
  EXPECT_LT(took, seconds(12)) << "SIGTERM while connecting took " << took.count() << " ms";
}

TEST_F(Config, PrintConfigMasksEverySecret) {
  const std::string auth_key = "C0C1C2C3C4C5C6C7C8C9CACBCCCDCECF";
  const std::string meter_key = "000102030405060708090A0B0C0D0E0F";
  env_["SMARTMETER_AUTH_KEY"] = auth_key;
  env_["SMARTMETER_KEYS"] = "5341475905E990F3=" + meter_key + "/" + auth_key;
  env_["MQTT_USER"] = "broker-user";
  env_["MQTT_PASSWORD"] = "mqtt-secret-password";
  const CommandResult result = run({"run", "--print-config"});
  EXPECT_EQ(result.status, 0) << result.err;
  EXPECT_LT(result.took, seconds(2));
  for (const std::string& secret :
       {std::string(kKey), auth_key, meter_key, std::string("db-secret-password"),
        std::string("mqtt-secret-password")}) {
    EXPECT_EQ(result.out.find(secret), std::string::npos) << "secret printed:\n" << result.out;
    EXPECT_EQ(result.err.find(secret), std::string::npos) << "secret printed:\n" << result.err;
  }
  EXPECT_NE(result.out.find("SMARTMETER_KEY=(set)"), std::string::npos) << result.out;
  EXPECT_NE(result.out.find("DB_PASSWORD=(set)"), std::string::npos) << result.out;
  EXPECT_NE(result.out.find("MQTT_PASSWORD=(set)"), std::string::npos) << result.out;
  EXPECT_NE(result.out.find("SMARTMETER_KEYS=1 meter(s)"), std::string::npos) << result.out;
  EXPECT_NE(result.out.find("DB_USER=smartmeter"), std::string::npos) << result.out;
  EXPECT_NE(result.out.find("MQTT_USER=broker-user"), std::string::npos) << result.out;
  EXPECT_NE(result.out.find("DB_PORT=" + std::to_string(database_.port())), std::string::npos);
  EXPECT_EQ(broker_.connections(), 0);
  EXPECT_EQ(database_.connections(), 0);
}

}  // namespace
}  // namespace meter::it
