// SPDX-License-Identifier: MIT
#include "meter/core/frame_assembler.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <string_view>
#include <vector>

#include "frame_builder.h"
#include "hdlc_vectors.h"
#include "meter/core/telegram_encoder.h"
#include "meter/crypto/openssl_gcm_cipher.h"

namespace meter::core {
namespace {

using test::Bytes;
using test::ByteSpan;
using Event = FrameAssembler::Event;

// The brochure telegram: frame 1 is [0, 256) with its fragment at [9, 254), frame 2 is
// [256, 282) with its fragment at [265, 280) and its checksum at 280.
const Bytes& doc_telegram() {
  static const Bytes kTelegram = test::from_hex(test::kDocTelegramHex);
  return kTelegram;
}

const Bytes& doc_apdu() {
  static const Bytes kApdu = [] {
    const Bytes& t = doc_telegram();
    Bytes out(t.begin() + 9, t.begin() + 254);
    out.insert(out.end(), t.begin() + 265, t.begin() + 280);
    return out;
  }();
  return kApdu;
}

// Same layout, next frame counter: a different telegram of the same shape.
const Bytes& next_telegram() {
  static const Bytes kTelegram = [] {
    crypto::OpenSslGcmCipher cipher;
    const Bytes apdu = encode_general_glo_ciphering(
        encode_data_notification(test::doc_spec()),
        test::doc_cipher(kSecurityEncryption, test::kDocFrameCounter + 1), cipher);
    return encode_mbus_frames(apdu);
  }();
  return kTelegram;
}

Bytes first_frame(const Bytes& telegram) { return Bytes(telegram.begin(), telegram.begin() + 256); }
Bytes second_frame(const Bytes& telegram) { return Bytes(telegram.begin() + 256, telegram.end()); }

Bytes with_bad_checksum(Bytes frame) {
  frame[test::checksum_offset(frame)] ^= 0xFF;
  return frame;
}

struct Output {
  std::vector<Bytes> telegrams;
  std::vector<Bytes> apdus;
  std::vector<std::size_t> segment_counts;
  std::vector<bool> length_quirks;
  std::vector<Framing> framings;
};

void collect(const FrameAssembler& assembler, Output& out) {
  out.telegrams.emplace_back(assembler.telegram(),
                             assembler.telegram() + assembler.telegram_size());
  Bytes apdu(FrameAssembler::kCapacity);
  apdu.resize(assembler.copy_apdu(apdu.data(), apdu.size()));
  out.apdus.push_back(apdu);
  out.segment_counts.push_back(assembler.segment_count());
  out.length_quirks.push_back(assembler.length_quirk());
  out.framings.push_back(assembler.framing());
}

// Feeds `stream` in chunks of `chunk_size` the way a caller must: after kTelegram it pushes the
// rest of the chunk again. At the end, telegrams that are already buffered come out on an empty
// push.
Output feed(FrameAssembler& assembler, ByteSpan stream, std::size_t chunk_size) {
  Output out;
  for (std::size_t start = 0; start < stream.size(); start += chunk_size) {
    const ByteSpan chunk = stream.subspan(start, std::min(chunk_size, stream.size() - start));
    std::size_t done = 0;
    while (done < chunk.size()) {
      const auto result = assembler.push(chunk.data() + done, chunk.size() - done);
      done += result.consumed;
      if (result.event == Event::kTelegram) {
        collect(assembler, out);
      } else if (result.consumed == 0) {
        ADD_FAILURE() << "push() took nothing and completed nothing";
        return out;
      }
    }
  }
  const std::uint8_t none = 0;
  while (assembler.push(&none, 0).event == Event::kTelegram) collect(assembler, out);
  return out;
}

void expect_failure(const DecodeFailure& failure, DecodeError code, std::uint32_t offset) {
  EXPECT_EQ(failure.code, code) << to_string(failure.code);
  EXPECT_EQ(failure.offset, offset);
}

TEST(FrameAssembler, DeliversTwoSegmentTelegramFromOnePush) {
  auto assembler = std::make_unique<FrameAssembler>();
  const Bytes& telegram = doc_telegram();
  const auto result = assembler->push(telegram.data(), telegram.size());
  ASSERT_EQ(result.event, Event::kTelegram);
  EXPECT_EQ(result.consumed, 282u);
  ASSERT_EQ(assembler->telegram_size(), 282u);
  EXPECT_EQ(Bytes(assembler->telegram(), assembler->telegram() + 282), telegram);
  EXPECT_EQ(assembler->telegram(), telegram.data());  // taken where it lies, not copied
  EXPECT_EQ(assembler->segment_count(), 2u);
  EXPECT_FALSE(assembler->length_quirk());
  EXPECT_EQ(assembler->stats().telegrams, 1u);
  EXPECT_EQ(assembler->stats().frames, 2u);
  EXPECT_EQ(assembler->stats().skipped_bytes, 0u);

  Bytes apdu(300);
  ASSERT_EQ(assembler->copy_apdu(apdu.data(), apdu.size()), 260u);
  apdu.resize(260);
  EXPECT_EQ(apdu, doc_apdu());
  EXPECT_EQ(apdu[0], 0xDB);
}

TEST(FrameAssembler, DeliversTelegramFedByteByByte) {
  auto assembler = std::make_unique<FrameAssembler>();
  const Bytes& telegram = doc_telegram();
  for (std::size_t i = 0; i + 1 < telegram.size(); ++i) {
    ASSERT_EQ(assembler->push(&telegram[i], 1).event, Event::kNone) << "at byte " << i;
  }
  ASSERT_EQ(assembler->push(&telegram.back(), 1).event, Event::kTelegram);
  EXPECT_EQ(Bytes(assembler->telegram(), assembler->telegram() + assembler->telegram_size()),
            telegram);
}

// Two UART reads per telegram, as DomiStyle/esphome-dlms-meter#12 reports.
TEST(FrameAssembler, DeliversTelegramInUartChunksOf150And132) {
  auto assembler = std::make_unique<FrameAssembler>();
  const Bytes& telegram = doc_telegram();
  const auto first = assembler->push(telegram.data(), 150);
  EXPECT_EQ(first.event, Event::kNone);
  EXPECT_EQ(first.consumed, 150u);
  EXPECT_EQ(assembler->telegram_size(), 0u);
  const auto second = assembler->push(telegram.data() + 150, 132);
  ASSERT_EQ(second.event, Event::kTelegram);
  EXPECT_EQ(second.consumed, 132u);
  Bytes apdu(300);
  apdu.resize(assembler->copy_apdu(apdu.data(), apdu.size()));
  EXPECT_EQ(apdu, doc_apdu());
}

TEST(FrameAssembler, EveryChunkSizeGivesTheSameTelegrams) {
  const Bytes stream = test::join({doc_telegram(), next_telegram(), doc_telegram()});
  for (const std::size_t chunk : {1u, 2u, 7u, 26u, 150u, 255u, 256u, 281u, 282u, 1000u}) {
    auto assembler = std::make_unique<FrameAssembler>();
    const Output out = feed(*assembler, stream, chunk);
    ASSERT_EQ(out.telegrams.size(), 3u) << "chunk " << chunk;
    EXPECT_EQ(out.telegrams[0], doc_telegram()) << "chunk " << chunk;
    EXPECT_EQ(out.telegrams[1], next_telegram()) << "chunk " << chunk;
    EXPECT_EQ(out.telegrams[2], doc_telegram()) << "chunk " << chunk;
    EXPECT_EQ(assembler->stats().checksum_errors + assembler->stats().sequence_errors +
                  assembler->stats().other_errors,
              0u);
  }
}

// Whole telegrams in one push are taken where they lie, anything else goes through the buffer:
// both give the same telegrams, APDUs, counters and final error.
TEST(FrameAssembler, WholePushesAndSingleBytesGiveTheSameResults) {
  const Bytes junk = {0x00, 0x68, 0x05, 0x07, 0x16};
  const Bytes stream = test::join(
      {next_telegram(), junk, doc_telegram(), with_bad_checksum(first_frame(next_telegram())),
       second_frame(next_telegram()), next_telegram(), junk, first_frame(doc_telegram()),
       doc_telegram(), first_frame(next_telegram())});
  auto whole = std::make_unique<FrameAssembler>();
  auto single = std::make_unique<FrameAssembler>();
  const Output a = feed(*whole, stream, stream.size());
  const Output b = feed(*single, stream, 1);
  ASSERT_EQ(a.telegrams.size(), 4u);
  EXPECT_EQ(a.telegrams, b.telegrams);
  EXPECT_EQ(a.apdus, b.apdus);
  EXPECT_EQ(a.segment_counts, b.segment_counts);
  const FrameAssembler::Stats& x = whole->stats();
  const FrameAssembler::Stats& y = single->stats();
  EXPECT_EQ(x.telegrams, y.telegrams);
  EXPECT_EQ(x.frames, y.frames);
  EXPECT_EQ(x.checksum_errors, y.checksum_errors);
  EXPECT_EQ(x.sequence_errors, y.sequence_errors);
  EXPECT_EQ(x.other_errors, y.other_errors);
  EXPECT_EQ(x.skipped_bytes, y.skipped_bytes);
  EXPECT_EQ(x.checksum_errors, 1u);
  EXPECT_GE(x.sequence_errors, 2u);
  const DecodeFailure end_whole = whole->finish();
  const DecodeFailure end_single = single->finish();
  EXPECT_EQ(end_whole.code, end_single.code);
  EXPECT_EQ(end_whole.offset, end_single.offset);
}

TEST(FrameAssembler, StopsConsumingRightAfterATelegram) {
  auto assembler = std::make_unique<FrameAssembler>();
  const Bytes stream = test::join({doc_telegram(), next_telegram()});
  const auto first = assembler->push(stream.data(), stream.size());
  ASSERT_EQ(first.event, Event::kTelegram);
  EXPECT_EQ(first.consumed, 282u);
  const auto second = assembler->push(stream.data() + first.consumed, stream.size() - 282);
  ASSERT_EQ(second.event, Event::kTelegram);
  EXPECT_EQ(second.consumed, 282u);
  EXPECT_EQ(Bytes(assembler->telegram(), assembler->telegram() + assembler->telegram_size()),
            next_telegram());
}

TEST(FrameAssembler, ResyncsOverGarbageBeforeAndBetweenTelegrams) {
  auto assembler = std::make_unique<FrameAssembler>();
  const Bytes junk_before = {0x00, 0xFF, 0x16, 0x01, 0x02, 0x03, 0x04};
  const Bytes junk_between = {0xE5, 0x10, 0x5B, 0xFE, 0x16};
  const Bytes stream = test::join({junk_before, doc_telegram(), junk_between, next_telegram()});
  const Output out = feed(*assembler, stream, stream.size());
  ASSERT_EQ(out.telegrams.size(), 2u);
  EXPECT_EQ(out.telegrams[0], doc_telegram());
  EXPECT_EQ(out.telegrams[1], next_telegram());
  EXPECT_EQ(assembler->stats().skipped_bytes, 12u);
  EXPECT_EQ(assembler->stats().telegrams, 2u);
  EXPECT_EQ(assembler->stats().other_errors, 0u);
}

TEST(FrameAssembler, ResyncsOverAFalseFrameStart) {
  auto assembler = std::make_unique<FrameAssembler>();
  const Bytes junk = {0x01, 0x68, 0x05, 0x06, 0x07};  // 68 05 06: the L bytes differ
  const Bytes stream = test::join({junk, doc_telegram()});
  const Output out = feed(*assembler, stream, 1);
  ASSERT_EQ(out.telegrams.size(), 1u);
  EXPECT_EQ(out.telegrams[0], doc_telegram());
  // A false start in junk is resynchronisation, not an error: its bytes count as skipped.
  EXPECT_EQ(assembler->stats().other_errors, 0u);
  EXPECT_EQ(assembler->stats().skipped_bytes, junk.size());
}

TEST(FrameAssembler, ChecksumErrorInSecondSegmentIsCountedAndNextTelegramDelivered) {
  const Bytes damaged =
      test::join({first_frame(doc_telegram()), with_bad_checksum(second_frame(doc_telegram()))});
  const Bytes stream = test::join({damaged, next_telegram()});
  for (const std::size_t chunk : {std::size_t{1}, std::size_t{150}, stream.size()}) {
    auto assembler = std::make_unique<FrameAssembler>();
    const Output out = feed(*assembler, stream, chunk);
    ASSERT_EQ(out.telegrams.size(), 1u) << "chunk " << chunk;
    EXPECT_EQ(out.telegrams[0], next_telegram()) << "chunk " << chunk;
    EXPECT_EQ(assembler->stats().checksum_errors, 1u) << "chunk " << chunk;
    EXPECT_EQ(assembler->stats().telegrams, 1u);
  }
}

TEST(FrameAssembler, MissingLastSegmentThenNewTelegram) {
  auto assembler = std::make_unique<FrameAssembler>();
  const Bytes stream = test::join({first_frame(doc_telegram()), next_telegram()});
  const auto result = assembler->push(stream.data(), stream.size());
  ASSERT_EQ(result.event, Event::kTelegram);  // kTelegram wins over the kIncomplete error
  EXPECT_EQ(result.consumed, stream.size());
  EXPECT_EQ(Bytes(assembler->telegram(), assembler->telegram() + assembler->telegram_size()),
            next_telegram());
  EXPECT_EQ(assembler->segment_count(), 2u);
  EXPECT_EQ(assembler->stats().sequence_errors, 1u);
  expect_failure(assembler->last_error(), DecodeError::kIncomplete, 256);
}

TEST(FrameAssembler, SecondSegmentWithoutFirstIsOutOfSequence) {
  auto assembler = std::make_unique<FrameAssembler>();
  const Bytes orphan = second_frame(doc_telegram());
  const auto result = assembler->push(orphan.data(), orphan.size());
  EXPECT_EQ(result.event, Event::kError);
  EXPECT_EQ(assembler->stats().sequence_errors, 1u);
  expect_failure(assembler->last_error(), DecodeError::kBadSegmentSequence, 6);
  expect_failure(assembler->finish(), DecodeError::kBadSegmentSequence, 6);

  const Output out = feed(*assembler, next_telegram(), 282);
  ASSERT_EQ(out.telegrams.size(), 1u);
  EXPECT_EQ(out.telegrams[0], next_telegram());
}

TEST(FrameAssembler, SegmentNumberGapIsOutOfSequence) {
  auto assembler = std::make_unique<FrameAssembler>();
  const auto frames = test::mbus_segment_frames(doc_apdu(), {100, 100, 60});
  const Bytes stream = test::join({frames[0], frames[2]});  // segment 1 lost
  EXPECT_EQ(assembler->push(stream.data(), stream.size()).event, Event::kError);
  expect_failure(assembler->last_error(), DecodeError::kBadSegmentSequence,
                 static_cast<std::uint32_t>(frames[0].size() + 6));
}

TEST(FrameAssembler, FinishReportsNoFrameForPureJunk) {
  auto assembler = std::make_unique<FrameAssembler>();
  const Bytes junk(100, 0x55);
  EXPECT_EQ(assembler->push(junk.data(), junk.size()).event, Event::kNone);
  expect_failure(assembler->finish(), DecodeError::kNoFrame, 0);
  EXPECT_EQ(assembler->stats().skipped_bytes, 100u);
}

TEST(FrameAssembler, FinishReportsTruncatedInsideAFrame) {
  auto assembler = std::make_unique<FrameAssembler>();
  const Bytes stream = test::join({Bytes{0x00, 0x00, 0x00}, doc_telegram()});
  EXPECT_EQ(assembler->push(stream.data(), 103).event, Event::kNone);
  expect_failure(assembler->finish(), DecodeError::kTruncated, 103);
}

TEST(FrameAssembler, FinishReportsIncompleteWhenTheLastSegmentIsMissing) {
  auto assembler = std::make_unique<FrameAssembler>();
  const Bytes frame = first_frame(doc_telegram());
  EXPECT_EQ(assembler->push(frame.data(), frame.size()).event, Event::kNone);
  expect_failure(assembler->finish(), DecodeError::kIncomplete, 256);
}

TEST(FrameAssembler, FinishPrefersTheChecksumErrorOverIncomplete) {
  auto assembler = std::make_unique<FrameAssembler>();
  // The damaged frame waits for its L + 256 reading when the input ends.
  const Bytes stream =
      test::join({first_frame(doc_telegram()), with_bad_checksum(second_frame(doc_telegram()))});
  EXPECT_EQ(assembler->push(stream.data(), stream.size()).event, Event::kNone);
  expect_failure(assembler->finish(), DecodeError::kBadChecksum, 280);
}

TEST(FrameAssembler, FinishPrefersARecordedChecksumErrorOverLaterTruncation) {
  auto assembler = std::make_unique<FrameAssembler>();
  // Enough bytes after the damaged frame to rule out L + 256, then half of a new telegram.
  const Bytes stream =
      test::join({first_frame(doc_telegram()), with_bad_checksum(second_frame(doc_telegram())),
                  Bytes(next_telegram().begin(), next_telegram().begin() + 270)});
  EXPECT_EQ(assembler->push(stream.data(), stream.size()).event, Event::kError);
  EXPECT_EQ(assembler->stats().checksum_errors, 1u);
  expect_failure(assembler->finish(), DecodeError::kBadChecksum, 280);
}

TEST(FrameAssembler, ErrorOffsetsCountFromTheStreamStart) {
  auto assembler = std::make_unique<FrameAssembler>();
  const Bytes junk = {0x01, 0x02, 0x03, 0x04, 0x05};
  const Bytes not_dlms = test::mbus_frame(Bytes(20, 0x33), 0x20);
  const Bytes stream = test::join({junk, doc_telegram(), junk, not_dlms});
  const Output out = feed(*assembler, stream, 64);
  ASSERT_EQ(out.telegrams.size(), 1u);
  EXPECT_EQ(out.telegrams[0], doc_telegram());
  // The CI byte of the frame that starts after 5 + 282 + 5 bytes.
  expect_failure(assembler->finish(), DecodeError::kNotDlms, 5 + 282 + 5 + 6);
  EXPECT_GE(assembler->stats().other_errors, 1u);
}

TEST(FrameAssembler, ChecksumErrorOffsetCountsFromTheStreamStart) {
  auto assembler = std::make_unique<FrameAssembler>();
  const Bytes junk = {0x01, 0x02, 0x03};
  const Bytes stream =
      test::join({junk, first_frame(doc_telegram()),
                  with_bad_checksum(second_frame(doc_telegram())), Bytes(300, 0x00)});
  EXPECT_EQ(assembler->push(stream.data(), stream.size()).event, Event::kError);
  EXPECT_EQ(assembler->stats().checksum_errors, 1u);
  expect_failure(assembler->finish(), DecodeError::kBadChecksum, 3 + 280);
}

TEST(FrameAssembler, JoinsThreeSegments) {
  auto assembler = std::make_unique<FrameAssembler>();
  const auto frames = test::mbus_segment_frames(doc_apdu(), {100, 100, 60});
  ASSERT_EQ(frames[0][test::kCiOffset], 0x00);
  ASSERT_EQ(frames[1][test::kCiOffset], 0x01);
  ASSERT_EQ(frames[2][test::kCiOffset], 0x12);
  const Output out = feed(*assembler, test::join_frames(frames), 13);
  ASSERT_EQ(out.telegrams.size(), 1u);
  EXPECT_EQ(out.segment_counts[0], 3u);
  EXPECT_EQ(out.apdus[0], doc_apdu());
}

TEST(FrameAssembler, SixteenSegmentsFit) {
  auto assembler = std::make_unique<FrameAssembler>();
  const Bytes apdu(Bytes(doc_apdu().begin(), doc_apdu().begin() + 160));
  const auto frames = test::mbus_segment_frames(apdu, std::vector<std::size_t>(16, 10));
  ASSERT_EQ(frames[15][test::kCiOffset], 0x1F);
  const Output out = feed(*assembler, test::join_frames(frames), 1000);
  ASSERT_EQ(out.telegrams.size(), 1u);
  EXPECT_EQ(out.segment_counts[0], 16u);
  EXPECT_EQ(out.apdus[0], apdu);
}

// Segment numbers have 4 bits: a frame with CI 0x10 after sixteen segments without FIN is, on
// the wire, a complete one-frame telegram. The sixteen before it never finished: kIncomplete.
// (The encoder refuses to write more than sixteen segments.)
TEST(FrameAssembler, SeventeenthSegmentIsANewOneFrameTelegram) {
  auto assembler = std::make_unique<FrameAssembler>();
  const Bytes apdu(Bytes(doc_apdu().begin(), doc_apdu().begin() + 170));
  const auto frames = test::mbus_segment_frames(apdu, std::vector<std::size_t>(17, 10));
  ASSERT_EQ(frames[16][test::kCiOffset], 0x10);
  const Output out = feed(*assembler, test::join_frames(frames), 1000);
  ASSERT_EQ(out.telegrams.size(), 1u);
  EXPECT_EQ(out.segment_counts[0], 1u);
  EXPECT_EQ(out.telegrams[0], frames[16]);
  EXPECT_EQ(assembler->stats().sequence_errors, 1u);
  EXPECT_EQ(assembler->last_error().code, DecodeError::kIncomplete);
}

TEST(FrameAssembler, TelegramBeyondTheBufferIsTooLargeAndTheNextOneStillComes) {
  auto assembler = std::make_unique<FrameAssembler>();
  // 8 frames of 256 bytes: 2048 raw bytes do not fit into kCapacity (1536).
  Bytes apdu;
  for (int i = 0; i < 8; ++i) apdu.insert(apdu.end(), doc_apdu().begin(), doc_apdu().begin() + 245);
  const auto frames = test::mbus_segment_frames(apdu, std::vector<std::size_t>(8, 245));
  const Bytes big = test::join_frames(frames);
  EXPECT_EQ(assembler->push(big.data(), big.size()).event, Event::kError);
  EXPECT_EQ(assembler->stats().telegrams, 0u);
  expect_failure(assembler->finish(), DecodeError::kTooLarge, 1536);

  const Output out = feed(*assembler, next_telegram(), 282);
  ASSERT_EQ(out.telegrams.size(), 1u);
  EXPECT_EQ(out.telegrams[0], next_telegram());
}

TEST(FrameAssembler, CopyApduNeedsAReadyTelegramAndRoom) {
  auto assembler = std::make_unique<FrameAssembler>();
  Bytes out(300, 0xEE);
  EXPECT_EQ(assembler->copy_apdu(out.data(), out.size()), 0u);
  const Bytes& telegram = doc_telegram();
  ASSERT_EQ(assembler->push(telegram.data(), telegram.size()).event, Event::kTelegram);
  EXPECT_EQ(assembler->copy_apdu(out.data(), 259), 0u);
  EXPECT_EQ(out[0], 0xEE);  // nothing written when it does not fit
  EXPECT_EQ(assembler->copy_apdu(out.data(), 260), 260u);
  EXPECT_EQ(Bytes(out.begin(), out.begin() + 260), doc_apdu());
  EXPECT_EQ(out[260], 0xEE);
}

TEST(FrameAssembler, TelegramIsReleasedByTheNextPush) {
  auto assembler = std::make_unique<FrameAssembler>();
  const Bytes& telegram = doc_telegram();
  ASSERT_EQ(assembler->push(telegram.data(), telegram.size()).event, Event::kTelegram);
  const std::uint8_t zero = 0x00;
  EXPECT_EQ(assembler->push(&zero, 1).event, Event::kNone);
  EXPECT_EQ(assembler->telegram_size(), 0u);
  Bytes out(300);
  EXPECT_EQ(assembler->copy_apdu(out.data(), out.size()), 0u);
}

TEST(FrameAssembler, OldSagemcomQuirkTelegramByteByByte) {
  auto assembler = std::make_unique<FrameAssembler>();
  FramingSpec framing;
  framing.old_sagemcom_quirk = true;
  const Bytes telegram = encode_mbus_frames(doc_apdu(), framing);
  ASSERT_EQ(telegram.size(), 282u);
  ASSERT_EQ(test::to_hex(ByteSpan(telegram).first(4)), "68010168");
  ASSERT_EQ(test::to_hex(ByteSpan(telegram).subspan(263, 4)), "680D0D68");
  const Output out = feed(*assembler, telegram, 1);
  ASSERT_EQ(out.telegrams.size(), 1u);
  EXPECT_TRUE(out.length_quirks[0]);
  EXPECT_EQ(out.apdus[0], doc_apdu());
  EXPECT_EQ(assembler->stats().checksum_errors, 0u);
}

TEST(FrameAssembler, ResetForgetsBufferedBytesButKeepsStats) {
  auto assembler = std::make_unique<FrameAssembler>();
  const Bytes& telegram = doc_telegram();
  EXPECT_EQ(assembler->push(telegram.data(), 200).event, Event::kNone);
  assembler->reset();
  expect_failure(assembler->finish(), DecodeError::kNoFrame, 0);
  // The tail of the old telegram is junk now; the next telegram still comes out whole.
  const Bytes stream = test::join({Bytes(telegram.begin() + 200, telegram.end()), telegram});
  const Output out = feed(*assembler, stream, stream.size());
  ASSERT_EQ(out.telegrams.size(), 1u);
  EXPECT_EQ(out.telegrams[0], telegram);
}

// After a checksum error the L + 256 look-ahead can hold several complete telegrams. Each must
// come out, and the byte being pushed when a buffered one completes must not be dropped.
TEST(FrameAssembler, TelegramsInTheLookAheadAreAllDelivered) {
  const auto t1 = test::mbus_segment_frames(Bytes(40, 0x21), {20, 20});
  std::vector<Bytes> singles;
  for (std::uint8_t i = 0; i < 8; ++i) {
    singles.push_back(test::mbus_frame(Bytes(40, static_cast<std::uint8_t>(0x30 + i)), 0x10));
  }
  Bytes damaged_second = with_bad_checksum(t1[1]);
  ASSERT_NE(damaged_second[test::checksum_offset(damaged_second)], 0x68);
  const Bytes stream = test::join({t1[0], damaged_second, test::join_frames(singles)});

  // The span interface, pushing again after each telegram: all eight arrive.
  {
    auto assembler = std::make_unique<FrameAssembler>();
    const Output out = feed(*assembler, stream, 1);
    ASSERT_EQ(out.telegrams.size(), 8u);
    for (std::size_t i = 0; i < 8; ++i) EXPECT_EQ(out.telegrams[i], singles[i]) << i;
  }

  // One byte at a time, as a UART loop feeds it: a push that returns a buffered telegram
  // without taking the byte (consumed == 0) is repeated, so no byte is lost.
  auto assembler = std::make_unique<FrameAssembler>();
  std::vector<Bytes> telegrams;
  for (std::size_t i = 0; i < stream.size();) {
    const auto result = assembler->push(&stream[i], 1);
    i += result.consumed;
    if (result.event == Event::kTelegram) {
      telegrams.emplace_back(assembler->telegram(),
                             assembler->telegram() + assembler->telegram_size());
    }
  }
  while (assembler->push(nullptr, 0).event == Event::kTelegram) {
    telegrams.emplace_back(assembler->telegram(),
                           assembler->telegram() + assembler->telegram_size());
  }
  ASSERT_EQ(telegrams.size(), 8u);
  for (std::size_t i = 0; i < 8; ++i) EXPECT_EQ(telegrams[i], singles[i]) << i;
}

// ---- HDLC and text framing ----

// The HDLC frames of a published vector, without what the capture holds after them.
Bytes hdlc_frames(const test::HdlcVector& vector) {
  Bytes bytes = test::from_hex(vector.telegram_hex);
  bytes.resize(vector.frame_bytes);
  return bytes;
}

// The information field of the one-frame Wiener Netze telegrams: after 7E A0 67, three address
// bytes, control, HCS and the LLC; before FCS and flag.
Bytes wn_apdu(const Bytes& frame) { return Bytes(frame.begin() + 12, frame.end() - 3); }

// An HDLC message of `size` bytes starting like a ciphered APDU, with M-Bus look-alikes inside.
Bytes hdlc_payload(std::size_t size, std::uint8_t fill) {
  Bytes payload(size, fill);
  payload[0] = 0xDB;
  for (std::size_t i = 4; i + 4 < size; i += 37) {
    payload[i] = 0x68;
    payload[i + 1] = 0x05;
    payload[i + 2] = 0x06;
    payload[i + 3] = 0x68;
  }
  return payload;
}

Bytes p1_text() {
  constexpr std::string_view kText =
      "/EST5\\253717584_A\r\n\r\n"
      "0-0:1.0.0(230817152425S)\r\n"
      "1-0:1.8.0(007112944*Wh)\r\n"
      "!ED42\r\n";
  return Bytes(kText.begin(), kText.end());
}

TEST(FrameAssembler, HdlcFrameComesOutInAnyChunking) {
  const Bytes frame = hdlc_frames(test::kWnIskraAm550);
  for (const std::size_t chunk : {1u, 2u, 3u, 13u, 64u, 104u, 105u, 1000u}) {
    auto assembler = std::make_unique<FrameAssembler>();
    const Output out = feed(*assembler, frame, chunk);
    ASSERT_EQ(out.telegrams.size(), 1u) << "chunk " << chunk;
    EXPECT_EQ(out.telegrams[0], frame);
    EXPECT_EQ(out.apdus[0], wn_apdu(frame));
    EXPECT_EQ(out.framings[0], Framing::kHdlc);
    EXPECT_EQ(out.segment_counts[0], 1u);
    EXPECT_EQ(assembler->stats().frames, 1u);
  }
}

TEST(FrameAssembler, HdlcFrameInRandomPiecesGivesTheSameTelegrams) {
  const Bytes stream =
      test::join({Bytes{0x16, 0x7E, 0x00}, hdlc_frames(test::kWnPockiExample),
                  hdlc_frames(test::kWnIskraAm550), Bytes{0x68, 0x7E},
                  hdlc_frames(test::kLgzE450Gbt), hdlc_frames(test::kWnSiemensIm350)});
  auto whole = std::make_unique<FrameAssembler>();
  const Output expected = feed(*whole, stream, stream.size());
  ASSERT_EQ(expected.telegrams.size(), 4u);
  std::uint32_t seed = 12345;
  for (int round = 0; round < 20; ++round) {
    auto assembler = std::make_unique<FrameAssembler>();
    Output out;
    for (std::size_t at = 0; at < stream.size();) {
      seed = seed * 1103515245U + 12345U;
      const std::size_t piece = std::min<std::size_t>(1 + (seed >> 16U) % 90, stream.size() - at);
      const Output part = feed(*assembler, ByteSpan(stream).subspan(at, piece), piece);
      out.telegrams.insert(out.telegrams.end(), part.telegrams.begin(), part.telegrams.end());
      out.apdus.insert(out.apdus.end(), part.apdus.begin(), part.apdus.end());
      at += piece;
    }
    EXPECT_EQ(out.telegrams, expected.telegrams) << "round " << round;
    EXPECT_EQ(out.apdus, expected.apdus) << "round " << round;
  }
}

TEST(FrameAssembler, HdlcResyncsOverJunkBeforeAndBetween) {
  // 68 .. 68 and 7E bytes in the junk: false starts of both framings.
  const Bytes junk = {0x00, 0x68, 0x05, 0x06, 0x68, 0x7E, 0x00, 0x7E, 0x7E, 0x2F, 0x01};
  const Bytes a = hdlc_frames(test::kWnPockiExample);
  const Bytes b = hdlc_frames(test::kWnLandisGyrE450);
  const Bytes stream = test::join({junk, a, junk, b, junk});
  for (const std::size_t chunk : {std::size_t{1}, std::size_t{17}, stream.size()}) {
    auto assembler = std::make_unique<FrameAssembler>();
    const Output out = feed(*assembler, stream, chunk);
    ASSERT_EQ(out.telegrams.size(), 2u) << "chunk " << chunk;
    EXPECT_EQ(out.telegrams[0], a);
    EXPECT_EQ(out.telegrams[1], b);
    EXPECT_EQ(assembler->stats().checksum_errors + assembler->stats().other_errors +
                  assembler->stats().sequence_errors,
              0u);
    EXPECT_EQ(assembler->stats().skipped_bytes, 3 * junk.size());
  }
}

// What users saw on every HDLC telegram: a 68 inside it read as an M-Bus header.
TEST(FrameAssembler, A68InsideAnHdlcFrameIsNotAnMbusError) {
  const Bytes frame = encode_hdlc_frames(hdlc_payload(200, 0x11));
  ASSERT_FALSE(frame.empty());
  auto assembler = std::make_unique<FrameAssembler>();
  const Output out = feed(*assembler, frame, 1);
  ASSERT_EQ(out.telegrams.size(), 1u);
  EXPECT_EQ(out.apdus[0], hdlc_payload(200, 0x11));

  // Damaged, it is reported as what it is.
  Bytes damaged = frame;
  damaged[100] ^= 0x01;
  auto second = std::make_unique<FrameAssembler>();
  EXPECT_EQ(second->push(damaged.data(), damaged.size()).event, Event::kError);
  expect_failure(second->finish(), DecodeError::kHdlcBadFcs,
                 static_cast<std::uint32_t>(damaged.size() - 3));
  EXPECT_EQ(second->stats().checksum_errors, 1u);

  // Cut, it is truncated.
  auto third = std::make_unique<FrameAssembler>();
  EXPECT_EQ(third->push(frame.data(), 150).event, Event::kNone);
  expect_failure(third->finish(), DecodeError::kTruncated, 150);
}

TEST(FrameAssembler, HdlcBadHcsIsCountedAndTheNextFrameDelivered) {
  Bytes damaged = hdlc_frames(test::kWnIskraAm550);
  damaged[6] ^= 0x04;  // control byte: HCS at 7 no longer matches
  const Bytes good = hdlc_frames(test::kWnLandisGyrE450);
  const Bytes stream = test::join({damaged, good});
  for (const std::size_t chunk : {std::size_t{1}, stream.size()}) {
    auto assembler = std::make_unique<FrameAssembler>();
    const Output out = feed(*assembler, stream, chunk);
    ASSERT_EQ(out.telegrams.size(), 1u);
    EXPECT_EQ(out.telegrams[0], good);
    EXPECT_EQ(assembler->stats().checksum_errors, 1u);
    expect_failure(assembler->last_error(), DecodeError::kHdlcBadHcs, 7);
  }
}

TEST(FrameAssembler, HdlcCutFrameThenAGoodOne) {
  const Bytes a = hdlc_frames(test::kWnIskraAm550);
  const Bytes b = hdlc_frames(test::kWnSiemensIm350);
  const Bytes stream = test::join({Bytes(a.begin(), a.begin() + 50), b});
  for (const std::size_t chunk : {std::size_t{1}, std::size_t{64}, stream.size()}) {
    auto assembler = std::make_unique<FrameAssembler>();
    const Output out = feed(*assembler, stream, chunk);
    ASSERT_EQ(out.telegrams.size(), 1u) << "chunk " << chunk;
    EXPECT_EQ(out.telegrams[0], b);
    EXPECT_EQ(out.framings[0], Framing::kHdlc);
  }
}

TEST(FrameAssembler, HdlcSegmentsAreJoinedUntilTheSegmentationBitIsClear) {
  const Bytes payload = hdlc_payload(300, 0x42);
  const Bytes frames = encode_hdlc_frames(payload, {.max_information_bytes = 120});
  ASSERT_FALSE(frames.empty());
  for (const std::size_t chunk : {std::size_t{1}, std::size_t{50}, frames.size()}) {
    auto assembler = std::make_unique<FrameAssembler>();
    const Output out = feed(*assembler, frames, chunk);
    ASSERT_EQ(out.telegrams.size(), 1u) << "chunk " << chunk;
    EXPECT_EQ(out.telegrams[0], frames);
    EXPECT_EQ(out.apdus[0], payload);
    EXPECT_EQ(out.segment_counts[0], 3u);
    EXPECT_EQ(assembler->stats().frames, 3u);
  }
}

TEST(FrameAssembler, JoinsTheSegmentsOfARealIskraCapture) {
  const Bytes stream = hdlc_frames(test::kIskraAm550Segmented);
  // Information fields: [12, 163) after the LLC, [175, 329) and [341, 376) (frames at 0, 166, 332).
  const ByteSpan all(stream);
  const Bytes message =
      test::join({all.subspan(12, 151), all.subspan(175, 154), all.subspan(341, 35)});
  for (const std::size_t chunk : {std::size_t{1}, std::size_t{64}, stream.size()}) {
    auto assembler = std::make_unique<FrameAssembler>();
    const Output out = feed(*assembler, stream, chunk);
    ASSERT_EQ(out.telegrams.size(), 1u) << "chunk " << chunk;
    EXPECT_EQ(out.telegrams[0], stream);
    EXPECT_EQ(out.segment_counts[0], 3u);
    EXPECT_EQ(out.apdus[0], message);
    EXPECT_EQ(out.apdus[0][0], 0x0F);  // a plaintext data-notification
  }
}

TEST(FrameAssembler, HdlcSegmentWithoutItsFirstFrameIsReported) {
  const Bytes payload = hdlc_payload(300, 0x42);
  const Bytes frames = encode_hdlc_frames(payload, {.max_information_bytes = 120});
  // 7E A8 LL, CF, 02 23, control, HCS, 120 information bytes, FCS, 7E
  const std::size_t first_size = 3 + 1 + 2 + 1 + 2 + 120 + 2 + 1;
  ASSERT_EQ(frames[first_size - 1], 0x7E);
  ASSERT_EQ(frames[first_size], 0x7E);
  const Bytes orphans(frames.begin() + static_cast<std::ptrdiff_t>(first_size), frames.end());
  const Bytes good = hdlc_frames(test::kWnPockiExample);
  const Bytes stream = test::join({orphans, good});
  auto assembler = std::make_unique<FrameAssembler>();
  const Output out = feed(*assembler, stream, stream.size());
  ASSERT_EQ(out.telegrams.size(), 1u);
  EXPECT_EQ(out.telegrams[0], good);
  // Both orphans are reported; the information of the second (a frame of 132 bytes later)
  // starts after 7E A? LL CF 02 23 13 HCS HCS.
  expect_failure(assembler->last_error(), DecodeError::kHdlcBadSegment, 132 + 9);
  EXPECT_EQ(assembler->stats().sequence_errors, 2u);
}

TEST(FrameAssembler, HdlcFirstFrameWithoutLlcIsNamed) {
  const Bytes frame = encode_hdlc_frames(hdlc_payload(60, 0x01), {.llc = false});
  const Bytes stream = test::join({Bytes{0x00, 0x00}, frame});
  auto assembler = std::make_unique<FrameAssembler>();
  EXPECT_EQ(assembler->push(stream.data(), stream.size()).event, Event::kError);
  expect_failure(assembler->finish(), DecodeError::kHdlcNoLlc, 2 + 9);
}

TEST(FrameAssembler, HdlcMessageCutByANewOneIsIncomplete) {
  const Bytes segmented =
      encode_hdlc_frames(hdlc_payload(300, 0x42), {.max_information_bytes = 120});
  const Bytes first(segmented.begin(), segmented.begin() + 132);
  const Bytes good = hdlc_frames(test::kWnPockiExample);
  auto assembler = std::make_unique<FrameAssembler>();
  const Output out = feed(*assembler, test::join({first, good}), 1);
  ASSERT_EQ(out.telegrams.size(), 1u);
  EXPECT_EQ(out.telegrams[0], good);
  EXPECT_EQ(out.segment_counts[0], 1u);
  expect_failure(assembler->last_error(), DecodeError::kIncomplete, 132);
}

// Landis+Gyr E450: each general block transfer block in its own unsegmented HDLC frame; only
// the first has the LLC, the third has the last-block bit (E0 C0).
TEST(FrameAssembler, JoinsBlockTransferBlocksSentInSeparateHdlcFrames) {
  const Bytes stream = hdlc_frames(test::kLgzE450Gbt);
  // Information fields: [12, 138), [150, 279), [291, 329) (frames at 0, 141 and 282).
  const Bytes blocks =
      test::join({ByteSpan(stream).subspan(12, 126), ByteSpan(stream).subspan(150, 129),
                  ByteSpan(stream).subspan(291, 38)});
  for (const std::size_t chunk : {std::size_t{1}, std::size_t{100}, stream.size()}) {
    auto assembler = std::make_unique<FrameAssembler>();
    const Output out = feed(*assembler, stream, chunk);
    ASSERT_EQ(out.telegrams.size(), 1u) << "chunk " << chunk;
    EXPECT_EQ(out.telegrams[0], stream);
    EXPECT_EQ(out.framings[0], Framing::kHdlc);
    EXPECT_EQ(out.segment_counts[0], 3u);
    EXPECT_EQ(assembler->stats().frames, 3u);
    ASSERT_EQ(out.apdus[0], blocks);
    EXPECT_EQ(Bytes(out.apdus[0].begin(), out.apdus[0].begin() + 4),
              (Bytes{0xE0, 0x40, 0x00, 0x01}));
    EXPECT_EQ(Bytes(out.apdus[0].begin() + 126, out.apdus[0].begin() + 130),
              (Bytes{0xE0, 0x40, 0x00, 0x02}));
    EXPECT_EQ(Bytes(out.apdus[0].begin() + 255, out.apdus[0].begin() + 259),
              (Bytes{0xE0, 0xC0, 0x00, 0x03}));
  }
}

TEST(FrameAssembler, BlockTransferWithALostMiddleFrameStillEndsAtTheLastBlock) {
  const Bytes all = hdlc_frames(test::kLgzE450Gbt);
  const Bytes stream = test::join({ByteSpan(all).subspan(0, 141), ByteSpan(all).subspan(282)});
  auto assembler = std::make_unique<FrameAssembler>();
  const Output out = feed(*assembler, stream, stream.size());
  // The blocks' own numbers tell the block transfer layer that block 2 is missing.
  ASSERT_EQ(out.telegrams.size(), 1u);
  EXPECT_EQ(out.segment_counts[0], 2u);
}

TEST(FrameAssembler, BlockTransferMiddleFrameAloneIsOutOfSequence) {
  const Bytes all = hdlc_frames(test::kLgzE450Gbt);
  const Bytes stream(all.begin() + 141, all.begin() + 282);
  auto assembler = std::make_unique<FrameAssembler>();
  EXPECT_EQ(assembler->push(stream.data(), stream.size()).event, Event::kError);
  expect_failure(assembler->finish(), DecodeError::kHdlcBadSegment, 9);
}

TEST(FrameAssembler, MixedMbusAndHdlcTelegramsBackToBack) {
  const Bytes hdlc = hdlc_frames(test::kWnIskraAm550);
  const Bytes stream = test::join({doc_telegram(), hdlc, Bytes{0x00}, next_telegram(), p1_text()});
  for (const std::size_t chunk : {std::size_t{1}, std::size_t{100}, stream.size()}) {
    auto assembler = std::make_unique<FrameAssembler>();
    const Output out = feed(*assembler, stream, chunk);
    ASSERT_EQ(out.telegrams.size(), 4u) << "chunk " << chunk;
    EXPECT_EQ(out.framings, (std::vector<Framing>{Framing::kMbus, Framing::kHdlc, Framing::kMbus,
                                                  Framing::kText}));
    EXPECT_EQ(out.telegrams[1], hdlc);
    EXPECT_EQ(out.apdus[0], doc_apdu());
    EXPECT_EQ(out.apdus[1], wn_apdu(hdlc));
    EXPECT_EQ(out.telegrams[2], next_telegram());
    EXPECT_EQ(out.apdus[3], p1_text());
  }
}

TEST(FrameAssembler, FramesTextTelegramsFromSlashToTheCrcLine) {
  const Bytes text = p1_text();
  const Bytes junk = {0x00, '/', 0x01, '/', 'A', 'B', 0x02, 0x7E, 0x68};
  const Bytes stream = test::join({junk, text, junk, text});
  for (const std::size_t chunk : {std::size_t{1}, std::size_t{10}, stream.size()}) {
    auto assembler = std::make_unique<FrameAssembler>();
    const Output out = feed(*assembler, stream, chunk);
    ASSERT_EQ(out.telegrams.size(), 2u) << "chunk " << chunk;
    EXPECT_EQ(out.telegrams[1], text);
    EXPECT_EQ(out.apdus[0], text);
    EXPECT_EQ(out.framings[0], Framing::kText);
    EXPECT_EQ(out.segment_counts[0], 1u);
    EXPECT_EQ(assembler->stats().other_errors, 0u);
  }
}

TEST(FrameAssembler, TextWithoutItsCrcLineIsNotATelegram) {
  Bytes text = p1_text();
  text.resize(text.size() - 2);  // no CR LF after the CRC yet
  auto assembler = std::make_unique<FrameAssembler>();
  EXPECT_EQ(assembler->push(text.data(), text.size()).event, Event::kNone);
  expect_failure(assembler->finish(), DecodeError::kTruncated,
                 static_cast<std::uint32_t>(text.size()));

  Bytes bad_crc = p1_text();
  bad_crc[bad_crc.size() - 4] = 'X';  // not a hex digit
  auto second = std::make_unique<FrameAssembler>();
  EXPECT_EQ(second->push(bad_crc.data(), bad_crc.size()).event, Event::kError);
  expect_failure(second->finish(), DecodeError::kTextBadLine,
                 static_cast<std::uint32_t>(bad_crc.size() - 4));
}

TEST(FrameAssembler, TextLongerThanTheCapacityIsTooLarge) {
  Bytes endless = {'/', 'A', 'B', 'C', '5', '\r', '\n'};
  endless.resize(FrameAssembler::kCapacity + 100, 'x');
  const Bytes stream = test::join({endless, Bytes{'\r', '\n'}, p1_text()});
  auto assembler = std::make_unique<FrameAssembler>();
  const Output out = feed(*assembler, stream, 64);
  ASSERT_EQ(out.telegrams.size(), 1u);
  EXPECT_EQ(out.telegrams[0], p1_text());
  EXPECT_GE(assembler->stats().other_errors, 1u);
}

TEST(FrameAssembler, NamesAnOmsTelegram) {
  // Netz OÖ: an M-Bus long frame with the EN 13757-3 CI 0x72 (long transport header).
  const Bytes oms = test::mbus_frame(Bytes(30, 0x44), 0x72);
  auto assembler = std::make_unique<FrameAssembler>();
  EXPECT_EQ(assembler->push(oms.data(), oms.size()).event, Event::kError);
  expect_failure(assembler->finish(), DecodeError::kOmsTelegram, 6);
  EXPECT_NE(std::string_view(to_string(DecodeError::kOmsTelegram)).find("not DLMS"),
            std::string_view::npos);
}

TEST(FrameAssembler, TooManyHdlcFramesInOneMessageIsTooLarge) {
  const Bytes frames = encode_hdlc_frames(hdlc_payload(400, 0x42), {.max_information_bytes = 20});
  auto assembler = std::make_unique<FrameAssembler>();
  const Output out = feed(*assembler, test::join({frames, hdlc_frames(test::kWnPockiExample)}), 1);
  ASSERT_EQ(out.telegrams.size(), 1u);
  EXPECT_EQ(out.framings[0], Framing::kHdlc);
  EXPECT_EQ(out.telegrams[0], hdlc_frames(test::kWnPockiExample));
  EXPECT_GE(assembler->stats().other_errors, 1u);
}

}  // namespace
}  // namespace meter::core
