// SPDX-License-Identifier: MIT
// The local meter feed (GET /v1/json, EcoTracker local API) and the setup view's
// /api/telegrams as pure functions: which meter, the numbers, and when there are none to give.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "meter/app/local_feed.h"
#include "meter/app/telegram_log.h"
#include "meter/http/api.h"

namespace meter::http {
namespace {

using nlohmann::json;

constexpr std::int64_t kNowS = 1'800'000'000;

core::Telegram feed_telegram(std::uint8_t last_title_byte, const char* number, std::int64_t p_in,
                             std::int64_t p_out) {
  core::Telegram t;
  t.system_title = {0x4B, 0x46, 0x4D, 0x67, 0x50, 0x01, 0x23, last_title_byte};
  t.encrypted = true;
  static std::uint32_t counter = 10;
  t.frame_counter = counter++;  // increasing: never taken for a replay
  t.has_time = true;
  t.timestamp_utc = kNowS;
  t.meter_number.assign(number);
  t[core::Quantity::kEnergyImport] = {true, 1'234'567, 0, core::kUnitWattHour, true};
  t[core::Quantity::kEnergyExport] = {true, 89'012, 0, core::kUnitWattHour, true};
  t[core::Quantity::kPowerImport] = {true, p_in, 0, core::kUnitWatt, true};
  t[core::Quantity::kPowerExport] = {true, p_out, 0, core::kUnitWatt, true};
  // L1 carries half of U x I, L2 and L3 a quarter each.
  t[core::Quantity::kVoltageL1] = {true, 2300, -1, core::kUnitVolt, true};
  t[core::Quantity::kVoltageL2] = {true, 2300, -1, core::kUnitVolt, true};
  t[core::Quantity::kVoltageL3] = {true, 2300, -1, core::kUnitVolt, true};
  t[core::Quantity::kCurrentL1] = {true, 400, -2, core::kUnitAmpere, true};
  t[core::Quantity::kCurrentL2] = {true, 200, -2, core::kUnitAmpere, true};
  t[core::Quantity::kCurrentL3] = {true, 200, -2, core::kUnitAmpere, true};
  return t;
}

class LocalFeedTest : public ::testing::Test {
 protected:
  std::int64_t now_ms = kNowS * 1000;
  app::LiveState live{(kNowS - 600) * 1000, 30'000};
  app::TelegramLog log;
  ApiSources sources() {
    ApiSources s{&live,   [] { return app::ServiceStatus{}; }, nullptr,
                 nullptr, [this] { return now_ms; },           "9.9"};
    s.telegrams = &log;
    return s;
  }
  void receive(const core::Telegram& t, std::int64_t at_ms) {
    live.record_decoded(t, at_ms);
    log.record_decoded(app::make_reading(t, at_ms), "68FAFA68", at_ms);
  }
};

TEST_F(LocalFeedTest, WithoutAMeterThereIsNothingToGive) {
  Api api(sources());
  const Response r = api.local_feed();
  EXPECT_EQ(r.status, 503);
  EXPECT_NE(json::parse(r.body)["error"].get<std::string>().find("no meter"), std::string::npos);
}

TEST_F(LocalFeedTest, NetPowerCountersPhasesAndTheMinuteAverage) {
  receive(feed_telegram(0x45, "1812", 5000, 0), now_ms - 90'000);  // older than the minute
  receive(feed_telegram(0x45, "1812", 1000, 0), now_ms - 20'000);
  receive(feed_telegram(0x45, "1812", 0, 600), now_ms - 1'000);
  Api api(sources());
  const Response r = api.local_feed();
  ASSERT_EQ(r.status, 200) << r.body;
  const json body = json::parse(r.body);
  EXPECT_EQ(body["power"], -600);                 // export is negative
  EXPECT_EQ(body["powerAvg"], (1000 - 600) / 2);  // the telegrams of the last minute
  EXPECT_EQ(body["powerPhase1"], -300);
  EXPECT_EQ(body["powerPhase2"], -150);
  EXPECT_EQ(body["powerPhase3"], -150);
  EXPECT_EQ(body["energyCounterIn"], 1'234'567);
  EXPECT_EQ(body["energyCounterOut"], 89'012);
}

TEST_F(LocalFeedTest, SeveralMetersNeedAChoiceByTitleOrNumber) {
  receive(feed_telegram(0x45, "1812", 700, 0), now_ms - 1'000);
  receive(feed_telegram(0x46, "1999", 300, 0), now_ms - 1'000);
  Api unchosen(sources());
  const Response r = unchosen.local_feed();
  EXPECT_EQ(r.status, 503);
  EXPECT_NE(r.body.find("SMARTMETER_LOCAL_FEED_METER"), std::string::npos) << r.body;

  ApiSources by_number = sources();
  by_number.local_feed_meter = "1999";
  Api api(by_number);
  EXPECT_EQ(json::parse(api.local_feed().body)["power"], 300);

  ApiSources unknown = sources();
  unknown.local_feed_meter = "4B464D6750012399";
  Api none(unknown);
  EXPECT_EQ(none.local_feed().status, 503);
}

TEST_F(LocalFeedTest, AnOldReadingIsNotGivenOut) {
  receive(feed_telegram(0x45, "1812", 700, 0), now_ms - 31'000);
  Api api(sources());
  const Response r = api.local_feed();
  EXPECT_EQ(r.status, 503);
  EXPECT_NE(r.body.find("no reading of the last 30 s"), std::string::npos) << r.body;
}

TEST_F(LocalFeedTest, TelegramListShowsFailuresWithTheirErrorInWords) {
  receive(feed_telegram(0x45, "1812", 700, 0), now_ms - 3'000);
  log.record_failure("", core::DecodeError::kBadChecksum, 254, std::nullopt, "68FAFA68ABCD",
                     now_ms - 2'000);
  log.record_failure("4B464D6750012345", core::DecodeError::kWrongKey, 17, 11u, "68FAFA6853FF",
                     now_ms - 1'000);
  Api api(sources());
  const json body = json::parse(api.get("/api/telegrams", {}).body);
  ASSERT_EQ(body["meters"].size(), 2u) << body.dump();
  const json& loose = body["meters"][0];
  EXPECT_TRUE(loose["meter"].is_null());
  EXPECT_EQ(loose["telegrams"][0]["error"], "checksum");
  EXPECT_EQ(loose["telegrams"][0]["error_text"], core::to_string(core::DecodeError::kBadChecksum));
  EXPECT_EQ(loose["telegrams"][0]["offset"], 254);
  EXPECT_EQ(loose["telegrams"][0]["size"], 6);
  const json& mine = body["meters"][1];
  EXPECT_EQ(mine["meter"], "4B464D6750012345");
  ASSERT_EQ(mine["telegrams"].size(), 2u);
  EXPECT_FALSE(mine["telegrams"][0]["decoded"].get<bool>());  // newest first
  EXPECT_EQ(mine["telegrams"][0]["frame_counter"], 11);
  EXPECT_TRUE(mine["telegrams"][1]["decoded"].get<bool>());
  EXPECT_EQ(mine["telegrams"][1]["power_in"], 700.0);
  EXPECT_FALSE(mine["check"].get<std::string>().empty());
}

TEST(TelegramLog, KeepsTheLastTwentyPerMeter) {
  app::TelegramLog log;
  for (int i = 0; i < 25; ++i) {
    log.record_failure("A", core::DecodeError::kNotHex, 0, std::nullopt, "zz" + std::to_string(i),
                       i);
  }
  const auto kept = log.of("A");
  ASSERT_EQ(kept.size(), app::TelegramLog::kPerMeter);
  EXPECT_EQ(kept.front().received_ms, 24);
  EXPECT_EQ(kept.back().received_ms, 5);
  EXPECT_EQ(kept.front().head, "zz24");
}

}  // namespace
}  // namespace meter::http
