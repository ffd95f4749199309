// SPDX-License-Identifier: MIT
// join_general_block_transfer on arbitrary bytes, into an output as large as the input and into
// one half that size.
// Invariants: a failure is one of the four block-transfer outcomes, inside the input, with a
// detail only for a missing block (the missing number below the last one named); a success joins
// 1..kMaxGbtBlocks blocks into at most the input's size, and the encoder cuts the joined APDU
// into blocks that join back to the same bytes. A smaller output changes the outcome only by
// kTooLarge.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "fuzz_support.h"
#include "meter/core/decode_error.h"
#include "meter/core/gbt.h"
#include "meter/core/telegram_encoder.h"

using meter::core::DecodeError;
using meter::fuzz::exact_copy;

namespace {

void check_failure(meter::core::DecodeFailure failure, std::size_t size) {
  METER_FUZZ_CHECK(
      failure.code == DecodeError::kGbtBadBlock || failure.code == DecodeError::kGbtBlockMissing ||
      failure.code == DecodeError::kIncomplete || failure.code == DecodeError::kTooLarge);
  METER_FUZZ_CHECK(failure.offset <= size);
  if (failure.code != DecodeError::kGbtBlockMissing) {
    METER_FUZZ_CHECK(failure.detail == 0);
    return;
  }
  const unsigned missing = failure.detail & 0xFFU;
  const unsigned last = failure.detail >> 8U;
  METER_FUZZ_CHECK(missing >= 1 && missing <= meter::core::kMaxGbtBlocks);
  METER_FUZZ_CHECK(last == 0 || last >= missing);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto input = exact_copy(data, size);
  std::vector<std::uint8_t> out(size);
  meter::core::GbtJoined joined;
  const meter::core::Status status = meter::core::join_general_block_transfer(input, out, joined);

  std::vector<std::uint8_t> half(size / 2);
  meter::core::GbtJoined joined_half;
  const meter::core::Status status_half =
      meter::core::join_general_block_transfer(input, half, joined_half);

  if (!status) {
    check_failure(status.failure(), size);
    METER_FUZZ_CHECK(!status_half);
    const auto code = status_half.failure().code;
    METER_FUZZ_CHECK(code == status.failure().code || code == DecodeError::kTooLarge);
    return 0;
  }
  METER_FUZZ_CHECK(joined.block_count >= 1 && joined.block_count <= meter::core::kMaxGbtBlocks);
  METER_FUZZ_CHECK(joined.size <= size);
  // Each block spends at least 7 header bytes on its data.
  METER_FUZZ_CHECK(joined.size + 7U * joined.block_count <= size);
  if (status_half) {
    METER_FUZZ_CHECK(joined_half.size == joined.size);
    METER_FUZZ_CHECK(std::equal(
        half.begin(), half.begin() + static_cast<std::ptrdiff_t>(joined.size), out.begin()));
  } else {
    METER_FUZZ_CHECK(status_half.failure().code == DecodeError::kTooLarge);
  }

  const std::span<const std::uint8_t> apdu(out.data(), joined.size);
  const std::size_t block_bytes = std::max<std::size_t>(1, (joined.size + 7) / 8);
  const auto blocks = meter::core::encode_general_block_transfer(apdu, block_bytes);
  METER_FUZZ_CHECK(!blocks.empty());
  std::vector<std::uint8_t> again;
  for (const auto& block : blocks) again.insert(again.end(), block.begin(), block.end());
  std::vector<std::uint8_t> rejoined(joined.size);
  meter::core::GbtJoined joined_again;
  METER_FUZZ_CHECK(meter::core::join_general_block_transfer(again, rejoined, joined_again).ok());
  METER_FUZZ_CHECK(joined_again.size == joined.size);
  METER_FUZZ_CHECK(std::equal(rejoined.begin(), rejoined.end(), apdu.begin()));
  return 0;
}
