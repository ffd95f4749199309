// SPDX-License-Identifier: MIT
// The keys never leave the service. With a default key, an authentication key and a meter of
// its own key, and good and bad telegrams fed in, no key (whole or half, any case) shows in the
// log at trace level, `--print-config`, /metrics, /healthz, any API endpoint the dashboard uses,
// the dashboard's files, anything on the broker (values, status, Home Assistant discovery), the
// database's tables or any file in the data directory. A misconfigured key is not echoed either.
#include <sys/stat.h>

#include <regex>
#include <set>
#include <thread>

#include "sec_support.h"

namespace meter::it {
namespace {

namespace fs = std::filesystem;
using std::chrono::seconds;

constexpr const char* kAuthKey = "A1B2C3D4E5F60718293A4B5C6D7E8F90";
constexpr const char* kTitleB = "4B464D6750077777";
constexpr const char* kKeyB = "5E8A11C0FFEE4D2BB17A33C9D04E6F21";
constexpr const char* kAuthKeyB = "0F1E2D3C4B5A69788796A5B4C3D2E1F0";
constexpr const char* kTitleC =
    "4B464D6750088888";  // a meter the service has no key of its own for
constexpr const char* kKeyC = "C3C3C3C3A5A5A5A55A5A5A5A3C3C3C3C";

const std::vector<std::string>& secrets() {
  static const std::vector<std::string> kSecrets = {kKey, kAuthKey, kKeyB, kAuthKeyB};
  return kSecrets;
}

class Secrets : public ServiceTest {
 protected:
  void SetUp() override {
    ServiceTest::SetUp();
    env_["SMARTMETER_AUTH_KEY"] = kAuthKey;
    env_["SMARTMETER_KEYS"] = std::string(kTitleB) + "=" + kKeyB + "/" + kAuthKeyB;
    env_["SMARTMETER_LOG_LEVEL"] = "trace";
    env_["SMARTMETER_HTTP_LISTEN"] = "127.0.0.1:0";
  }

