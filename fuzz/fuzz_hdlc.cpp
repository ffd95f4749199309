// SPDX-License-Identifier: MIT
// check_hdlc_frame, then FrameAssembler on HDLC input in chunks whose sizes come from the input.
//
//   input = mode | n chunk sizes | stream bytes
//   mode bit 0: before anything else, write correct HCS and FCS into every frame the stream
//   appears to hold (random bytes almost never carry two good CRCs; this reaches the LLC, the
//   segmentation and block transfer rules); mode bits 1..4: n.
//
// Invariants, check_hdlc_frame on the stream: a complete frame lies inside the input, starts
// and ends with 7E, its information lies between header and FCS, and both CRCs hold; one byte
// less asks for more; kNeedMore asks for more than it has; kInvalid names an HDLC error inside
// the bytes it read. Assembler: an HDLC telegram re-checks as a chain of complete frames, the
// first with the LLC, each but the last segmented or a block transfer block that is not the
// last; their information fields are exactly copy_apdu().
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <vector>

#include "fuzz_support.h"
#include "meter/core/frame_assembler.h"
#include "meter/core/hdlc_frame.h"

using meter::core::DecodeError;
using meter::core::FrameAssembler;
using meter::core::FrameStatus;
using meter::core::HdlcFrame;
using meter::fuzz::exact_copy;

