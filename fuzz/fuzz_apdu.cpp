// SPDX-License-Identifier: MIT
// The APDU layer on arbitrary bytes: parse_general_glo_ciphering, then parse_data_notification
// on its payload (read as if it were plaintext) and on the whole input.
// Invariants: payload and tag are adjacent views inside the input, ending at its end; the tag is
// 12 bytes exactly when SC has the authentication bit; offsets agree with the views; a
// data-notification body is a non-empty view reaching the end of its plaintext.
#include <cstddef>
#include <cstdint>
#include <span>

#include "fuzz_support.h"
#include "meter/core/apdu.h"
#include "meter/core/decode_error.h"
#include "meter/core/gcm_cipher.h"

using meter::fuzz::exact_copy;
using meter::fuzz::is_inside;

namespace {

void check_failure(meter::core::DecodeFailure failure, std::size_t base, std::size_t size) {
  METER_FUZZ_CHECK(static_cast<int>(failure.code) < meter::core::kDecodeErrorCount);
  METER_FUZZ_CHECK(failure.offset >= base);
  METER_FUZZ_CHECK(failure.offset <= base + size);
}

void check_notification(std::span<const std::uint8_t> plaintext, std::size_t base) {
  const auto notification = meter::core::parse_data_notification(plaintext, base);
  if (!notification) {
    check_failure(notification.failure(), base, plaintext.size());
    return;
  }
  METER_FUZZ_CHECK(plaintext[0] == meter::core::kDataNotification);
  METER_FUZZ_CHECK(!notification->body.empty());
  METER_FUZZ_CHECK(is_inside(notification->body, plaintext));
  METER_FUZZ_CHECK(notification->body.data() + notification->body.size() ==
                   plaintext.data() + plaintext.size());
  const auto body_start = static_cast<std::size_t>(notification->body.data() - plaintext.data());
  METER_FUZZ_CHECK(notification->body_offset == base + body_start);
  METER_FUZZ_CHECK(body_start == (notification->has_date_time ? 6 + 12 : 6));
  if (notification->has_date_time) {
    const auto& time = notification->date_time;
    METER_FUZZ_CHECK(time.month >= 1 && time.month <= 12 && time.day >= 1 && time.day <= 31);
    METER_FUZZ_CHECK(time.hour < 24 && time.minute < 60 && time.second < 60);
    (void)time.to_utc_epoch();
    METER_FUZZ_CHECK(!time.to_iso_local().empty());
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto input = exact_copy(data, size);
  const std::span<std::uint8_t> apdu(input);

  const auto ciphered = meter::core::parse_general_glo_ciphering(apdu);
  if (!ciphered) {
    check_failure(ciphered.failure(), 0, input.size());
  } else {
    METER_FUZZ_CHECK(input[0] == meter::core::kGeneralGloCiphering);
    METER_FUZZ_CHECK(is_inside(ciphered->payload, apdu));
    METER_FUZZ_CHECK(is_inside(ciphered->tag, apdu));
    METER_FUZZ_CHECK(ciphered->payload.data() == input.data() + ciphered->payload_offset);
    METER_FUZZ_CHECK(ciphered->tag.data() == ciphered->payload.data() + ciphered->payload.size());
    METER_FUZZ_CHECK(ciphered->tag.data() + ciphered->tag.size() == input.data() + input.size());
    METER_FUZZ_CHECK(ciphered->tag.size() ==
                     (ciphered->authenticated() ? meter::core::kGcmTagBytes : 0));
    // DB 08 <title 8> <length 1..5> SC FC(4)
    METER_FUZZ_CHECK(ciphered->payload_offset >= 2 + 8 + 1 + 1 + 4);
    METER_FUZZ_CHECK(ciphered->payload_offset <= 2 + 8 + 5 + 1 + 4);
    const std::uint8_t security = ciphered->security_control;
    METER_FUZZ_CHECK((security & meter::core::kSecurityCompression) == 0);
    METER_FUZZ_CHECK((security & meter::core::kSecuritySuiteMask) <= 1);
    METER_FUZZ_CHECK(ciphered->encrypted() || ciphered->authenticated());
    const auto iv = ciphered->iv();
    METER_FUZZ_CHECK(iv[11] == static_cast<std::uint8_t>(ciphered->frame_counter));
    if (!ciphered->payload.empty()) {
      check_notification(ciphered->payload, ciphered->payload_offset);
    }
  }

  if (!input.empty()) check_notification(std::span<const std::uint8_t>(input), 0);
  return 0;
}
