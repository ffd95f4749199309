// SPDX-License-Identifier: MIT
// The P1 text telegram on arbitrary bytes: parse_p1_text at base offset 0 and again at 1000.
// Invariants: a failure is one of the codes the parser names, at an offset inside the input, and
// the base offset only shifts it; a success means '/' first, a '!' with a CRC that fits, and a
// telegram in bounds (layout kText, extras within their array, scalers 0 or below, a real time).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>

#include "fuzz_support.h"
#include "meter/core/p1_text.h"
#include "meter/core/telegram.h"

using meter::core::DecodeError;
using meter::fuzz::exact_copy;

namespace {

constexpr std::size_t kBase = 1000;

bool is_parser_error(DecodeError code) {
  return code == DecodeError::kTruncated || code == DecodeError::kTextBadCrc ||
         code == DecodeError::kTextBadLine || code == DecodeError::kBadDateTime;
}

void check_measurement(const meter::core::Measurement& m) {
  if (!m.present) return;
  METER_FUZZ_CHECK(m.scaler <= 0 && m.scaler >= -18);
  METER_FUZZ_CHECK(m.has_scaler_unit || (m.scaler == 0 && m.unit == meter::core::kUnitNone));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto input = exact_copy(data, size);
  const std::span<const std::uint8_t> text(input);
  auto telegram = std::make_unique<meter::core::Telegram>();
  auto shifted = std::make_unique<meter::core::Telegram>();

  const meter::core::Status status = meter::core::parse_p1_text(text, 0, *telegram);
  const meter::core::Status moved = meter::core::parse_p1_text(text, kBase, *shifted);
  METER_FUZZ_CHECK(status.ok() == moved.ok());
  METER_FUZZ_CHECK(telegram->layout == meter::core::ValueLayout::kText);

  if (!status) {
    const auto failure = status.failure();
    METER_FUZZ_CHECK(is_parser_error(failure.code));
    METER_FUZZ_CHECK(failure.offset <= size);
    METER_FUZZ_CHECK(moved.failure().code == failure.code);
    METER_FUZZ_CHECK(moved.failure().offset == failure.offset + kBase);
    return 0;
  }

  METER_FUZZ_CHECK(size >= 6 && input[0] == '/');
  const auto bang = std::find(input.begin(), input.end(), '!');
  METER_FUZZ_CHECK(bang != input.end() && input.end() - bang >= 5);
  const auto crc_at = static_cast<std::size_t>(bang - input.begin()) + 1;
  const std::uint16_t crc = meter::core::crc16_arc(text.first(crc_at));
  unsigned stated = 0;
  for (std::size_t i = 0; i < 4; ++i) {
    const std::uint8_t c = input[crc_at + i];
    const unsigned digit = c <= '9' ? c - '0' : (c | 0x20U) - 'a' + 10;
    stated = stated << 4U | digit;
  }
  METER_FUZZ_CHECK(stated == crc);

  METER_FUZZ_CHECK(telegram->extra_count <= meter::core::kMaxExtraRegisters);
  METER_FUZZ_CHECK(telegram->extra_count == shifted->extra_count);
  for (const auto& m : telegram->values) check_measurement(m);
  for (std::size_t i = 0; i < telegram->extra_count; ++i) {
    check_measurement(telegram->extras[i].measurement);
  }
  if (telegram->has_time) {
    const auto& time = telegram->meter_time;
    METER_FUZZ_CHECK(time.year >= 2000 && time.year <= 2099);
    METER_FUZZ_CHECK(time.month >= 1 && time.month <= 12 && time.day >= 1 && time.day <= 31);
    METER_FUZZ_CHECK(time.hour < 24 && time.minute < 60 && time.second < 60);
    METER_FUZZ_CHECK(time.deviation_min == -120 || time.deviation_min == -60);
    METER_FUZZ_CHECK(telegram->timestamp_utc == time.to_utc_epoch());
  }
  METER_FUZZ_CHECK(telegram->meter_number.size <= telegram->meter_number.chars.size());
  return 0;
}
