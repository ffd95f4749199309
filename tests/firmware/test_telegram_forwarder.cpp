// SPDX-License-Identifier: MIT
#include "telegram_forwarder.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "frame_builder.h"
#include "hdlc_vectors.h"
#include "recorded_stream.h"

namespace meter::firmware {
namespace {

using test::Bytes;

class RecordingSink : public TelegramSink {
 public:
  void publish_telegram(const char* hex, std::size_t length) override {
    EXPECT_EQ(hex[length], '\0');
    telegrams.emplace_back(hex, length);
  }

  std::vector<std::string> telegrams;
};

struct Forwarding {
  std::unique_ptr<TelegramForwarder> forwarder = std::make_unique<TelegramForwarder>();
  RecordingSink sink;

  void feed(const Bytes& bytes) { forwarder->feed(bytes.data(), bytes.size(), sink); }
  void feed_reads(const std::vector<Bytes>& reads) {
    for (const Bytes& read : reads) feed(read);
  }
};

Bytes doc_telegram() { return test::from_hex(test::kDocTelegramHex); }

TEST(TelegramForwarder, PublicTelegramsInTwoReadsAfterJunkComeOutExactly) {
  const std::vector<Bytes> telegrams = test::public_mbus_telegrams();
  METER_SKIP_WITHOUT_PUBLIC_VECTORS(telegrams);
  const test::RecordedStream stream = test::record_stream(telegrams);

  Forwarding f;
  f.feed_reads(stream.reads);

  EXPECT_EQ(f.sink.telegrams, stream.expected);
  EXPECT_EQ(f.forwarder->counters().telegrams, telegrams.size());
  EXPECT_EQ(f.forwarder->counters().resyncs, 1u);  // the junk at the start, once
  EXPECT_EQ(f.forwarder->framing().checksum_errors, 0u);
}

TEST(TelegramForwarder, BrochureTelegramInTwoReadsAfterJunk) {
  const Bytes telegram = doc_telegram();
  const Bytes junk = {0x00, 0xFF, 0x16, 0x68, 0x12, 0x34, 0x16};
  Forwarding f;
  f.feed(junk);
  f.feed(Bytes(telegram.begin(), telegram.begin() + 150));
  EXPECT_TRUE(f.sink.telegrams.empty());
  f.feed(Bytes(telegram.begin() + 150, telegram.end()));

  ASSERT_EQ(f.sink.telegrams.size(), 1u);
  EXPECT_EQ(f.sink.telegrams[0], std::string(test::kDocTelegramHex));
}

TEST(TelegramForwarder, ByteByByteReadsGiveTheSameTelegrams) {
  const Bytes telegram = doc_telegram();
  Forwarding f;
  for (int round = 0; round < 3; ++round) {
    for (const std::uint8_t byte : telegram) f.feed(Bytes{byte});
  }
  ASSERT_EQ(f.sink.telegrams.size(), 3u);
  for (const std::string& hex : f.sink.telegrams) EXPECT_EQ(hex, test::kDocTelegramHex);
}

TEST(TelegramForwarder, SeveralTelegramsInOneReadAreAllPublished) {
  const Bytes telegram = doc_telegram();
  Forwarding f;
  f.feed(test::join({telegram, telegram, telegram}));
  EXPECT_EQ(f.sink.telegrams.size(), 3u);
}

TEST(TelegramForwarder, DamagedTelegramIsDroppedAndCountedAndTheNextOneGetsThrough) {
  Bytes damaged = doc_telegram();
  damaged[100] ^= 0x01;  // inside frame 1: its checksum no longer matches
  Forwarding f;
  f.feed(damaged);
  f.feed(doc_telegram());

  ASSERT_EQ(f.sink.telegrams.size(), 1u);
  EXPECT_EQ(f.sink.telegrams[0], test::kDocTelegramHex);
  EXPECT_EQ(f.forwarder->framing().checksum_errors, 1u);
  EXPECT_GE(f.forwarder->counters().resyncs, 1u);
}

TEST(TelegramForwarder, BootingMidTelegramPublishesNoFragment) {
  const Bytes telegram = doc_telegram();
  Forwarding f;
  f.feed(Bytes(telegram.begin() + 40, telegram.end()));  // started 40 bytes in
  EXPECT_TRUE(f.sink.telegrams.empty());
  f.feed(telegram);
  ASSERT_EQ(f.sink.telegrams.size(), 1u);
  EXPECT_EQ(f.sink.telegrams[0], test::kDocTelegramHex);
}

TEST(TelegramForwarder, EndlessNoiseNeverPublishesAndDoesNotBlockTheNextTelegram) {
  Forwarding f;
  // 64 KB of frame-start-like noise: far more than any buffer on the device.
  Bytes noise;
  for (std::size_t i = 0; i < 65536; ++i) {
    noise.push_back(i % 7 == 0 ? 0x68 : static_cast<std::uint8_t>(i * 37));
  }
  f.feed(noise);
  EXPECT_TRUE(f.sink.telegrams.empty());
  f.feed(doc_telegram());
  ASSERT_EQ(f.sink.telegrams.size(), 1u);
  EXPECT_EQ(f.sink.telegrams[0], test::kDocTelegramHex);
}

TEST(TelegramForwarder, HexBufferHoldsTheLargestTelegramTheAssemblerAccepts) {
  static_assert(TelegramForwarder::kMaxHexChars == 2 * core::FrameAssembler::kCapacity);
  // Five full 255-byte-L segments: 5 * 261 = 1305 bytes, within the assembler's capacity.
  std::vector<Bytes> frames;
  for (std::uint8_t i = 0; i < 5; ++i) {
    const Bytes fragment(250, static_cast<std::uint8_t>(0x20 + i));
    frames.push_back(test::mbus_frame(fragment, static_cast<std::uint8_t>(i == 4 ? 0x14 : i)));
  }
  const Bytes telegram = test::join_frames(frames);
  Forwarding f;
  f.feed(telegram);
  ASSERT_EQ(f.sink.telegrams.size(), 1u);
  EXPECT_EQ(f.sink.telegrams[0], test::to_hex(telegram));
}

// Wiener Netze (optical interface) and the Landis+Gyr E450 (block transfer in three HDLC frames)
// between M-Bus telegrams, as a device on either interface would see them, in UART-sized reads.
TEST(TelegramForwarder, HdlcTelegramsAreForwardedWholeBesideMbus) {
  const std::string wn(
      test::kWnIskraAm550.telegram_hex.substr(0, 2 * test::kWnIskraAm550.frame_bytes));
  const std::string gbt(test::kLgzE450Gbt.telegram_hex);
  const Bytes stream = test::join(
      {Bytes{0x00, 0x7E, 0x68}, test::from_hex(wn), doc_telegram(), test::from_hex(gbt)});
  Forwarding f;
  for (std::size_t at = 0; at < stream.size(); at += 64) {
    f.feed(Bytes(stream.begin() + static_cast<std::ptrdiff_t>(at),
                 stream.begin() + static_cast<std::ptrdiff_t>(std::min(at + 64, stream.size()))));
  }
  ASSERT_EQ(f.sink.telegrams.size(), 3u);
  EXPECT_EQ(f.sink.telegrams[0], wn);
  EXPECT_EQ(f.sink.telegrams[1], test::kDocTelegramHex);
  EXPECT_EQ(f.sink.telegrams[2], gbt);
  EXPECT_EQ(f.forwarder->framing().checksum_errors, 0u);
}

}  // namespace
}  // namespace meter::firmware
