// SPDX-License-Identifier: MIT
#include "meter/app/live_state.h"

#include <gtest/gtest.h>

#include <string>

namespace meter::app {
namespace {

using core::DecodeError;

constexpr std::int64_t kStart = 1'795'000'000'000;  // ms
constexpr std::int64_t kLimitMs = 30'000;
constexpr const char* kTitle = "4B464D6750012345";

core::Telegram telegram(std::uint32_t counter, std::uint8_t last_title_byte = 0x45) {
  core::Telegram t;
  t.system_title = {0x4B, 0x46, 0x4D, 0x67, 0x50, 0x01, 0x23, last_title_byte};
  t.encrypted = true;
  t.frame_counter = counter;
  t.has_time = true;
  t.timestamp_utc = kStart / 1000;
  t.meter_number.assign("181220012345");
  t[core::Quantity::kPowerImport] = {true, 1284, 0, core::kUnitWatt, true};
  return t;
}

// What the service passes for a failure before the security header: a telegram whose system
// title was cleared.
core::Telegram nameless() { return core::Telegram{}; }

MeterSnapshot only_meter(const LiveSnapshot& snapshot) {
  EXPECT_EQ(snapshot.meters.size(), 1u);
  return snapshot.meters.at(0);
}

TEST(LiveState, NoSignalBeforeTheFirstTelegram) {
  LiveState live(kStart, kLimitMs);
  auto early = live.snapshot(kStart + 1000);
  EXPECT_EQ(early.overall, Diagnosis::kNoSignal);
  EXPECT_EQ(early.global.reason, "waiting for the first telegram");
  auto late = live.snapshot(kStart + kLimitMs + 1000);
  EXPECT_EQ(late.overall, Diagnosis::kNoSignal);
  EXPECT_NE(late.global.reason.find("since the start"), std::string::npos);
  EXPECT_TRUE(late.meters.empty());
}

TEST(LiveState, DecodedTelegramsAreOkWithTheNewestReading) {
  LiveState live(kStart, kLimitMs);
  live.record_decoded(telegram(100), kStart + 5000);
  live.record_decoded(telegram(101), kStart + 10000);
  const auto snapshot = live.snapshot(kStart + 11000);
  const auto m = only_meter(snapshot);
  EXPECT_EQ(m.meter, kTitle);
  EXPECT_EQ(m.meter_number, "181220012345");
  EXPECT_EQ(m.diagnosis, Diagnosis::kOk);
  EXPECT_EQ(snapshot.overall, Diagnosis::kOk);
  ASSERT_TRUE(m.latest.has_value());
  EXPECT_EQ(m.latest->frame_counter, 101u);
  EXPECT_EQ((*m.latest)[core::Quantity::kPowerImport], 1284.0);
  EXPECT_EQ(m.last_received_ms, kStart + 10000);
  EXPECT_EQ(m.received, 2u);
  EXPECT_EQ(m.decoded, 2u);
  EXPECT_EQ(m.frame_counter_gaps, 0u);
  EXPECT_EQ(m.replays, 0u);
}

TEST(LiveState, CountsFrameCounterGapsAndReplays) {
  LiveState live(kStart, kLimitMs);
  live.record_decoded(telegram(100), kStart);
  live.record_decoded(telegram(101), kStart + 1);
  live.record_decoded(telegram(105), kStart + 2);  // 102..104 lost
  live.record_decoded(telegram(105), kStart + 3);  // redelivered
  live.record_decoded(telegram(103), kStart + 4);  // older: a replay, not the newest reading
  live.record_decoded(telegram(107), kStart + 5);  // 106 lost
  const auto m = only_meter(live.snapshot(kStart + 10));
  EXPECT_EQ(m.frame_counter_gaps, 2u);
  EXPECT_EQ(m.frames_missed, 4u);
  EXPECT_EQ(m.replays, 2u);
  EXPECT_EQ(m.last_frame_counter, 107u);
  EXPECT_EQ(m.latest->frame_counter, 107u);
}

TEST(LiveState, ReplayDoesNotReplaceTheNewestReading) {
  LiveState live(kStart, kLimitMs);
  live.record_decoded(telegram(200), kStart);
  live.record_decoded(telegram(150), kStart + 5000);
  const auto m = only_meter(live.snapshot(kStart + 6000));
  EXPECT_EQ(m.latest->frame_counter, 200u);
  EXPECT_EQ(m.replays, 1u);
}

TEST(LiveState, WrongKeyNeedsTwoIntactFramesWithIncreasingCounters) {
  LiveState live(kStart, kLimitMs);
  auto t = telegram(500);
  live.record_failure(DecodeError::kWrongKey, &t, kStart + 5000);
  auto one = live.snapshot(kStart + 6000);
  EXPECT_EQ(only_meter(one).diagnosis, Diagnosis::kStale);  // nothing decoded yet
  EXPECT_EQ(only_meter(one).errors[static_cast<std::size_t>(DecodeError::kWrongKey)], 1u);

  t.frame_counter = 501;
  live.record_failure(DecodeError::kWrongKey, &t, kStart + 10000);
  auto two = live.snapshot(kStart + 11000);
  EXPECT_EQ(only_meter(two).diagnosis, Diagnosis::kWrongKey);
  EXPECT_EQ(two.overall, Diagnosis::kWrongKey);
  EXPECT_NE(only_meter(two).reason.find("did not decrypt"), std::string::npos);
}

TEST(LiveState, AMeterWithoutAConfiguredKeyIsNamedSo) {
  LiveState live(kStart, kLimitMs);
  for (std::uint32_t c = 1; c <= 2; ++c) {
    auto t = telegram(c);
    live.record_failure(DecodeError::kNoKey, &t, kStart + c * 5000);
  }
  const auto m = only_meter(live.snapshot(kStart + 11000));
  EXPECT_EQ(m.diagnosis, Diagnosis::kWrongKey);
  EXPECT_NE(m.reason.find("no key is configured"), std::string::npos) << m.reason;
}

TEST(LiveState, RepeatedCounterIsNotTakenForAWrongKey) {
  // The same frame again and again (a replay) proves nothing about the key.
  LiveState live(kStart, kLimitMs);
  auto t = telegram(500);
  for (int i = 0; i < 4; ++i) live.record_failure(DecodeError::kAuthFailed, &t, kStart + i * 5000);
  EXPECT_NE(only_meter(live.snapshot(kStart + 16000)).diagnosis, Diagnosis::kWrongKey);
}

TEST(LiveState, CorrectedKeyBringsTheMeterBackToOk) {
  LiveState live(kStart, kLimitMs);
  for (std::uint32_t c = 1; c <= 3; ++c) {
    auto t = telegram(c);
    live.record_failure(DecodeError::kWrongKey, &t, kStart + c * 5000);
  }
  EXPECT_EQ(only_meter(live.snapshot(kStart + 16000)).diagnosis, Diagnosis::kWrongKey);
  live.record_decoded(telegram(4), kStart + 20000);
  EXPECT_EQ(only_meter(live.snapshot(kStart + 21000)).diagnosis, Diagnosis::kOk);
}

TEST(LiveState, ChecksumErrorsWithoutAMeterGoToTheGlobalBucket) {
  LiveState live(kStart, kLimitMs);
  auto cleared = nameless();
  live.record_failure(DecodeError::kBadChecksum, &cleared, kStart + 1000);
  live.record_failure(DecodeError::kNotHex, nullptr, kStart + 2000);
  const auto snapshot = live.snapshot(kStart + 3000);
  EXPECT_TRUE(snapshot.meters.empty());
  EXPECT_EQ(snapshot.global.unattributed, 2u);
  EXPECT_EQ(snapshot.global.errors[static_cast<std::size_t>(DecodeError::kBadChecksum)], 1u);
  EXPECT_EQ(snapshot.global.errors[static_cast<std::size_t>(DecodeError::kNotHex)], 1u);
  EXPECT_EQ(snapshot.global.received, 2u);
}

TEST(LiveState, LineNoiseWhenDamagedFramesDominate) {
  LiveState live(kStart, kLimitMs);
  std::int64_t t = kStart;
  live.record_decoded(telegram(1), t += 5000);
  auto cleared = nameless();
  for (int i = 0; i < 2; ++i) live.record_failure(DecodeError::kBadChecksum, &cleared, t += 5000);
  // Two damaged, one decoded: not yet.
  EXPECT_EQ(only_meter(live.snapshot(t)).diagnosis, Diagnosis::kOk);
  live.record_failure(DecodeError::kBadStopByte, &cleared, t += 5000);
  const auto noisy = live.snapshot(t);
  // One meter: the damaged frames that named none are its own.
  EXPECT_EQ(only_meter(noisy).diagnosis, Diagnosis::kLineNoise);
  EXPECT_EQ(noisy.global.diagnosis, Diagnosis::kLineNoise);
  EXPECT_EQ(noisy.overall, Diagnosis::kLineNoise);
  // Good telegrams win it back.
  for (std::uint32_t c = 2; c <= 5; ++c) live.record_decoded(telegram(c), t += 5000);
  EXPECT_EQ(only_meter(live.snapshot(t)).diagnosis, Diagnosis::kOk);
}

TEST(LiveState, DamagedFramesOnlyKeepTheMeterFromNoSignal) {
  // A meter whose every frame arrives damaged is not silent: it is noisy.
  LiveState live(kStart, kLimitMs);
  live.record_decoded(telegram(1), kStart);
  auto cleared = nameless();
  std::int64_t t = kStart;
  for (int i = 0; i < 12; ++i) live.record_failure(DecodeError::kBadChecksum, &cleared, t += 5000);
  EXPECT_EQ(only_meter(live.snapshot(t + 1000)).diagnosis, Diagnosis::kLineNoise);
}

TEST(LiveState, StaleWhenTelegramsArriveButNoneDecodes) {
  LiveState live(kStart, kLimitMs);
  live.record_decoded(telegram(1), kStart);
  std::int64_t t = kStart;
  for (std::uint32_t c = 2; c < 12; ++c) {
    auto bad = telegram(c);
    live.record_failure(DecodeError::kBadValue, &bad, t += 5000);  // decrypted, malformed
  }
  const auto m = only_meter(live.snapshot(t + 1000));
  EXPECT_EQ(m.diagnosis, Diagnosis::kStale);
  EXPECT_NE(m.reason.find("last decoded telegram"), std::string::npos) << m.reason;
}

TEST(LiveState, NoSignalAfterSilence) {
  LiveState live(kStart, kLimitMs);
  live.record_decoded(telegram(1), kStart);
  EXPECT_EQ(only_meter(live.snapshot(kStart + kLimitMs)).diagnosis, Diagnosis::kOk);
  const auto silent = live.snapshot(kStart + kLimitMs + 1);
  EXPECT_EQ(only_meter(silent).diagnosis, Diagnosis::kNoSignal);
  EXPECT_EQ(silent.overall, Diagnosis::kNoSignal);
  EXPECT_EQ(silent.global.diagnosis, Diagnosis::kNoSignal);
}

TEST(LiveState, EachMeterHasItsOwnDiagnosis) {
  LiveState live(kStart, kLimitMs);
  std::int64_t t = kStart;
  for (std::uint32_t c = 1; c <= 3; ++c) {
    live.record_decoded(telegram(c, 0x01), t += 1000);
    auto other = telegram(c, 0x02);
    live.record_failure(DecodeError::kWrongKey, &other, t += 1000);
  }
  const auto snapshot = live.snapshot(t);
  ASSERT_EQ(snapshot.meters.size(), 2u);
  EXPECT_EQ(snapshot.meters[0].diagnosis, Diagnosis::kOk);
  EXPECT_EQ(snapshot.meters[1].diagnosis, Diagnosis::kWrongKey);
  EXPECT_EQ(snapshot.overall, Diagnosis::kWrongKey);  // the worst
  // With two meters an unattributed checksum error belongs to neither.
  auto cleared = nameless();
  for (int i = 0; i < 5; ++i) live.record_failure(DecodeError::kBadChecksum, &cleared, t += 10);
  EXPECT_EQ(live.snapshot(t).meters[0].diagnosis, Diagnosis::kOk);
}

TEST(LiveState, PlaintextTelegramsAreKnownByTheirMeterNumber) {
  // No security header: no system title and no frame counter to check.
  LiveState live(kStart, kLimitMs);
  core::Telegram t = telegram(0);
  t.encrypted = false;
  t.system_title = {};
  t.meter_number.assign("ABCDEFGHIJKLMNOPQRS");
  live.record_decoded(t, kStart + 1000);
  live.record_decoded(t, kStart + 2000);
  const auto m = only_meter(live.snapshot(kStart + 3000));
  EXPECT_EQ(m.meter, "ABCDEFGHIJKLMNOP");  // as make_reading() names it: 16 characters
  EXPECT_EQ(m.meter_number, "ABCDEFGHIJKLMNOPQRS");
  EXPECT_EQ(m.decoded, 2u);
  EXPECT_EQ(m.replays, 0u);
  EXPECT_FALSE(m.last_frame_counter.has_value());
  ASSERT_TRUE(m.latest.has_value());
  EXPECT_EQ(m.latest->meter, m.meter);
  EXPECT_EQ(m.latest->received_at_ms, kStart + 2000);
}

TEST(LiveState, TooManyMetersGoToTheGlobalBucket) {
  LiveState live(kStart, kLimitMs);
  for (std::size_t i = 0; i < LiveState::kMaxMeters + 3; ++i) {
    core::Telegram t = telegram(1);
    t.system_title[6] = static_cast<std::uint8_t>(i >> 8);
    t.system_title[7] = static_cast<std::uint8_t>(i);
    live.record_decoded(t, kStart + 1000);
  }
  const auto snapshot = live.snapshot(kStart + 2000);
  EXPECT_EQ(snapshot.meters.size(), LiveState::kMaxMeters);
  EXPECT_EQ(snapshot.global.unattributed, 3u);
  EXPECT_EQ(snapshot.global.received, LiveState::kMaxMeters + 3);
}

TEST(LiveState, NamesAndAdviceForEveryDiagnosis) {
  for (const auto d : {Diagnosis::kOk, Diagnosis::kNoSignal, Diagnosis::kLineNoise,
                       Diagnosis::kWrongKey, Diagnosis::kStale}) {
    EXPECT_STRNE(diagnosis_name(d), "unknown");
    EXPECT_STRNE(diagnosis_advice(d), "");
  }
  EXPECT_STREQ(diagnosis_name(Diagnosis::kWrongKey), "wrong_key");
  EXPECT_TRUE(is_line_error(DecodeError::kBadChecksum));
  EXPECT_FALSE(is_line_error(DecodeError::kWrongKey));
  EXPECT_TRUE(is_key_error(DecodeError::kAuthFailed));
  EXPECT_FALSE(is_key_error(DecodeError::kBadChecksum));
}

}  // namespace
}  // namespace meter::app
