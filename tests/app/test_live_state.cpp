// SPDX-License-Identifier: MIT
#include "meter/app/live_state.h"

#include <gtest/gtest.h>

#include <algorithm>
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

// A live state that knows kTitle from SMARTMETER_KEYS: its failures count for it from the start.
LiveStateOptions configured(std::int64_t no_signal_after_ms = kLimitMs) {
  LiveStateOptions options;
  options.no_signal_after_ms = no_signal_after_ms;
  options.configured = {telegram(0).system_title};
  return options;
}

core::Telegram titled(std::uint32_t counter, std::size_t number) {
  core::Telegram t = telegram(counter);
  t.system_title[5] = static_cast<std::uint8_t>(number >> 16);
  t.system_title[6] = static_cast<std::uint8_t>(number >> 8);
  t.system_title[7] = static_cast<std::uint8_t>(number);
  return t;
}

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
  LiveState live(kStart, configured());
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
  LiveState live(kStart, configured());
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
  LiveState live(kStart, configured());
  auto t = telegram(500);
  for (int i = 0; i < 4; ++i) live.record_failure(DecodeError::kAuthFailed, &t, kStart + i * 5000);
  EXPECT_NE(only_meter(live.snapshot(kStart + 16000)).diagnosis, Diagnosis::kWrongKey);
}

