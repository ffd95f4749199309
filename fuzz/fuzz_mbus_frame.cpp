// SPDX-License-Identifier: MIT
// check_mbus_frame on arbitrary bytes. Invariants: a complete frame lies inside the input and
// its fragment inside the frame; the frame size matches L or L + 256; the same bytes cut to the
// frame give the same answer, and any shorter prefix of a complete frame asks for more (never
// kInvalid), which is what lets the assembler wait instead of dropping a good frame.
#include <cstddef>
#include <cstdint>
#include <span>

#include "fuzz_support.h"
#include "meter/core/decode_error.h"
#include "meter/core/mbus_frame.h"

using meter::core::check_mbus_frame;
using meter::core::FrameCheck;
using meter::core::FrameStatus;
using meter::core::MbusSegment;
using meter::fuzz::exact_copy;
using meter::fuzz::is_inside;

namespace {

bool same(const MbusSegment& a, const MbusSegment& b) {
  return a.fragment_size == b.fragment_size && a.frame_size == b.frame_size &&
         a.control == b.control && a.address == b.address && a.ci == b.ci &&
         a.length_quirk == b.length_quirk;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto input = exact_copy(data, size);
  const std::span<const std::uint8_t> whole(input);

  MbusSegment segment{};
  const FrameCheck check = check_mbus_frame(input.data(), input.size(), &segment);
  METER_FUZZ_CHECK(static_cast<int>(check.error) < meter::core::kDecodeErrorCount);

  switch (check.status) {
    case FrameStatus::kNeedMore:
      METER_FUZZ_CHECK(check.needed > input.size());
      METER_FUZZ_CHECK(check.needed <= meter::core::kMbusMaxFrameBytes);
      return 0;
    case FrameStatus::kInvalid:
      METER_FUZZ_CHECK(check.offset < input.size());
      return 0;
    case FrameStatus::kComplete:
      break;
  }

  METER_FUZZ_CHECK(segment.frame_size <= input.size());
  METER_FUZZ_CHECK(check.needed == segment.frame_size);
  METER_FUZZ_CHECK(is_inside(segment.fragment, segment.fragment_size, whole));
  METER_FUZZ_CHECK(segment.fragment == input.data() + meter::core::kMbusHeaderBytes +
                                           meter::core::kMbusSegmentHeaderBytes);
  METER_FUZZ_CHECK(segment.fragment_size + meter::core::kMbusHeaderBytes +
                       meter::core::kMbusSegmentHeaderBytes + 2 ==
                   segment.frame_size);
  const std::size_t length_field = input[1];
  const std::size_t length = segment.frame_size - meter::core::kMbusHeaderBytes - 2;
  METER_FUZZ_CHECK(length == (segment.length_quirk ? length_field + 256 : length_field));
  METER_FUZZ_CHECK(input[segment.frame_size - 1] == meter::core::kMbusStop);
  METER_FUZZ_CHECK(segment.ci <= (meter::core::kCiFinBit | meter::core::kCiSequenceMask));

  // The verdict depends on the frame's own bytes only.
  const auto frame = exact_copy(input.data(), segment.frame_size);
  MbusSegment again{};
  const FrameCheck check_again = check_mbus_frame(frame.data(), frame.size(), &again);
  METER_FUZZ_CHECK(check_again.status == FrameStatus::kComplete);
  METER_FUZZ_CHECK(same(segment, again));
  METER_FUZZ_CHECK(is_inside(again.fragment, again.fragment_size, std::span(frame)));

  // A prefix of a good frame is never rejected (length taken from the input, so it varies).
  const std::size_t prefix_size = input[segment.frame_size - 2] % segment.frame_size;
  const auto prefix = exact_copy(input.data(), prefix_size);
  MbusSegment unused{};
  const FrameCheck partial = check_mbus_frame(prefix.data(), prefix.size(), &unused);
  METER_FUZZ_CHECK(partial.status == FrameStatus::kNeedMore);
  METER_FUZZ_CHECK(partial.needed > prefix.size());
  return 0;
}
