// SPDX-License-Identifier: MIT
// Which system titles become meters in a running `smartmeter run` (real mosquitto, SQLite, the
// HTTP API on a free port): junk titles that never decrypt take no place and get no Home
// Assistant discovery, the meter limit is logged once, silent meters leave the live state, a
// wrong key is still diagnosed, and SIGTERM with many meters stays within a bound.
#include <httplib.h>

#include <chrono>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <regex>
#include <thread>

#include "it_fixture.h"
#include "sanitizers.h"

namespace meter::it {
namespace {

using nlohmann::json;

std::int64_t epoch_s() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Title number `i` of a family: 16 hex digits, distinct from the real meter's.
std::string title(unsigned family, std::size_t i) {
  char text[17];
  std::snprintf(text, sizeof text, "%04X%012zX", family, i);
  return text;
}

std::size_t occurrences(const std::string& text, const std::string& part) {
  std::size_t n = 0;
  for (auto at = text.find(part); at != std::string::npos; at = text.find(part, at + 1)) ++n;
  return n;
}

class MeterAdmissionTest : public ServiceTest {
 protected:
  void SetUp() override {
    ServiceTest::SetUp();
    ha_prefix_ = "ha-" + client_id_;
    env_["SMARTMETER_HA_PREFIX"] = ha_prefix_;
    meter_.first_time = epoch_s() - 120;
  }

  // Starts the service, finds its HTTP port in the log and watches the discovery topics.
  void start() {
    ASSERT_TRUE(mqtt().subscribe(ha_prefix_ + "/#"));
    ASSERT_TRUE(mqtt().subscribe(status_topic_ + "/+"));  // diagnosis per meter
    ASSERT_TRUE(start_service());
    ASSERT_TRUE(service().wait_for_log("http: dashboard at http://127.0.0.1:", seconds(10)));
    std::smatch port;
    const std::string log = service().log();
    ASSERT_TRUE(std::regex_search(log, port, std::regex(R"(http://127\.0\.0\.1:(\d+)/)")));
    http_ = std::make_unique<httplib::Client>("127.0.0.1", std::stoi(port[1].str()));
    http_->set_read_timeout(10, 0);
  }

  // The JSON of `path` once `until` holds for it (a failure after `timeout`).
  json api(const std::string& path, const std::function<bool(const json&)>& until,
           std::chrono::milliseconds timeout = seconds(20)) {
    const auto deadline = Clock::now() + timeout;
    json body;
    for (;;) {
      if (auto answer = http_->Get(path); answer && answer->status == 200) {
        body = json::parse(answer->body);
        if (until(body)) return body;
      }
      if (Clock::now() > deadline) break;
      std::this_thread::sleep_for(milliseconds(200));
    }
    ADD_FAILURE() << path << " never became as expected; last answer: " << body.dump();
    return body;
  }

  // Discovery messages (non-empty or not) published for system title `id`.
  std::size_t discovery_messages_for(const std::string& id) const {
    std::string node = "smartmeter_" + id;
    for (char& c : node) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    std::size_t n = 0;
    for (const auto& [topic, count] : mqtt_->counts_under(ha_prefix_ + "/")) {
      if (topic.find("/" + node + "/") != std::string::npos) n += count;
    }
    return n;
  }
  std::size_t discovery_messages() const {
    std::size_t n = 0;
    for (const auto& [topic, count] : mqtt_->counts_under(ha_prefix_ + "/")) n += count;
    return n;
  }

