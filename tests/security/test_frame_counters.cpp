// SPDX-License-Identifier: MIT
// Frame counters per meter. A telegram whose counter does not increase (a replay, or the broker
// delivering again) is counted as a replay in /metrics and the API, is stored once and does not
// replace the newest reading. A meter swapped on the same topic (a new system title with its own
// key in SMARTMETER_KEYS, counting from 1 again) is a meter of its own: no replays, its own rows.
#include <thread>

#include "sec_support.h"

namespace meter::it {
namespace {

using nlohmann::json;
using std::chrono::seconds;

constexpr const char* kTitleB = "4B464D6750077777";
constexpr const char* kKeyB = "5E8A11C0FFEE4D2BB17A33C9D04E6F21";

class FrameCounters : public ServiceTest {
 protected:
  void SetUp() override {
    ServiceTest::SetUp();
    env_["SMARTMETER_HTTP_LISTEN"] = "127.0.0.1:0";
  }
  void start() {
    ASSERT_TRUE(start_service());
    const auto port = wait_http_port(service(), seconds(10));
    ASSERT_TRUE(port) << service().log();
    http_ = std::make_unique<HttpProbe>(*port);
  }
  // Polls the meter's health until it counts `received` telegrams.
  json health_after(const std::string& meter, int received) {
    const auto deadline = Clock::now() + seconds(15);
    json health;
    while (Clock::now() < deadline) {
      health = http_->get_json("/api/meters/" + meter + "/health");
      if (health.value("received", 0) >= received) return health;
      std::this_thread::sleep_for(milliseconds(100));
    }
    ADD_FAILURE() << meter << " did not reach " << received << " telegrams: " << health.dump();
    return health;
  }

  std::unique_ptr<HttpProbe> http_;
};

TEST_F(FrameCounters, ReplayedCountersAreFlaggedAndStoredOnce) {
  USE_BACKEND(Backend::kSqlite);
  start();
  const TestMeter meter;
  const std::string id = meter.system_title();
  const auto sent = meter.telegrams(0, 10);
  publish(sent);
  // Older counters, and the newest one again (equal is not an increase).
  publish({meter.telegram(3), meter.telegram(9), meter.telegram(0)});

  const json health = health_after(id, 13);
  EXPECT_EQ(health["decoded"], 13);
  EXPECT_EQ(health["replays"], 3) << health.dump();
  EXPECT_EQ(health["frame_counter_gaps"], 0);
  EXPECT_EQ(health["last_frame_counter"], sent.back().frame_counter);
  const json latest = http_->get_json("/api/meters/" + id + "/latest");
  EXPECT_EQ(latest["reading"]["frame_counter"], sent.back().frame_counter)
      << "a replayed telegram replaced the newest reading";

  const auto metrics = http_->metrics();
  EXPECT_EQ(metric_value(metrics, "smartmeter_frame_counter_replays_total", {{"meter", id}}), 3);
  EXPECT_EQ(metric_value(metrics, "smartmeter_meter_telegrams_decoded_total", {{"meter", id}}), 13);
  EXPECT_EQ(metric_value(metrics, "smartmeter_frame_counter_gaps_total", {{"meter", id}}), 0);

  ASSERT_TRUE(wait_rows(13, seconds(10), "Raw")) << "replays are archived as received";
  expect_history_is(sent, meter);
  EXPECT_EQ(stop_service(), 0);
}

TEST_F(FrameCounters, AMeterSwapKeepsBothMetersApart) {
  env_["SMARTMETER_KEYS"] = std::string(kTitleB) + "=" + kKeyB;
  USE_BACKEND(Backend::kSqlite);
  start();
  const TestMeter old_meter;
  TestMeter new_meter(kTitleB, "181220077777", kKeyB);
  new_meter.first_counter = 1;  // a new meter counts from the start again
  new_meter.first_time = old_meter.first_time + 6 * kIntervalS;
  const auto old_sent = old_meter.telegrams(0, 6);
  const auto new_sent = new_meter.telegrams(0, 6);
  publish(old_sent);
  publish(new_sent);
  // The new meter's telegram encrypted with the default key is the new meter's wrong key.
  publish({new_meter.with_key(6, kKey)});

  const json old_health = health_after(old_meter.system_title(), 6);
  const json new_health = health_after(kTitleB, 7);
  EXPECT_EQ(old_health["decoded"], 6);
  EXPECT_EQ(old_health["replays"], 0);
  EXPECT_EQ(old_health["last_frame_counter"], old_sent.back().frame_counter);
  EXPECT_EQ(new_health["decoded"], 6);
  EXPECT_EQ(new_health["replays"], 0) << "the new meter's low counters counted as replays";
  EXPECT_EQ(new_health["last_frame_counter"], new_sent.back().frame_counter);
  EXPECT_EQ(new_health["meter_number"], new_meter.meter_number());
  EXPECT_EQ(new_health["errors"].value("wrong_key", 0), 1) << new_health.dump();

  const json meters = http_->get_json("/api/meters")["meters"];
  ASSERT_EQ(meters.size(), 2u) << meters.dump();
  const auto metrics = http_->metrics();
  for (const std::string& id : {old_meter.system_title(), std::string(kTitleB)}) {
    EXPECT_EQ(metric_value(metrics, "smartmeter_frame_counter_replays_total", {{"meter", id}}), 0)
        << id;
    EXPECT_EQ(metric_value(metrics, "smartmeter_meter_telegrams_decoded_total", {{"meter", id}}), 6)
        << id;
  }
  EXPECT_EQ(metric_value(metrics, "smartmeter_meter_errors_total",
                         {{"meter", kTitleB}, {"cause", "wrong_key"}}),
            1);

  ASSERT_TRUE(wait_rows(12, seconds(10)));
  expect_history_is(old_sent, old_meter, true);
  expect_history_is(new_sent, new_meter, true);
  const auto [all, distinct] = counts();
  EXPECT_EQ(all, 12);
  EXPECT_EQ(distinct, 12);
  EXPECT_EQ(stop_service(), 0);
}

}  // namespace
}  // namespace meter::it
