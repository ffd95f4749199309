// SPDX-License-Identifier: MIT
// Setting up, against a real mosquitto: `smartmeter check` over MQTT (with `smartmeter simulate`
// publishing: the right key, a wrong key; no telegrams; garbage and damaged frames; no broker),
// the setup view's /api/telegrams with the failed telegrams and their errors, and the local meter
// feed (EcoTracker's GET /v1/json) polled while the simulator publishes, checked against the
// values the service publishes.
#include <httplib.h>

#include <atomic>
#include <cmath>
#include <nlohmann/json.hpp>
#include <regex>
#include <thread>

#include "it_fixture.h"

namespace meter::it {
namespace {

using nlohmann::json;

class SetupTest : public ServiceTest {
 protected:
  void TearDown() override {
    if (simulator_ && simulator_->running()) simulator_->stop(SIGTERM, seconds(10));
    if (HasFailure() && simulator_) {
      std::printf("---- simulator log ----\n%s---- end ----\n", simulator_->log().c_str());
    }
    simulator_.reset();
    ServiceTest::TearDown();
  }

  // `smartmeter simulate` publishing to the raw topic every `interval` seconds; returns its
  // SMARTMETER_KEYS entry ("TITLE=KEY"), as it prints it.
  std::string start_simulator(const std::string& interval = "1") {
    const auto env_file = dir_ / "simulate.env";
    write_env_file(env_file, {{"MQTT_HOST", "127.0.0.1"},
                              {"MQTT_PORT", std::to_string(Servers::get().mosquitto_port())},
                              {"SMARTMETER_RAWDATA_MQTT_TOPIC", raw_topic_}});
    simulator_ = std::make_unique<ServiceProcess>(dir_, env_file, dir_ / "simulate.log");
    simulator_->start({"simulate", "--interval", interval, "--seed", "7"});
    EXPECT_TRUE(simulator_->wait_for_log("SMARTMETER_KEYS=", seconds(10)));
    std::smatch found;
    const std::string log = simulator_->log();
    EXPECT_TRUE(std::regex_search(log, found,
                                  std::regex(R"(SMARTMETER_KEYS=([0-9A-F]{16}=[0-9A-F]{32}))")));
    return found.size() > 1 ? found[1].str() : "";
  }

  // The env file `smartmeter check` reads: this test's broker and topic, the given keys.
  std::filesystem::path check_env(const std::map<std::string, std::string>& keys) {
    std::map<std::string, std::string> env = {
        {"MQTT_HOST", "127.0.0.1"},
        {"MQTT_PORT", std::to_string(Servers::get().mosquitto_port())},
        {"SMARTMETER_RAWDATA_MQTT_TOPIC", raw_topic_},
        {"SMARTMETER_DATA_DIR", (dir_ / "data").string()}};
    env.insert(keys.begin(), keys.end());
    const auto file = dir_ / "check.env";
    write_env_file(file, env);
    return file;
  }

  // Runs `smartmeter check` while `feed` publishes (every 250 ms, until the check is done).
  CommandResult check_while(const std::vector<std::string>& args,
                            const std::function<void()>& feed = {}) {
    std::atomic<bool> done{false};
    CommandResult result;
    std::thread runner([&] {
      result = run_smartmeter(args, dir_, "", seconds(60));
      done = true;
    });
    while (!done) {
      if (feed) feed();
      std::this_thread::sleep_for(milliseconds(250));
    }
    runner.join();
    return result;
  }