TEST(LiveState, CorrectedKeyBringsTheMeterBackToOk) {
  LiveState live(kStart, configured());
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
  LiveStateOptions options;
  options.configured = {telegram(0, 0x02).system_title};
  LiveState live(kStart, options);
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

TEST(LiveState, TooManyMetersAreCountedNotTracked) {
  LiveStateOptions options;
  options.max_meters = 5;
  LiveState live(kStart, options);
  for (std::size_t i = 0; i < 8; ++i)
    live.record_decoded(titled(1, i), kStart + 1000 + 10 * static_cast<std::int64_t>(i));
  const auto snapshot = live.snapshot(kStart + 2000);
  EXPECT_EQ(snapshot.meters.size(), 5u);
  EXPECT_EQ(snapshot.global.unattributed, 3u);
  EXPECT_EQ(snapshot.global.over_limit, 3u);
  EXPECT_EQ(snapshot.global.max_meters, 5u);
  EXPECT_EQ(snapshot.global.limit_reached_ms, kStart + 1050);  // the first one turned away
  EXPECT_EQ(snapshot.global.received, 8u);
  // The known ones carry on.
  live.record_decoded(titled(2, 0), kStart + 3000);
  EXPECT_EQ(live.snapshot(kStart + 3000).meters[0].decoded, 2u);
}

TEST(LiveState, JunkTitlesAreNoMetersAndTakeNoPlace) {
  // Frames that fail to decrypt from thousands of titles (no key needed to send them).
  LiveStateOptions options;
  options.max_meters = 3;
  LiveState live(kStart, options);
  std::int64_t t = kStart;
  for (std::size_t i = 0; i < 1000; ++i) {
    auto junk = titled(7, 0x10000 + i);
    live.record_failure(DecodeError::kAuthFailed, &junk, t += 10);
  }
  auto before = live.snapshot(t);
  EXPECT_TRUE(before.meters.empty());
  EXPECT_EQ(before.global.unattributed, 1000u);
  EXPECT_EQ(before.global.titles.size(), LiveState::kMaxUnattributedTitles);
  EXPECT_EQ(before.global.titles.front().title, "4B464D67500103E7");  // the newest first
  EXPECT_EQ(before.global.titles.front().count, 1u);
  EXPECT_EQ(before.global.titles.front().last_error, DecodeError::kAuthFailed);
  EXPECT_FALSE(before.global.titles.front().probably_wrong_key);

  live.record_decoded(telegram(1), t += 10);
  const auto after = live.snapshot(t);
  const auto m = only_meter(after);
  EXPECT_EQ(m.meter, kTitle);
  EXPECT_EQ(m.diagnosis, Diagnosis::kOk);
  EXPECT_EQ(after.overall, Diagnosis::kOk);
  EXPECT_EQ(after.global.limit_reached_ms, 0);
}

TEST(LiveState, ATitleThatFailsAgainOutlastsOneOffJunk) {
  LiveState live(kStart, kLimitMs);
  std::int64_t t = kStart;
  for (std::uint32_t c = 1; c <= 3; ++c) {
    auto mine = telegram(c);
    live.record_failure(DecodeError::kWrongKey, &mine, t += 10);
  }
  for (std::size_t i = 0; i < 100; ++i) {
    auto junk = titled(7, 0x10000 + i);
    live.record_failure(DecodeError::kAuthFailed, &junk, t += 10);
  }
  const auto snapshot = live.snapshot(t);
  const auto& titles = snapshot.global.titles;
  const auto mine = std::find_if(titles.begin(), titles.end(),
                                 [](const UnattributedTitle& u) { return u.title == kTitle; });
  ASSERT_NE(mine, titles.end());
  EXPECT_EQ(mine->count, 3u);
  EXPECT_TRUE(mine->probably_wrong_key);
}

TEST(LiveState, AnUnknownTitleThatNeverDecryptsIsProbablyTheWrongKey) {
  // Several meters expected (SMARTMETER_KEYS with a default): no meter is made of it, but the
  // status says what is wrong.
  LiveState live(kStart, kLimitMs);
  for (std::uint32_t c = 1; c <= 3; ++c) {
    auto t = telegram(c);
    live.record_failure(DecodeError::kWrongKey, &t, kStart + c * 5000);
  }
  const auto snapshot = live.snapshot(kStart + 16000);
  EXPECT_TRUE(snapshot.meters.empty());
  ASSERT_EQ(snapshot.global.titles.size(), 1u);
  EXPECT_TRUE(snapshot.global.titles[0].probably_wrong_key);
  EXPECT_EQ(snapshot.global.diagnosis, Diagnosis::kWrongKey);
  EXPECT_EQ(snapshot.overall, Diagnosis::kWrongKey);
  EXPECT_NE(snapshot.global.reason.find(kTitle), std::string::npos) << snapshot.global.reason;
}

TEST(LiveState, TheSingleExpectedMeterWithAWrongKeyIsAProvisionalMeter) {
  LiveStateOptions options;
  options.single_expected_meter = true;
  LiveState live(kStart, options);
  auto first = telegram(1);
  live.record_failure(DecodeError::kWrongKey, &first, kStart + 5000);
  EXPECT_TRUE(live.snapshot(kStart + 6000).meters.empty());  // one frame proves nothing
  auto second = telegram(2);
  live.record_failure(DecodeError::kWrongKey, &second, kStart + 10000);
  const auto m = only_meter(live.snapshot(kStart + 11000));
  EXPECT_EQ(m.meter, kTitle);
  EXPECT_TRUE(m.provisional);
  EXPECT_EQ(m.diagnosis, Diagnosis::kWrongKey);
  EXPECT_EQ(m.received, 2u);
  EXPECT_EQ(m.errors[static_cast<std::size_t>(DecodeError::kWrongKey)], 2u);

  // Another title decodes: the key works, the provisional meter was not ours.
  live.record_decoded(titled(1, 0x77), kStart + 12000);
  const auto after = only_meter(live.snapshot(kStart + 13000));
  EXPECT_EQ(after.meter, "4B464D6750000077");
  EXPECT_FALSE(after.provisional);
}

TEST(LiveState, SeveralFailingTitlesMakeNoProvisionalMeter) {
  LiveStateOptions options;
  options.single_expected_meter = true;
  LiveState live(kStart, options);
  std::int64_t t = kStart;
  for (std::uint32_t c = 1; c <= 3; ++c) {
    for (std::size_t n = 1; n <= 2; ++n) {
      auto failing = titled(c, n);
      live.record_failure(DecodeError::kWrongKey, &failing, t += 1000);
    }
  }
  // The first to reach two frames became provisional before the second did; after that no more.
  EXPECT_LE(live.snapshot(t).meters.size(), 1u);
}

TEST(LiveState, SilentMetersAreEvictedButConfiguredOnesStay) {
  LiveStateOptions options = configured();
  options.evict_after_ms = 60'000;
  LiveState live(kStart, options);
  live.record_decoded(titled(1, 1), kStart);
  live.record_decoded(titled(1, 2), kStart + 50'000);
  EXPECT_EQ(live.snapshot(kStart + 55'000).meters.size(), 3u);  // two heard, one configured
  // Past the silence: gone from snapshots at once, and from memory at the next telegram.
  const auto later = live.snapshot(kStart + 61'000);
  ASSERT_EQ(later.meters.size(), 2u);
  EXPECT_EQ(later.meters[0].meter, "4B464D6750000002");
  EXPECT_EQ(later.meters[1].meter, kTitle);
  EXPECT_TRUE(later.meters[1].configured);
  live.record_decoded(titled(2, 2), kStart + 62'000);
  EXPECT_EQ(live.snapshot(kStart + 62'000).global.evicted, 1u);
  // Back after the eviction: a meter again, counted from scratch.
  live.record_decoded(titled(2, 1), kStart + 63'000);
  const auto back = live.snapshot(kStart + 63'000);
  ASSERT_EQ(back.meters.size(), 3u);
  EXPECT_EQ(back.meters[0].decoded, 1u);
}

TEST(LiveState, NamesAndAdviceForEveryDiagnosis) {
  for (const auto d : {Diagnosis::kOk, Diagnosis::kNoSignal, Diagnosis::kLineNoise,
                       Diagnosis::kWrongKey, Diagnosis::kStale}) {
    EXPECT_STRNE(diagnosis_name(d), "unknown");
    EXPECT_STRNE(diagnosis_advice(d), "");
  }
  EXPECT_STREQ(diagnosis_name(Diagnosis::kWrongKey), "wrong_key");
  EXPECT_TRUE(is_line_error(DecodeError::kBadChecksum));
  EXPECT_TRUE(is_line_error(DecodeError::kHdlcBadFcs));  // an HDLC meter's noisy line too
  EXPECT_FALSE(is_line_error(DecodeError::kWrongKey));
  EXPECT_TRUE(is_key_error(DecodeError::kAuthFailed));
  EXPECT_FALSE(is_key_error(DecodeError::kBadChecksum));
}

}  // namespace
}  // namespace meter::app
