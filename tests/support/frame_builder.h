// SPDX-License-Identifier: MIT
// Builders for VALID test inputs, so that each test can break exactly one field of them.
// What core/telegram_encoder.h already writes (data-notifications in the EVN and KSM-West
// layouts, the general-glo-ciphering wrapper with a real cipher, EVN-style frame splits) is
// reused from there; this header adds the pieces it does not expose: single M-Bus frames with any
// C/A/CI, explicit segment splits, raw A-XDR values, date-time bytes, unencrypted APDU wrappers,
// hex conversion, and the Netz NÖ brochure example (key, system title, values, telegram).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "meter/core/apdu.h"
#include "meter/core/cosem_datetime.h"
#include "meter/core/gcm_cipher.h"
#include "meter/core/hex.h"
#include "meter/core/key_ring.h"
#include "meter/core/mbus_frame.h"
#include "meter/core/obis.h"
#include "meter/core/telegram.h"
#include "meter/core/telegram_encoder.h"

namespace meter::test {

using Bytes = std::vector<std::uint8_t>;
using ByteSpan = std::span<const std::uint8_t>;

// ---- hex ------------------------------------------------------------------------------------

// Test literals only: throws (a test failure in GoogleTest) on anything but clean hex.
inline Bytes from_hex(std::string_view text) {
  Bytes out(text.size() / 2 + 1);
  const core::HexDecodeResult decoded =
      core::decode_hex(text.data(), text.size(), out.data(), out.size());
  if (!decoded.ok) throw std::invalid_argument("bad hex literal in a test");
  out.resize(decoded.size);
  return out;
}

inline std::string to_hex(ByteSpan bytes) {
  std::string text(2 * bytes.size(), '\0');
  core::encode_hex_upper(bytes.data(), bytes.size(), text.data());
  return text;
}

inline Bytes join(std::initializer_list<ByteSpan> parts) {
  Bytes out;
  for (const ByteSpan part : parts) out.insert(out.end(), part.begin(), part.end());
  return out;
}

inline Bytes repeat(std::uint8_t byte, std::size_t count) { return Bytes(count, byte); }

// ---- the Netz NÖ brochure example -----------------------------------------------------------

inline constexpr std::string_view kDocKeyHex = "36C66639E48A8CA4D6BC8B282A793BBB";
inline constexpr core::SystemTitle kDocSystemTitle = {0x4B, 0x46, 0x4D, 0x67,
                                                      0x50, 0x00, 0x00, 0x09};  // "KFMgP..."
inline constexpr std::uint32_t kDocFrameCounter = 0x23;
inline constexpr std::int64_t kDocEpoch = 1632728835;  // 2021-09-27 07:47:15 UTC

// The brochure's telegram: 250 + 20 framing, SC 0x20, encrypted with kDocKeyHex.
inline constexpr std::string_view kDocTelegramHex =
    "68FAFA6853FF000167DB084B464D675000000981F8200000002388D5AB4F97515AAFC6B88D2F85DAA7A0E3C0C40D"
    "004535C397C9D037AB7DBDA329107615444894A1A0DD7E85F02D496CECD3FF46AF5FB3C9229CFE8F3EE4606AB2E1"
    "F409F36AAD2E50900A4396FC6C2E083F373233A69616950758BFC7D63A9E9B6E99E21B2CBC2B934772CA51FD4D69"
    "830711CAB1F8CFF25F0A329337CBA51904F0CAED88D61968743C8454BA922EB00038182C22FE316D16F2A9F544D6"
    "F75D51A4E92A1C4EF8AB19A2B7FEAA32D0726C0ED80229AE6C0F7621A4209251ACE2B2BC66FF0327A653BB686C75"
    "6BE033C7A281F1D2A7E1FA31C3983E15F8FD16CC5787E6F517166814146853FF110167419A3CFDA44BE438C96F0E"
    "38BF83D98316";

inline core::AesKey doc_key() { return core::AesKey::from_hex(kDocKeyHex).value(); }

// Another valid key, for "wrong key" tests.
inline core::AesKey other_key() {
  return core::AesKey::from_hex("000102030405060708090A0B0C0D0E0F").value();
}

inline core::AesKey auth_key() {
  return core::AesKey::from_hex("D0D1D2D3D4D5D6D7D8D9DADBDCDDDEDF").value();
}

inline core::CosemDateTime make_time(std::uint16_t year, std::uint8_t month, std::uint8_t day,
                                     std::uint8_t hour, std::uint8_t minute, std::uint8_t second,
                                     std::int16_t deviation_min = -120,
                                     std::uint8_t clock_status = 0x80) {
  core::CosemDateTime t;
  t.year = year;
  t.month = month;
  t.day = day;
  t.weekday = 0xFF;
  t.hour = hour;
  t.minute = minute;
  t.second = second;
  t.hundredths = 0;
  t.deviation_min = deviation_min;
  t.clock_status = clock_status;
  return t;
}

// The brochure's plaintext values (Kaifa MA309, 2021-09-27 09:47:15+02:00).
inline core::TelegramSpec doc_spec() {
  core::TelegramSpec spec;
  spec.layout = core::Layout::kEvn;
  spec.time = make_time(2021, 9, 27, 9, 47, 15);
  spec.time.weekday = 1;
  spec.invoke_id = 0x8006870E;
  spec.meter_number = "181220000009";
  using core::Quantity;
  auto set = [&spec](Quantity q, std::int64_t raw) { spec.raw[static_cast<std::size_t>(q)] = raw; };
  set(Quantity::kEnergyImport, 12937);
  set(Quantity::kEnergyExport, 0);
  set(Quantity::kPowerImport, 0);
  set(Quantity::kPowerExport, 0);
  set(Quantity::kVoltageL1, 2337);
  set(Quantity::kVoltageL2, 0);
  set(Quantity::kVoltageL3, 0);
  set(Quantity::kCurrentL1, 0);
  set(Quantity::kCurrentL2, 0);
  set(Quantity::kCurrentL3, 0);
  set(Quantity::kPowerFactor, 1000);
  return spec;
}

inline core::CipherSpec doc_cipher(std::uint8_t security_control = core::kSecurityEncryption,
                                   std::uint32_t frame_counter = kDocFrameCounter) {
  core::CipherSpec spec;
  spec.system_title = kDocSystemTitle;
  spec.security_control = security_control;
  spec.frame_counter = frame_counter;
  spec.keys.encryption = doc_key();
  return spec;
}

// ---- M-Bus ----------------------------------------------------------------------------------

inline constexpr std::size_t kFrameOverhead =
    core::kMbusHeaderBytes + core::kMbusSegmentHeaderBytes + 2;  // 68 L L 68 C A CI S D .. CS 16

struct FrameFields {
  std::uint8_t control = 0x53;
  std::uint8_t address = 0xFF;
  std::uint8_t stsap = 0x01;
  std::uint8_t dtsap = 0x67;
};

inline std::uint8_t mbus_checksum(ByteSpan bytes) {
  unsigned sum = 0;
  for (const std::uint8_t byte : bytes) sum += byte;
  return static_cast<std::uint8_t>(sum);
}

// 68 L L 68 C A CI STSAP DTSAP fragment CS 16, with a correct checksum. L is the real length mod
// 256, so a fragment of more than 250 bytes gives an old-Sagemcom L + 256 frame.
inline Bytes mbus_frame(ByteSpan fragment, std::uint8_t ci, const FrameFields& fields = {}) {
  const auto length = static_cast<std::uint8_t>(core::kMbusSegmentHeaderBytes + fragment.size());
  Bytes out = {core::kMbusStart, length, length,       core::kMbusStart, fields.control,
               fields.address,   ci,     fields.stsap, fields.dtsap};
  out.insert(out.end(), fragment.begin(), fragment.end());
  out.push_back(mbus_checksum(ByteSpan(out).subspan(core::kMbusHeaderBytes)));
  out.push_back(core::kMbusStop);
  return out;
}

// Offsets inside one frame, for breaking a single field.
inline constexpr std::size_t kCiOffset = 6;
inline std::size_t checksum_offset(const Bytes& frame) { return frame.size() - 2; }
inline std::size_t stop_offset(const Bytes& frame) { return frame.size() - 1; }

// Splits `apdu` into frames carrying `fragment_sizes` bytes each (the sizes must add up to the
// APDU size): CI = segment number, FIN on the last one.
inline std::vector<Bytes> mbus_segment_frames(ByteSpan apdu,
                                              std::vector<std::size_t> fragment_sizes,
                                              const FrameFields& fields = {}) {
  std::vector<Bytes> frames;
  std::size_t offset = 0;
  for (std::size_t i = 0; i < fragment_sizes.size(); ++i) {
    const bool last = i + 1 == fragment_sizes.size();
    if (offset + fragment_sizes[i] > apdu.size()) throw std::invalid_argument("fragments too long");
    const auto ci =
        static_cast<std::uint8_t>((last ? core::kCiFinBit : 0) | (i & core::kCiSequenceMask));
    frames.push_back(mbus_frame(apdu.subspan(offset, fragment_sizes[i]), ci, fields));
    offset += fragment_sizes[i];
  }
  if (offset != apdu.size()) throw std::invalid_argument("fragments do not cover the APDU");
  return frames;
}

inline Bytes join_frames(const std::vector<Bytes>& frames) {
  Bytes out;
  for (const Bytes& frame : frames) out.insert(out.end(), frame.begin(), frame.end());
  return out;
}

// ---- A-XDR ----------------------------------------------------------------------------------

inline Bytes ber_length(std::size_t length) {
  if (length < 0x80) return {static_cast<std::uint8_t>(length)};
  if (length <= 0xFF) return {0x81, static_cast<std::uint8_t>(length)};
  return {0x82, static_cast<std::uint8_t>(length >> 8), static_cast<std::uint8_t>(length)};
}

namespace axdr {

inline Bytes structure(std::size_t count) { return join({Bytes{0x02}, ber_length(count)}); }
inline Bytes array(std::size_t count) { return join({Bytes{0x01}, ber_length(count)}); }
inline Bytes octet_string(ByteSpan bytes) {
  return join({Bytes{0x09}, ber_length(bytes.size()), bytes});
}
inline Bytes text(std::string_view ascii) {
  const Bytes bytes(ascii.begin(), ascii.end());
  return octet_string(bytes);
}
inline Bytes visible_string(std::string_view ascii) {
  const Bytes bytes(ascii.begin(), ascii.end());
  return join({Bytes{0x0A}, ber_length(bytes.size()), bytes});
}
inline Bytes obis(const core::Obis& code) { return octet_string(code.bytes); }
inline Bytes uint8(std::uint8_t v) { return {0x11, v}; }
inline Bytes int8(std::int8_t v) { return {0x0F, static_cast<std::uint8_t>(v)}; }
inline Bytes enum_value(std::uint8_t v) { return {0x16, v}; }
inline Bytes uint16(std::uint16_t v) {
  return {0x12, static_cast<std::uint8_t>(v >> 8), static_cast<std::uint8_t>(v)};
}
inline Bytes int16(std::int16_t v) {
  const auto u = static_cast<std::uint16_t>(v);
  return {0x10, static_cast<std::uint8_t>(u >> 8), static_cast<std::uint8_t>(u)};
}
inline Bytes uint32(std::uint32_t v) {
  return {0x06, static_cast<std::uint8_t>(v >> 24), static_cast<std::uint8_t>(v >> 16),
          static_cast<std::uint8_t>(v >> 8), static_cast<std::uint8_t>(v)};
}
inline Bytes scaler_unit(std::int8_t scaler, std::uint8_t unit) {
  return join({structure(2), int8(scaler), enum_value(unit)});
}
// The flat EVN triple: OBIS, typed value, {scaler, unit}.
inline Bytes evn_register(const core::Obis& code, ByteSpan value, std::int8_t scaler,
                          std::uint8_t unit) {
  return join({obis(code), value, scaler_unit(scaler, unit)});
}
// The nested KSM-West group: structure(3){OBIS, typed value, {scaler, unit}}.
inline Bytes ksm_register(const core::Obis& code, ByteSpan value, std::int8_t scaler,
                          std::uint8_t unit) {
  return join({structure(3), evn_register(code, value, scaler, unit)});
}

}  // namespace axdr

// ---- date-time and APDUs --------------------------------------------------------------------

inline std::array<std::uint8_t, 12> datetime_bytes(const core::CosemDateTime& t) {
  const auto deviation = static_cast<std::uint16_t>(t.deviation_min);
  return {static_cast<std::uint8_t>(t.year >> 8),
          static_cast<std::uint8_t>(t.year),
          t.month,
          t.day,
          t.weekday,
          t.hour,
          t.minute,
          t.second,
          t.hundredths,
          static_cast<std::uint8_t>(deviation >> 8),
          static_cast<std::uint8_t>(deviation),
          t.clock_status};
}

// 0F invoke-id [0C date-time | 00] body
inline Bytes data_notification(std::uint32_t invoke_id,
                               const std::optional<core::CosemDateTime>& time, ByteSpan body) {
  Bytes out = {core::kDataNotification, static_cast<std::uint8_t>(invoke_id >> 24),
               static_cast<std::uint8_t>(invoke_id >> 16),
               static_cast<std::uint8_t>(invoke_id >> 8), static_cast<std::uint8_t>(invoke_id)};
  if (time) {
    out.push_back(12);
    const auto bytes = datetime_bytes(*time);
    out.insert(out.end(), bytes.begin(), bytes.end());
  } else {
    out.push_back(0);
  }
  out.insert(out.end(), body.begin(), body.end());
  return out;
}

// DB 08 <title> <BER length> SC FC(4) <rest> without any encryption: for header parsing tests.
// `rest` is what follows the frame counter (payload and, for SC with bit 4, the tag).
inline Bytes glo_apdu(const core::SystemTitle& title, std::uint8_t security_control,
                      std::uint32_t frame_counter, ByteSpan rest) {
  const Bytes counter = {static_cast<std::uint8_t>(frame_counter >> 24),
                         static_cast<std::uint8_t>(frame_counter >> 16),
                         static_cast<std::uint8_t>(frame_counter >> 8),
                         static_cast<std::uint8_t>(frame_counter)};
  return join({Bytes{core::kGeneralGloCiphering, core::kSystemTitleBytes}, title,
               ber_length(1 + 4 + rest.size()), Bytes{security_control}, counter, rest});
}

}  // namespace meter::test