  std::string ha_prefix_;
  TestMeter meter_;
  std::unique_ptr<httplib::Client> http_;
};

TEST_F(MeterAdmissionTest, JunkTitlesThenARealMeterThatIsFullyMonitored) {
  start();
  // 150 titles (more than the default limit of 100) whose intact frames never decrypt: anyone on
  // the network can send them, no key needed.
  std::vector<TestTelegram> junk;
  for (std::size_t i = 0; i < 150; ++i) {
    junk.push_back(TestMeter(title(0xEEEE, i), "JUNK", kOtherKey).telegram(0));
  }
  publish(junk);
  const json before = api(
      "/api/status", [](const json& s) { return s["unattributed"]["received"].get<int>() == 150; });
  EXPECT_EQ(before["meters"]["live"], 0);
  EXPECT_EQ(before["unattributed"]["titles"].size(), 16u);  // the bounded list for the setup view
  EXPECT_EQ(before["unattributed"]["titles"][0]["count"], 1);

  const std::string id = meter_.system_title();
  publish(meter_.telegrams(0, 3));
  const json health =
      api("/api/meters/" + id + "/health", [](const json& h) { return h["decoded"] == 3; });
  EXPECT_EQ(health["diagnosis"], "ok");
  EXPECT_EQ(health["received"], 3);
  const json latest =
      api("/api/meters/" + id + "/latest", [](const json& l) { return !l["reading"].is_null(); });
  EXPECT_EQ(latest["reading"]["frame_counter"], meter_.telegram(2).frame_counter);
  const auto metrics = http_->Get("/metrics");
  ASSERT_TRUE(metrics);
  EXPECT_NE(metrics->body.find("meter=\"" + id + "\""), std::string::npos);
  const json status = api("/api/status", [](const json& s) { return s["meters"]["live"] == 1; });
  EXPECT_EQ(status["diagnosis"], "ok");
  EXPECT_EQ(status["meters"]["limit_reached"], false);
  const json meters = api("/api/meters", [](const json&) { return true; });
  ASSERT_EQ(meters["meters"].size(), 1u) << meters.dump();
  EXPECT_EQ(meters["meters"][0]["meter"], id);

  // Home Assistant: the real meter is announced, with its diagnosis; no junk title is.
  ASSERT_TRUE(mqtt().wait_message(status_topic_ + "/" + id, "ok", 0, seconds(10)));
  EXPECT_GE(discovery_messages_for(id), 12u);
  EXPECT_EQ(discovery_messages(), discovery_messages_for(id));
  EXPECT_EQ(discovery_messages_for(title(0xEEEE, 0)), 0u);
}

TEST_F(MeterAdmissionTest, TheMeterLimitIsShownAndLoggedOnce) {
  env_["SMARTMETER_MAX_METERS"] = "2";
  start();
  std::vector<TestTelegram> sent;
  for (std::size_t i = 0; i < 5; ++i) {
    TestMeter m(title(0x4B46, i), "N" + std::to_string(i));
    m.first_time = meter_.first_time;
    for (const auto& t : m.telegrams(0, 2)) sent.push_back(t);
  }
  publish(sent);
  ASSERT_TRUE(wait_rows(10, seconds(20))) << "every reading is stored, limit or not";
  const json status = api("/api/status", [](const json& s) {
    return s["telegrams"]["received"] == 10 && s["meters"]["limit_reached"] == true;
  });
  EXPECT_EQ(status["meters"]["live"], 2);
  EXPECT_EQ(status["meters"]["limit"], 2);
  EXPECT_EQ(status["meters"]["beyond_limit_telegrams"], 6);
  const std::string notice = "the limit of 2 meters is reached";
  ASSERT_TRUE(service().wait_for_log(notice, seconds(5)));
  // More meters beyond the limit: still the one line.
  TestMeter late(title(0x4B46, 9), "N9");
  late.first_time = meter_.first_time;
  publish(late.telegrams(0, 2));
  api("/api/status", [](const json& s) { return s["telegrams"]["received"] == 12; });
  std::this_thread::sleep_for(seconds(2));  // a few announcer rounds
  EXPECT_EQ(occurrences(service().log(), notice), 1u);
}

TEST_F(MeterAdmissionTest, SilentMetersLeaveTheLiveStateButNotHistory) {
  env_["SMARTMETER_EVICT_SILENT_SECONDS"] = "5";
  start();
  TestMeter quiet(title(0x5151, 1), "QUIET");
  quiet.first_time = meter_.first_time;
  publish({quiet.telegram(0)});
  api("/api/status", [](const json& s) { return s["meters"]["live"] == 1; });
  // The other meter keeps talking for longer than the silence allowed.
  for (std::size_t i = 0; i < 8; ++i) {
    publish({meter_.telegram(i)});
    std::this_thread::sleep_for(seconds(1));
  }
  const json status = api("/api/status", [](const json& s) { return s["meters"]["evicted"] == 1; });
  EXPECT_EQ(status["meters"]["live"], 1);
  const json meters = api("/api/meters", [](const json& m) { return m["meters"].size() == 2; });
  for (const json& m : meters["meters"]) {
    EXPECT_EQ(m["live"], m["meter"] == meter_.system_title()) << m.dump();  // quiet: history
  }
}

TEST_F(MeterAdmissionTest, AConfiguredMeterWithAWrongKeyIsDiagnosedSo) {
  const std::string id = meter_.system_title();
  env_["SMARTMETER_KEYS"] = id + "=" + kOtherKey;  // the meter sends with kKey
  start();
  // Named in SMARTMETER_KEYS: a meter before its first telegram.
  const json waiting = api("/api/meters", [](const json& m) { return m["meters"].size() == 1; });
  EXPECT_EQ(waiting["meters"][0]["meter"], id);
  publish(meter_.telegrams(0, 3));
  const json health =
      api("/api/meters/" + id + "/health", [](const json& h) { return h["received"] == 3; });
  EXPECT_EQ(health["diagnosis"], "wrong_key");
  EXPECT_EQ(health["decoded"], 0);
  ASSERT_TRUE(mqtt().wait_message(status_topic_ + "/" + id, "wrong_key", 0, seconds(10)))
      << "Home Assistant's diagnosis sensor";
  EXPECT_TRUE(service().wait_for_log("meter " + id + ": wrong_key", seconds(5)));
  EXPECT_GE(discovery_messages_for(id), 12u);
}

TEST_F(MeterAdmissionTest, TheOneExpectedMeterWithAWrongKeyIsDiagnosedSo) {
  env_["SMARTMETER_KEY"] = kOtherKey;  // SMARTMETER_KEY alone: one meter expected
  start();
  const std::string id = meter_.system_title();
  publish(meter_.telegrams(0, 3));
  const json status =
      api("/api/status", [](const json& s) { return s["diagnosis"] == "wrong_key"; });
  EXPECT_EQ(status["meters"]["live"], 1);  // the provisional meter
  const json meters = api("/api/meters", [](const json& m) { return m["meters"].size() == 1; });
  EXPECT_EQ(meters["meters"][0]["meter"], id);
  EXPECT_EQ(meters["meters"][0]["diagnosis"], "wrong_key");
  ASSERT_TRUE(mqtt().wait_message(status_topic_ + "/" + id, "wrong_key", 0, seconds(10)));
  EXPECT_TRUE(service().wait_for_log("meter " + id + ": wrong_key", seconds(5)));
}

TEST_F(MeterAdmissionTest, AnUnknownTitleThatNeverDecryptsIsReportedAsProbablyTheWrongKey) {
  // Several meters expected (SMARTMETER_KEYS): a title with a key that does not fit stays no
  // meter, but the status and the log say what is wrong.
  env_["SMARTMETER_KEYS"] = title(0x1111, 1) + "=" + std::string(kKey);
  env_["SMARTMETER_KEY"] = kOtherKey;
  start();
  const std::string id = meter_.system_title();
  publish(meter_.telegrams(0, 3));
  const json status = api("/api/status", [](const json& s) {
    return !s["unattributed"]["titles"].empty() &&
           s["unattributed"]["titles"][0]["probably_wrong_key"] == true;
  });
  EXPECT_EQ(status["unattributed"]["titles"][0]["title"], id);
  EXPECT_EQ(status["unattributed"]["titles"][0]["count"], 3);
  EXPECT_TRUE(
      service().wait_for_log("system title " + id + ": intact frames do not decrypt", seconds(5)));
  EXPECT_EQ(discovery_messages_for(id), 0u);
}

TEST_F(MeterAdmissionTest, SigtermWithManyMetersEndsWithinABound) {
  // 20,000 meters live, then in history while a restarted service's first statistics pass (10 s
  // after its start) visits all of them: SIGTERM ends both within 10 s, without waiting for the
  // pass to finish (the bound leaves room for a busy machine; 30 s in the sanitizer build).
  constexpr std::size_t kMeters = 20'000;
  const auto bound = seconds(10) * test::kTimeBoundFactor;
  env_["SMARTMETER_MAX_METERS"] = std::to_string(kMeters);
  env_["SMARTMETER_LOG_LEVEL"] = "debug";  // the statistics pass says when it begins
  start();
  std::vector<TestTelegram> sent;
  sent.reserve(kMeters);
  for (std::size_t i = 0; i < kMeters; ++i) {
    TestMeter m(title(0x7A7A, i), "M" + std::to_string(i));
    m.first_time = meter_.first_time;
    sent.push_back(m.telegram(0));
  }
  publish(sent);
  ASSERT_TRUE(wait_rows(static_cast<std::int64_t>(kMeters), seconds(120)));
  api("/api/status", [&](const json& s) { return s["meters"]["live"] == kMeters; });
  milliseconds took{};
  ASSERT_EQ(stop_service(seconds(60), &took), 0);
  EXPECT_LT(took, bound) << "SIGTERM with " << kMeters << " live meters took " << took.count()
                         << " ms";

  const std::size_t from = service().log().size();
  ASSERT_TRUE(start_service());
  ASSERT_TRUE(service().wait_for_log("statistics: pass begins", seconds(30), from));
  std::this_thread::sleep_for(seconds(1));
  ASSERT_EQ(occurrences(service().log().substr(from), "statistics: pass ends"), 0u)
      << "the pass over " << kMeters << " meters ended within a second: nothing to stop";
  const auto status = stop_service(seconds(60), &took);
  ASSERT_TRUE(status.has_value()) << "no exit within 60 s of SIGTERM";
  EXPECT_EQ(*status, 0);
  EXPECT_LT(took, bound) << "SIGTERM during the statistics pass took " << took.count() << " ms";
}

}  // namespace
}  // namespace meter::it
