// SPDX-License-Identifier: MIT
// DLMS application layer (IEC 62056-5-3): the general-glo-ciphering wrapper and the
// data-notification inside it.
//
//   DB | 08 <system title, 8> | len (BER: nn, 81 nn, 82 nnnn) | SC | FC(4) | ciphertext | [tag 12]
//   SC: bit 4 authentication, bit 5 encryption, bit 6 broadcast key, bit 7 compression, 0..3 suite
//   EVN: SC 0x20 (encryption only, no tag); KSM West 0x21; Burgenland/Steiermark 0x30 (with tag).
//
//   0F | invoke-id-and-priority(4) | date-time: 0C <12 bytes> or 00 | body: one A-XDR value
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "meter/core/cosem_datetime.h"
#include "meter/core/result.h"

namespace meter::core {

inline constexpr std::uint8_t kGeneralGloCiphering = 0xDB;
inline constexpr std::uint8_t kDataNotification = 0x0F;
inline constexpr std::size_t kSystemTitleBytes = 8;
inline constexpr std::uint8_t kSecurityAuthentication = 0x10;
inline constexpr std::uint8_t kSecurityEncryption = 0x20;
inline constexpr std::uint8_t kSecurityCompression = 0x80;
inline constexpr std::uint8_t kSecuritySuiteMask = 0x0F;

using SystemTitle = std::array<std::uint8_t, kSystemTitleBytes>;

struct CipheredApdu {
  SystemTitle system_title{};
  std::uint8_t security_control = 0;
  std::uint32_t frame_counter = 0;
  std::span<std::uint8_t> payload;    // ciphertext (or plaintext when not encrypted)
  std::span<const std::uint8_t> tag;  // empty when SC has no authentication bit
  std::size_t payload_offset = 0;     // in the APDU

  bool encrypted() const { return (security_control & kSecurityEncryption) != 0; }
  bool authenticated() const { return (security_control & kSecurityAuthentication) != 0; }
  std::array<std::uint8_t, 12> iv() const;
};

// Parses the wrapper; the payload view is mutable so decryption can work in place.
// Errors: kUnsupportedApdu, kBadSystemTitle, kBadLength, kApduLengthMismatch, kUnsupportedSecurity.
Result<CipheredApdu> parse_general_glo_ciphering(std::span<std::uint8_t> apdu);
// The same, filling `out` (the decoder's hot path: no copy of the result).
Status parse_general_glo_ciphering(std::span<std::uint8_t> apdu, CipheredApdu& out);

struct DataNotification {
  std::uint32_t invoke_id = 0;
  bool has_date_time = false;
  CosemDateTime date_time;
  std::span<const std::uint8_t> body;  // exactly one A-XDR value is expected here
  std::size_t body_offset = 0;         // in the layer's coordinates
};

// `base_offset` is where `plaintext` starts in the APDU, so errors point into the APDU.
Result<DataNotification> parse_data_notification(std::span<const std::uint8_t> plaintext,
                                                 std::size_t base_offset = 0);
Status parse_data_notification(std::span<const std::uint8_t> plaintext, std::size_t base_offset,
                               DataNotification& out);

}  // namespace meter::core