namespace {

constexpr std::size_t kMaxChunkSizes = 16;

bool is_hdlc_error(DecodeError error) {
  return error == DecodeError::kHdlcBadFormat || error == DecodeError::kHdlcBadHcs ||
         error == DecodeError::kHdlcBadFcs || error == DecodeError::kHdlcNoClosingFlag ||
         error == DecodeError::kHdlcNoLlc;
}

void put_crc(std::vector<std::uint8_t>& bytes, std::size_t from, std::size_t to) {
  const std::uint16_t crc = meter::core::crc16_x25(bytes.data() + from, to - from);
  bytes[to] = static_cast<std::uint8_t>(crc & 0xFFU);
  bytes[to + 1] = static_cast<std::uint8_t>(crc >> 8U);
}

// Reads the stream as frames back to back from each 7E A? and writes their check sequences.
void fix_check_sequences(std::vector<std::uint8_t>& bytes) {
  std::size_t at = 0;
  while (at + 3 <= bytes.size()) {
    if (bytes[at] != 0x7E || (bytes[at + 1] & 0xF0U) != 0xA0U) {
      ++at;
      continue;
    }
    const std::size_t length =
        (static_cast<std::size_t>(bytes[at + 1] & 0x07U) << 8U) | bytes[at + 2];
    std::size_t control = at + 3;
    for (int address = 0; address < 2; ++address) {
      std::size_t i = 0;
      while (i < 3 && control + i < bytes.size() && (bytes[control + i] & 1U) == 0) ++i;
      control += i + 1;
    }
    const std::size_t fcs = at + length - 1;
    if (length < 7 || fcs + 3 > bytes.size() || control + 1 > fcs) {
      ++at;
      continue;
    }
    if (control + 3 <= fcs) put_crc(bytes, at + 1, control + 1);
    put_crc(bytes, at + 1, fcs);
    at = fcs + 3;
  }
}

void check_frame_alone(const std::vector<std::uint8_t>& stream) {
  HdlcFrame frame{};
  const auto check = meter::core::check_hdlc_frame(stream.data(), stream.size(), &frame);
  if (check.status == FrameStatus::kComplete) {
    METER_FUZZ_CHECK(frame.frame_size >= 9 && frame.frame_size <= stream.size());
    METER_FUZZ_CHECK(stream[0] == 0x7E && stream[frame.frame_size - 1] == 0x7E);
    const std::size_t information = static_cast<std::size_t>(frame.information - stream.data());
    METER_FUZZ_CHECK(information >= 6);
    METER_FUZZ_CHECK(information + frame.information_size == frame.frame_size - 3);
    const std::size_t fcs = frame.frame_size - 3;
    METER_FUZZ_CHECK(meter::core::crc16_x25(stream.data() + 1, fcs - 1) ==
                     (stream[fcs] | (stream[fcs + 1] << 8U)));
    METER_FUZZ_CHECK(!frame.has_llc || std::memcmp(frame.information - 3, "\xE6\xE7\x00", 3) == 0);
    // One byte less is a frame still arriving.
    const auto cut = exact_copy(stream.data(), frame.frame_size - 1);
    HdlcFrame unused{};
    const auto shorter = meter::core::check_hdlc_frame(cut.data(), cut.size(), &unused);
    METER_FUZZ_CHECK(shorter.status == FrameStatus::kNeedMore);
    METER_FUZZ_CHECK(shorter.needed == frame.frame_size);
  } else if (check.status == FrameStatus::kNeedMore) {
    METER_FUZZ_CHECK(check.needed > stream.size());
  } else {
    METER_FUZZ_CHECK(is_hdlc_error(check.error));
    METER_FUZZ_CHECK(check.offset < std::max<std::size_t>(stream.size(), 1));
  }
}

void check_telegram(const FrameAssembler& assembler) {
  const std::size_t size = assembler.telegram_size();
  METER_FUZZ_CHECK(size > 0 && size <= FrameAssembler::kCapacity);
  std::vector<std::uint8_t> apdu(size);
  const std::size_t apdu_size = assembler.copy_apdu(apdu.data(), apdu.size());
  METER_FUZZ_CHECK(apdu_size <= size);
  if (assembler.framing() != meter::core::Framing::kHdlc) return;  // fuzz_frame_assembler's

  const auto telegram = exact_copy(assembler.telegram(), size);
  std::size_t offset = 0;
  std::size_t frames = 0;
  std::size_t apdu_offset = 0;
  bool more = true;
  bool chain_open = false;
  bool blocks_open = false;
  while (offset < telegram.size()) {
    METER_FUZZ_CHECK(more);
    HdlcFrame frame{};
    const auto check =
        meter::core::check_hdlc_frame(telegram.data() + offset, telegram.size() - offset, &frame);
    METER_FUZZ_CHECK(check.status == FrameStatus::kComplete);
    METER_FUZZ_CHECK(frame.has_llc == (frames == 0));
    METER_FUZZ_CHECK(apdu_offset + frame.information_size <= apdu_size);
    METER_FUZZ_CHECK(
        frame.information_size == 0 ||
        std::memcmp(apdu.data() + apdu_offset, frame.information, frame.information_size) == 0);
    if (!chain_open) {
      blocks_open = frame.information_size >= 2 && frame.information[0] == 0xE0 &&
                    (frame.information[1] & 0x80U) == 0;
    }
    chain_open = frame.segmented;
    more = chain_open || blocks_open;
    apdu_offset += frame.information_size;
    offset += frame.frame_size;
    ++frames;
  }
  METER_FUZZ_CHECK(!more);
  METER_FUZZ_CHECK(offset == telegram.size());
  METER_FUZZ_CHECK(frames == assembler.segment_count());
  METER_FUZZ_CHECK(apdu_offset == apdu_size);
}

void push_all(FrameAssembler& assembler, const std::uint8_t* chunk, std::size_t chunk_size) {
  std::size_t taken = 0;
  do {
    const auto result = assembler.push(chunk + taken, chunk_size - taken);
    METER_FUZZ_CHECK(result.consumed <= chunk_size - taken);
    taken += result.consumed;
    if (result.event == FrameAssembler::Event::kTelegram) {
      check_telegram(assembler);
    } else {
      METER_FUZZ_CHECK(taken == chunk_size);
    }
  } while (taken < chunk_size);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const bool fix = (data[0] & 1U) != 0;
  std::size_t chunk_count = std::min<std::size_t>((data[0] >> 1U) % kMaxChunkSizes, size - 1);
  const std::vector<std::uint8_t> chunk_sizes(data + 1, data + 1 + chunk_count);
  auto stream = exact_copy(data + 1 + chunk_count, size - 1 - chunk_count);
  if (fix) fix_check_sequences(stream);
  if (std::all_of(chunk_sizes.begin(), chunk_sizes.end(), [](std::uint8_t s) { return s == 0; })) {
    chunk_count = 0;
  }

  check_frame_alone(stream);

  auto assembler = std::make_unique<FrameAssembler>();
  std::size_t position = 0;
  for (std::size_t chunk_index = 0; position < stream.size(); ++chunk_index) {
    std::size_t chunk = stream.size() - position;
    if (chunk_count > 0) {
      chunk = std::min<std::size_t>(chunk, chunk_sizes[chunk_index % chunk_count]);
    }
    push_all(*assembler, stream.data() + position, chunk);
    position += chunk;
  }
  push_all(*assembler, stream.data() + stream.size(), 0);
  const meter::core::DecodeFailure end = assembler->finish();
  METER_FUZZ_CHECK(static_cast<int>(end.code) < meter::core::kDecodeErrorCount);
  METER_FUZZ_CHECK(end.offset <= stream.size());
  return 0;
}