  // Fails the test naming `where` when `text` shows a key.
  void expect_no_key(const std::string& where, const std::string& text) {
    const std::string found = find_secret(text, secrets());
    EXPECT_EQ(found, "") << where << " shows key material " << found;
    EXPECT_EQ(text.find(key_bytes(kKey)), std::string::npos) << where << " holds the key's bytes";
    EXPECT_EQ(text.find(key_bytes(kKeyB)), std::string::npos)
        << where << " holds meter B's key bytes";
  }
};

TEST_F(Secrets, NoKeyInLogConfigMetricsApiDashboardMqttOrDatabase) {
  USE_BACKEND(Backend::kSqlite);
  write_env();
  TopicRecorder everything(Servers::get().mosquitto_port(), "it-all-" + client_id_.substr(14));
  ASSERT_TRUE(everything.start());
  ASSERT_TRUE(start_service());
  const auto port = wait_http_port(service(), seconds(10));
  ASSERT_TRUE(port);
  const HttpProbe http(*port);

  const TestMeter meter_a;
  const TestMeter meter_b(kTitleB, "181220077777", kKeyB);
  const TestMeter meter_c(kTitleC, "181220088888", kKeyC);
  std::vector<TestTelegram> good;
  for (const auto& t : meter_a.telegrams(0, 5)) good.push_back(t);
  for (const auto& t : meter_b.telegrams(0, 5)) good.push_back(t);
  publish(good);
  std::string damaged = meter_a.telegram(20).hex;
  damaged[60] = damaged[60] == '0' ? '1' : '0';
  for (const std::string& bad :
       {meter_a.with_key(10, kOtherKey).hex, meter_b.with_key(11, kKey).hex,
        meter_c.telegram(0).hex, damaged, std::string("not a telegram at all")}) {
    publish_text(bad);
  }
  ASSERT_TRUE(wait_rows(10, seconds(20))) << db().count() << " of 10 stored";
  ASSERT_TRUE(wait_rows(15, seconds(10), "Raw"));
  const auto health = http.get_json(std::string("/api/meters/") + kTitleB + "/health");
  EXPECT_EQ(health.value("decoded", 0), 5) << health.dump();
  EXPECT_EQ(health["errors"].value("wrong_key", 0), 1) << health.dump();
  // Home Assistant discovery for both meters (retained, so the recorder has them).
  const auto discovery_deadline = Clock::now() + seconds(10);
  while (everything.count_with_prefix("homeassistant/sensor/smartmeter_" + std::string(kTitleB)) ==
             0 &&
         Clock::now() < discovery_deadline) {
    std::this_thread::sleep_for(milliseconds(100));
  }
  ASSERT_GT(everything.count_with_prefix("homeassistant/"), 0u) << "no discovery messages";

  // The HTTP side: every endpoint for every meter (by system title and by number), the
  // dashboard and the files it loads.
  std::vector<std::string> paths = {"/metrics",    "/healthz",          "/api/status",
                                    "/api/meters", "/api/nothing-here", "/"};
  for (const std::string& id : {meter_a.system_title(), meter_a.meter_number(),
                                std::string(kTitleB), std::string(kTitleC)}) {
    for (const char* what : {"", "/latest", "/health", "/power", "/power?hours=1&step=5", "/daily",
                             "/daily?days=2", "/peak"}) {
      paths.push_back("/api/meters/" + id + what);
    }
  }
  const auto index = http.get("/");
  ASSERT_TRUE(index && index->status == 200);
  const std::regex asset(R"re((?:src|href)="([a-zA-Z0-9_./-]+)")re");
  for (std::sregex_iterator it(index->body.begin(), index->body.end(), asset), end; it != end;
       ++it) {
    paths.push_back("/" + (*it)[1].str());
  }
  std::size_t scripts = 0;
  for (const auto& path : paths) {
    const auto answer = http.get(path);
    ASSERT_TRUE(answer) << "no answer for " << path;
    if (path.size() > 3 && path.substr(path.size() - 3) == ".js") ++scripts;
    expect_no_key("GET " + path, answer->body);
  }
  EXPECT_GE(scripts, 2u) << "the dashboard's scripts were not found in index.html";

  // Everything the service published on the broker.
  std::this_thread::sleep_for(milliseconds(300));
  const auto messages = everything.messages();
  EXPECT_GE(messages.size(), good.size()) << "the recorder saw less than the values";
  for (const auto& [topic, payload] : messages) expect_no_key("MQTT " + topic, topic + payload);

  // --print-config with the same settings.
  const CommandResult config =
      run_smartmeter({"run", "--env", env_file_.string(), "--print-config"}, dir_, "", seconds(10));
  EXPECT_EQ(config.status, 0) << config.err;
  EXPECT_NE(config.out.find("SMARTMETER_KEY=(set)"), std::string::npos) << config.out;
  expect_no_key("--print-config", config.out + config.err);

  // The log, including the summary at the end.
  EXPECT_EQ(stop_service(), 0);
  const std::string log = service().log();
  EXPECT_NE(log.find("wrong key"), std::string::npos) << "the bad telegrams were not logged";
  expect_no_key("the service log", log);

  // Every table, row by row, and every file the service wrote.
  const Rows tables = db().query("SELECT name FROM sqlite_master WHERE type = 'table'");
  ASSERT_GE(tables.size(), 3u);
  for (const Row& table : tables) {
    std::string text;
    for (const Row& row : db().query("SELECT * FROM \"" + table[0].value_or("") + "\"")) {
      for (const Field& field : row) text += field.value_or("NULL") + "|";
    }
    expect_no_key("table " + table[0].value_or(""), text);
  }
  std::size_t files = 0;
  for (const auto& entry : fs::recursive_directory_iterator(dir_ / "data")) {
    if (!entry.is_regular_file()) continue;
    ++files;
    expect_no_key(entry.path().string(), read_text(entry.path()));
  }
  EXPECT_GE(files, 2u) << "no journal or database file found";
}

// A key in the wrong place of a setting is reported by its setting, never repeated.
TEST_F(Secrets, MisconfiguredKeysAreNotEchoed) {
  const std::string title_b = kTitleB;
  const std::string key_b = kKeyB;
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"SMARTMETER_KEYS", key_b},                        // no SYSTEMTITLE=
      {"SMARTMETER_KEYS", key_b + "=" + title_b},        // swapped
      {"SMARTMETER_KEYS", title_b + "=" + key_b + "0"},  // one digit too many
      {"SMARTMETER_KEYS", title_b + "=" + key_b + "/" + kAuthKeyB + "Z"},
      {"SMARTMETER_KEY", std::string(kKey).substr(0, 31) + "G"},
      {"SMARTMETER_AUTH_KEY", std::string(kAuthKey) + "00"},
  };
  for (const auto& [setting, value] : cases) {
    SCOPED_TRACE(setting + "=" + value);
    std::map<std::string, std::string> env = env_;
    env[setting] = value;
    write_env_file(env_file_, env);
    const CommandResult run = run_smartmeter({"run", "--env", env_file_.string(), "--print-config"},
                                             dir_, "", seconds(10));
    EXPECT_EQ(run.status, 2) << run.out << run.err;
    EXPECT_NE(run.err.find(setting), std::string::npos) << run.err;
    const std::string found = find_secret(run.out + run.err, secrets());
    EXPECT_EQ(found, "") << "the message repeats key material: " << run.err;
  }
}

}  // namespace
}  // namespace meter::it
