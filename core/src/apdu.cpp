// SPDX-License-Identifier: MIT
#include "meter/core/apdu.h"

#include "meter/core/byte_reader.h"
#include "meter/core/gcm_cipher.h"

namespace meter::core {

std::array<std::uint8_t, 12> CipheredApdu::iv() const {
  std::array<std::uint8_t, 12> iv{};
  for (std::size_t i = 0; i < kSystemTitleBytes; ++i) iv[i] = system_title[i];
  iv[8] = static_cast<std::uint8_t>(frame_counter >> 24);
  iv[9] = static_cast<std::uint8_t>(frame_counter >> 16);
  iv[10] = static_cast<std::uint8_t>(frame_counter >> 8);
  iv[11] = static_cast<std::uint8_t>(frame_counter);
  return iv;
}

Result<CipheredApdu> parse_general_glo_ciphering(std::span<std::uint8_t> apdu) {
  CipheredApdu out;
  if (auto status = parse_general_glo_ciphering(apdu, out); !status) return status.failure();
  return out;
}

Status parse_general_glo_ciphering(std::span<std::uint8_t> apdu, CipheredApdu& out) {
  ByteReader in(apdu);
  if (auto s = in.expect(kGeneralGloCiphering, DecodeError::kUnsupportedApdu); !s) {
    return s.failure();
  }
  if (auto s = in.expect(kSystemTitleBytes, DecodeError::kBadSystemTitle); !s) return s.failure();
  auto title = in.take(kSystemTitleBytes, DecodeError::kApduLengthMismatch);
  if (!title) return title.failure();
  for (std::size_t i = 0; i < kSystemTitleBytes; ++i) out.system_title[i] = (*title)[i];

  const std::size_t length_offset = in.offset();
  auto length = in.ber_length();
  if (!length) return length.failure();
  if (*length != in.remaining()) return failure_at(DecodeError::kApduLengthMismatch, length_offset);

  const std::size_t security_offset = in.offset();
  auto security = in.u8(DecodeError::kApduLengthMismatch);
  if (!security) return security.failure();
  out.security_control = *security;
  const std::uint8_t suite = *security & kSecuritySuiteMask;
  const bool neither = (*security & (kSecurityEncryption | kSecurityAuthentication)) == 0;
  // Suites 0 and 1 are AES-128-GCM; compression is not used by any meter we know.
  if ((*security & kSecurityCompression) != 0 || suite > 1 || neither) {
    return failure_at(DecodeError::kUnsupportedSecurity, security_offset);
  }
  auto counter = in.u32_be(DecodeError::kApduLengthMismatch);
  if (!counter) return counter.failure();
  out.frame_counter = *counter;

  const std::size_t tag_size = out.authenticated() ? kGcmTagBytes : 0;
  if (in.remaining() < tag_size) return in.fail(DecodeError::kApduLengthMismatch);
  out.payload_offset = in.offset();
  out.payload = apdu.subspan(in.position(), in.remaining() - tag_size);
  out.tag = apdu.subspan(in.position() + out.payload.size(), tag_size);
  return Status::success();
}

Result<DataNotification> parse_data_notification(std::span<const std::uint8_t> plaintext,
                                                 std::size_t base_offset) {
  DataNotification out;
  if (auto status = parse_data_notification(plaintext, base_offset, out); !status) {
    return status.failure();
  }
  return out;
}

Status parse_data_notification(std::span<const std::uint8_t> plaintext, std::size_t base_offset,
                               DataNotification& out) {
  ByteReader in(plaintext, base_offset);
  if (auto s = in.expect(kDataNotification, DecodeError::kUnsupportedApdu); !s) return s.failure();
  auto invoke_id = in.u32_be();
  if (!invoke_id) return invoke_id.failure();
  out.invoke_id = *invoke_id;

  // date-time: an OCTET STRING OPTIONAL written as its length byte; 0 = absent.
  const std::size_t time_offset = in.offset();
  auto time_length = in.u8();
  if (!time_length) return time_length.failure();
  if (*time_length != 0) {
    if (*time_length != 12) return failure_at(DecodeError::kBadDateTime, time_offset);
    auto bytes = in.take(12);
    if (!bytes) return bytes.failure();
    auto time = parse_cosem_datetime(*bytes, time_offset + 1);
    if (!time) return time.failure();
    out.has_date_time = true;
    out.date_time = *time;
  }
  if (in.at_end()) return in.fail(DecodeError::kBadValue);
  out.body_offset = in.offset();
  out.body = in.rest();
  return Status::success();
}

}  // namespace meter::core