  std::unique_ptr<ServiceProcess> simulator_;
};

TEST_F(SetupTest, CheckWithTheRightKeyShowsTheTitleAndTheLastGoodTelegram) {
  const std::string keys = start_simulator();
  ASSERT_FALSE(keys.empty());
  const std::string title = keys.substr(0, 16);
  const std::string key = keys.substr(17);
  const auto env = check_env({{"SMARTMETER_KEYS", keys}});
  const CommandResult r =
      check_while({"check", "--env", env.string(), "--seconds", "30", "--telegrams", "3"});
  EXPECT_EQ(r.status, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("3 telegrams; checksums right 3, damaged 0"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("system title " + title + ": 3 telegrams"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("key: decrypts (SMARTMETER_KEYS from"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("last good telegram:"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("  WIn "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("OK: 3 of 3 telegrams decoded"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find(key), std::string::npos) << "the key was printed";
  EXPECT_EQ(r.err.find(key), std::string::npos) << "the key was printed";
}

TEST_F(SetupTest, CheckWithAWrongKeySaysTheFramesAreIntactButDoNotDecrypt) {
  const std::string keys = start_simulator();
  ASSERT_FALSE(keys.empty());
  const auto env = check_env({{"SMARTMETER_KEY", kKey}});
  // --key overrides the file's key; both are wrong for the simulated meter.
  const CommandResult r = check_while(
      {"check", "--env", env.string(), "--key", kOtherKey, "--seconds", "30", "--telegrams", "2"});
  EXPECT_EQ(r.status, 1) << r.out << r.err;
  EXPECT_NE(r.out.find("checksums right 2"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("key: does NOT decrypt (--key)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("check the key from your grid operator"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("last good telegram"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find(kOtherKey), std::string::npos) << "the key was printed";
  EXPECT_EQ(r.out.find(kKey), std::string::npos) << "the key was printed";
}

TEST_F(SetupTest, CheckWithoutTelegramsSaysNothingArrived) {
  const auto env = check_env({{"SMARTMETER_KEY", kKey}});
  const CommandResult r = check_while({"check", "--env", env.string(), "--seconds", "2"});
  EXPECT_EQ(r.status, 3) << r.out << r.err;
  EXPECT_NE(r.out.find("No message on " + raw_topic_ + " in 2 s"), std::string::npos) << r.out;
}

TEST_F(SetupTest, CheckOfGarbageAndDamagedFramesNamesEach) {
  const auto env = check_env({{"SMARTMETER_KEY", kKey}});
  TestMeter meter;
  std::string damaged = meter.telegram(0).hex;
  damaged[60] = damaged[60] == '0' ? '1' : '0';  // inside the first frame: its checksum fails
  std::size_t n = 0;
  const CommandResult r = check_while(
      {"check", "--env", env.string(), "--seconds", "30", "--telegrams", "4"},
      [&] { mqtt().publish(raw_topic_, n++ % 2 == 0 ? "hello, not a telegram" : damaged); });
  EXPECT_EQ(r.status, 1) << r.out << r.err;
  EXPECT_NE(r.out.find("not a telegram: input is not hex text"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("damaged: "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("damaged 2, not telegrams 2"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("key: not tried (no intact frame)"), std::string::npos) << r.out;
}

TEST_F(SetupTest, CheckWithoutABrokerSaysSo) {
  auto env = check_env({{"SMARTMETER_KEY", kKey}});
  write_env_file(env, {{"MQTT_HOST", "127.0.0.1"}, {"MQTT_PORT", "1"}, {"SMARTMETER_KEY", kKey}});
  const CommandResult r = run_smartmeter({"check", "--env", env.string(), "--seconds", "2"}, dir_);
  EXPECT_EQ(r.status, 4) << r.out << r.err;
  EXPECT_NE(r.err.find("cannot reach the broker tcp://127.0.0.1:1"), std::string::npos) << r.err;
}

// A client for the address the newest log line of `what` names (a restart logs a new one).
std::unique_ptr<httplib::Client> client_from_log(ServiceProcess& service, const std::string& what) {
  const std::string log = service.log();
  const std::regex address(what + R"( at http://127\.0\.0\.1:(\d+)/)");
  std::string port;
  for (auto it = std::sregex_iterator(log.begin(), log.end(), address);
       it != std::sregex_iterator(); ++it) {
    port = (*it)[1].str();
  }
  if (port.empty()) return nullptr;
  auto client = std::make_unique<httplib::Client>("127.0.0.1", std::stoi(port));
  client->set_read_timeout(10, 0);
  return client;
}

// The status of GET `path`, -1 when no answer came.
int status_of(httplib::Client& client, const std::string& path,
              const httplib::Headers& headers = {}) {
  const auto answer = client.Get(path, headers);
  return answer ? answer->status : -1;
}

TEST_F(SetupTest, ApiListsTheLastTelegramsWithTheFailedOnes) {
  ASSERT_TRUE(start_service());
  ASSERT_TRUE(service().wait_for_log("http: dashboard at", seconds(10)));
  auto http = client_from_log(service(), "dashboard");
  ASSERT_TRUE(http);

  TestMeter meter;
  TestMeter foreign("4B464D6750099999", "181220099999");
  const auto good = meter.telegrams(0, 3);
  std::string damaged = meter.telegram(3).hex;
  damaged[60] = damaged[60] == '0' ? '1' : '0';
  publish(good);
  publish_text("hello, not a telegram");
  publish_text(damaged);
  publish_text(foreign.with_key(0, kOtherKey).hex);
  publish_text(foreign.with_key(1, kOtherKey).hex);

  json body;
  const auto deadline = Clock::now() + seconds(20);
  const auto group = [&](const json& b, const json& id) -> json {
    for (const auto& g : b["meters"]) {
      if (g["meter"] == id) return g;
    }
    return {};
  };
  for (;;) {
    if (auto answer = http->Get("/api/telegrams"); answer && answer->status == 200) {
      body = json::parse(answer->body);
      const json mine = group(body, meter.system_title());
      const json loose = group(body, nullptr);
      const json other = group(body, foreign.system_title());
      if (!mine.is_null() && mine["telegrams"].size() == 3 && !loose.is_null() &&
          loose["telegrams"].size() == 2 && !other.is_null() && other["telegrams"].size() == 2) {
        break;
      }
    }
    ASSERT_LT(Clock::now(), deadline) << body.dump(2);
    std::this_thread::sleep_for(milliseconds(200));
  }
  EXPECT_EQ(body["per_meter"], 20);

  // The meter's own: decoded, newest first, with size, first bytes and power.
  const json mine = group(body, meter.system_title());
  EXPECT_EQ(mine["diagnosis"], "ok");
  for (std::size_t i = 0; i < 3; ++i) {
    const json& t = mine["telegrams"][i];
    const TestTelegram& sent = good[2 - i];
    EXPECT_TRUE(t["decoded"].get<bool>()) << t.dump();
    EXPECT_EQ(t["frame_counter"], sent.frame_counter);
    EXPECT_EQ(t["size"], sent.hex.size() / 2);
    EXPECT_EQ(t["head"], sent.hex.substr(0, 32));
    EXPECT_EQ(t["meter_time"], sent.timestamp);
    EXPECT_EQ(t["power_in"].get<double>(), static_cast<double>(raw_values(sent.index)[2]));
  }
  // Named no meter: text that is not hex, a frame with a bad checksum; errors in plain words.
  const json loose = group(body, nullptr);
  EXPECT_EQ(loose["telegrams"][0]["error"], "checksum") << loose.dump();
  EXPECT_FALSE(loose["telegrams"][0]["decoded"].get<bool>());
  EXPECT_EQ(loose["telegrams"][0]["head"], damaged.substr(0, 32));
  EXPECT_EQ(loose["telegrams"][1]["error"], "not_hex");
  EXPECT_EQ(loose["telegrams"][1]["error_text"], "input is not hex text");
  EXPECT_EQ(loose["telegrams"][1]["head"], "hello, not a telegram");  // under 32 characters
  // Another title that does not decrypt: its counter, the error and what to check.
  const json other = group(body, foreign.system_title());
  for (const auto& t : other["telegrams"]) {
    EXPECT_FALSE(t["decoded"].get<bool>());
    EXPECT_FALSE(t["error_text"].get<std::string>().empty());
    EXPECT_FALSE(t["frame_counter"].is_null());
  }
  EXPECT_EQ(other["diagnosis"], "wrong_key") << other.dump();
  EXPECT_NE(other["check"].get<std::string>().find("key"), std::string::npos) << other.dump();
}

double value_of(const json& values, const char* key) {
  return values.contains(key) ? values[key]["value"].get<double>() : 0.0;
}

TEST_F(SetupTest, LocalFeedAnswersWhatTheServicePublishes) {
  const std::string keys = start_simulator("2");
  ASSERT_FALSE(keys.empty());
  env_.erase("SMARTMETER_KEY");
  env_["SMARTMETER_KEYS"] = keys;
  env_["SMARTMETER_LOCAL_FEED_LISTEN"] = "127.0.0.1:0";
  ASSERT_TRUE(start_service());
  ASSERT_TRUE(service().wait_for_log("local feed: EcoTracker local API at", seconds(10)));
  auto feed = client_from_log(service(), "local API");
  ASSERT_TRUE(feed);
  EXPECT_EQ(status_of(*feed, "/api/status"), 404);  // the feed's listener serves nothing else

  std::set<std::string> compared;  // values lines the feed answered exactly for
  std::vector<double> net_powers;
  const auto deadline = Clock::now() + seconds(40);
  while (compared.size() < 3) {
    ASSERT_LT(Clock::now(), deadline) << compared.size() << " readings compared";
    std::this_thread::sleep_for(milliseconds(300));
    const auto before = mqtt().messages(values_topic_);
    const auto answer = feed->Get("/v1/json");
    // A values message still on its way to this subscriber shows up within this wait.
    std::this_thread::sleep_for(milliseconds(500));
    const auto after = mqtt().messages(values_topic_);
    ASSERT_TRUE(answer);
    // Nothing seen on the values topic yet: the service may still have decoded a telegram
    // already (the simulator runs before it starts), so there is nothing to compare with. The
    // 503 without a reading is LocalFeedTest's.
    if (before.empty()) continue;
    if (before.size() != after.size() || answer->status != 200) continue;  // a telegram between
    const json values = json::parse(before.back());
    const json got = json::parse(answer->body);
    // The feed may answer from a reading whose values message has not reached this subscriber
    // yet: compare only when both come from the same reading.
    if (got["energyCounterIn"].get<std::int64_t>() != std::llround(value_of(values, "WIn")))
      continue;
    const double net = value_of(values, "PIn") - value_of(values, "POut");
    if (compared.insert(before.back()).second) net_powers.push_back(net);
    EXPECT_EQ(got["power"].get<std::int64_t>(), std::llround(net)) << got.dump() << values.dump();
    EXPECT_EQ(got["energyCounterIn"].get<std::int64_t>(), std::llround(value_of(values, "WIn")));
    EXPECT_EQ(got["energyCounterOut"].get<std::int64_t>(), std::llround(value_of(values, "WOut")));
    // Per phase: the net power split by U x I; the three add up to it (whole watts).
    double apparent[3];
    double total = 0;
    for (int i = 0; i < 3; ++i) {
      const std::string n = std::to_string(i + 1);
      apparent[i] = value_of(values, ("U" + n).c_str()) * value_of(values, ("I" + n).c_str());
      total += apparent[i];
    }
    ASSERT_GT(total, 0) << values.dump();
    std::int64_t sum = 0;
    for (int i = 0; i < 3; ++i) {
      const auto phase = got["powerPhase" + std::to_string(i + 1)].get<std::int64_t>();
      EXPECT_EQ(phase, std::llround(net * apparent[i] / total)) << got.dump();
      sum += phase;
    }
    EXPECT_LE(std::llabs(sum - std::llround(net)), 2) << got.dump();
    // The average lies within the readings it averages.
    const auto avg = got["powerAvg"].get<double>();
    EXPECT_GE(avg, std::floor(*std::min_element(net_powers.begin(), net_powers.end())) - 1);
    EXPECT_LE(avg, std::ceil(*std::max_element(net_powers.begin(), net_powers.end())) + 1);
  }
}

TEST_F(SetupTest, LocalFeedBeyondLoopbackNeedsTheExplicitOptIn) {
  env_["SMARTMETER_LOCAL_FEED_LISTEN"] = "0.0.0.0:0";
  write_env();
  const CommandResult refused =
      run_smartmeter({"run", "--env", env_file_.string()}, dir_, "", seconds(20));
  EXPECT_EQ(refused.status, 2) << refused.out << refused.err;
  EXPECT_NE(refused.err.find("SMARTMETER_LOCAL_FEED_OPEN=1"), std::string::npos) << refused.err;

  env_["SMARTMETER_LOCAL_FEED_OPEN"] = "1";
  ASSERT_TRUE(start_service());
  EXPECT_TRUE(
      service().wait_for_log("/v1/json (no login: SMARTMETER_LOCAL_FEED_OPEN)", seconds(10)))
      << service().log();
}

TEST_F(SetupTest, LocalFeedFollowsTheDashboardsCredentialsUnlessOpened) {
  // A token from `smartmeter passwd --token`: the token on stderr, the server.env line on stdout.
  const CommandResult made = run_smartmeter({"passwd", "--token"}, dir_);
  ASSERT_EQ(made.status, 0) << made.err;
  std::smatch line;
  std::smatch token;
  ASSERT_TRUE(
      std::regex_search(made.out, line, std::regex(R"(SMARTMETER_HTTP_TOKEN_SHA256=(\w+))")));
  ASSERT_TRUE(std::regex_search(made.err, token, std::regex(R"(\n([A-Za-z0-9_-]{40,})\n)")));
  env_["SMARTMETER_HTTP_TOKEN_SHA256"] = line[1].str();
  env_["SMARTMETER_LOCAL_FEED_LISTEN"] = "127.0.0.1:0";
  ASSERT_TRUE(start_service());
  ASSERT_TRUE(service().wait_for_log("local feed: EcoTracker local API at", seconds(10)));
  auto feed = client_from_log(service(), "local API");
  ASSERT_TRUE(feed);
  EXPECT_EQ(status_of(*feed, "/v1/json"), 401);
  EXPECT_EQ(status_of(*feed, "/v1/json", {{"Authorization", "Bearer wrong-token"}}), 401);
  // With the token: past the access check (no meter yet, so nothing to give).
  EXPECT_EQ(status_of(*feed, "/v1/json", {{"Authorization", "Bearer " + token[1].str()}}), 503);
  ASSERT_TRUE(stop_service());

  env_["SMARTMETER_LOCAL_FEED_OPEN"] = "1";
  ASSERT_TRUE(start_service());
  ASSERT_TRUE(service().wait_for_log("(no login: SMARTMETER_LOCAL_FEED_OPEN)", seconds(10)));
  feed = client_from_log(service(), "local API");
  ASSERT_TRUE(feed);
  EXPECT_EQ(status_of(*feed, "/v1/json"), 503);  // open: no credentials asked for
  auto dashboard = client_from_log(service(), "dashboard");
  ASSERT_TRUE(dashboard);
  EXPECT_EQ(status_of(*dashboard, "/api/telegrams"), 401);  // the dashboard stays protected
}

}  // namespace
}  // namespace meter::it
