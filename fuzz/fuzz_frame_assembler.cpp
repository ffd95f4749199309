// SPDX-License-Identifier: MIT
// FrameAssembler fed in chunks whose sizes come from the input.
//
//   input = n | n chunk sizes (cycled; 0 = an empty push) | stream bytes
//   n = input[0] % 16; n = 0 pushes the whole stream at once.
//
// Invariants: a push that does not complete a telegram takes all its bytes; telegram_size() stays
// within kCapacity; a ready M-Bus telegram re-checks as a chain of complete frames (the last one
// with the FIN bit) whose fragments are exactly what copy_apdu() returns (HDLC: see fuzz_hdlc);
// a text telegram is its own payload; stats never go down.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <span>
#include <vector>

#include "fuzz_support.h"
#include "meter/core/decode_error.h"
#include "meter/core/frame_assembler.h"
#include "meter/core/mbus_frame.h"

using meter::core::FrameAssembler;
using meter::fuzz::exact_copy;

namespace {

constexpr std::size_t kMaxChunkSizes = 16;

bool not_below(const FrameAssembler::Stats& now, const FrameAssembler::Stats& before) {
  return now.telegrams >= before.telegrams && now.frames >= before.frames &&
         now.checksum_errors >= before.checksum_errors &&
         now.sequence_errors >= before.sequence_errors && now.other_errors >= before.other_errors &&
         now.skipped_bytes >= before.skipped_bytes;
}

void check_telegram(const FrameAssembler& assembler) {
  const std::size_t size = assembler.telegram_size();
  METER_FUZZ_CHECK(size > 0);
  METER_FUZZ_CHECK(size <= FrameAssembler::kCapacity);
  METER_FUZZ_CHECK(assembler.segment_count() >= 1);
  METER_FUZZ_CHECK(assembler.segment_count() <= FrameAssembler::kMaxSegments);

  // An APDU buffer of exactly the telegram's size: the fragments always fit, and a write past
  // the end is an ASan report.
  std::vector<std::uint8_t> apdu(size);
  const std::size_t apdu_size = assembler.copy_apdu(apdu.data(), apdu.size());
  METER_FUZZ_CHECK(apdu_size <= size);
  // Too small a buffer is refused, never overrun.
  if (apdu_size > 0) {
    std::vector<std::uint8_t> short_buffer(apdu_size - 1);
    METER_FUZZ_CHECK(assembler.copy_apdu(short_buffer.data(), short_buffer.size()) == 0);
  }
  // HDLC telegrams are re-checked by fuzz_hdlc; a text telegram is its own payload.
  if (assembler.framing() == meter::core::Framing::kText) {
    METER_FUZZ_CHECK(apdu_size == size &&
                     std::memcmp(apdu.data(), assembler.telegram(), size) == 0);
  }
  if (assembler.framing() != meter::core::Framing::kMbus) return;
  METER_FUZZ_CHECK(apdu_size > 0 || assembler.segment_count() * 11 == size);

  // Oracle: walk the telegram frame by frame with check_mbus_frame.
  const auto telegram = exact_copy(assembler.telegram(), size);
  std::size_t offset = 0;
  std::size_t frames = 0;
  std::size_t apdu_offset = 0;
  bool quirk = false;
  bool last = false;
  while (offset < telegram.size()) {
    METER_FUZZ_CHECK(!last);
    meter::core::MbusSegment segment{};
    const auto check =
        meter::core::check_mbus_frame(telegram.data() + offset, telegram.size() - offset, &segment);
    METER_FUZZ_CHECK(check.status == meter::core::FrameStatus::kComplete);
    METER_FUZZ_CHECK(segment.sequence() == (frames & meter::core::kCiSequenceMask));
    METER_FUZZ_CHECK(apdu_offset + segment.fragment_size <= apdu_size);
    METER_FUZZ_CHECK(
        segment.fragment_size == 0 ||
        std::memcmp(apdu.data() + apdu_offset, segment.fragment, segment.fragment_size) == 0);
    apdu_offset += segment.fragment_size;
    quirk = quirk || segment.length_quirk;
    last = segment.is_last();
    offset += segment.frame_size;
    ++frames;
  }
  METER_FUZZ_CHECK(last);
  METER_FUZZ_CHECK(offset == telegram.size());
  METER_FUZZ_CHECK(frames == assembler.segment_count());
  METER_FUZZ_CHECK(apdu_offset == apdu_size);
  METER_FUZZ_CHECK(quirk == assembler.length_quirk());
}

struct Feeder {
  FrameAssembler& assembler;
  FrameAssembler::Stats stats;
  std::size_t telegrams;

  // Pushes until the chunk is taken: a push either takes all of it or stops at a telegram.
  void push_all(const std::uint8_t* chunk, std::size_t chunk_size) {
    std::size_t taken = 0;
    do {
      const auto result = assembler.push(chunk + taken, chunk_size - taken);
      METER_FUZZ_CHECK(result.consumed <= chunk_size - taken);
      taken += result.consumed;
      METER_FUZZ_CHECK(not_below(assembler.stats(), stats));
      stats = assembler.stats();
      METER_FUZZ_CHECK(assembler.telegram_size() <= FrameAssembler::kCapacity);
      if (result.event == FrameAssembler::Event::kTelegram) {
        ++telegrams;
        METER_FUZZ_CHECK(stats.telegrams == telegrams);
        check_telegram(assembler);
      } else {
        METER_FUZZ_CHECK(taken == chunk_size);
        METER_FUZZ_CHECK(assembler.telegram_size() == 0);
        if (result.event == FrameAssembler::Event::kError) {
          METER_FUZZ_CHECK(static_cast<int>(assembler.last_error().code) <
                           meter::core::kDecodeErrorCount);
        }
      }
    } while (taken < chunk_size);
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  std::size_t chunk_count = std::min<std::size_t>(data[0] % kMaxChunkSizes, size - 1);
  const std::vector<std::uint8_t> chunk_sizes(data + 1, data + 1 + chunk_count);
  const auto stream = exact_copy(data + 1 + chunk_count, size - 1 - chunk_count);
  // Only empty pushes would never get anywhere: push everything at once instead.
  if (std::all_of(chunk_sizes.begin(), chunk_sizes.end(), [](std::uint8_t s) { return s == 0; })) {
    chunk_count = 0;
  }

  // The assembler is 1.6 KB of fixed state; heap-allocated so ASan watches its bounds too.
  auto assembler = std::make_unique<FrameAssembler>();
  Feeder feeder{*assembler, assembler->stats(), 0};
  std::size_t position = 0;
  for (std::size_t chunk_index = 0; position < stream.size(); ++chunk_index) {
    std::size_t chunk = stream.size() - position;
    if (chunk_count > 0) {
      chunk = std::min<std::size_t>(chunk, chunk_sizes[chunk_index % chunk_count]);
    }
    feeder.push_all(stream.data() + position, chunk);
    position += chunk;
  }
  // A final empty push releases the last telegram and reports one still buffered, if any.
  feeder.push_all(stream.data() + stream.size(), 0);

  const meter::core::DecodeFailure end = assembler->finish();
  METER_FUZZ_CHECK(static_cast<int>(end.code) < meter::core::kDecodeErrorCount);
  METER_FUZZ_CHECK(end.offset <= stream.size());
  assembler->reset();
  METER_FUZZ_CHECK(assembler->telegram_size() == 0);
  METER_FUZZ_CHECK(not_below(assembler->stats(), feeder.stats));
  return 0;
}
