// SPDX-License-Identifier: MIT
// The decoder run backwards: values -> data-notification plaintext -> general-glo-ciphering APDU
// -> M-Bus frames. Used by the meter simulator and by round-trip tests; it writes the layouts the
// real meters send (EVN flat, KSM-West nested) with the EVN register types and scalers.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "meter/core/apdu.h"
#include "meter/core/cosem_datetime.h"
#include "meter/core/gcm_cipher.h"
#include "meter/core/key_ring.h"
#include "meter/core/telegram.h"

namespace meter::core {

enum class Layout : std::uint8_t {
  kEvn,      // structure{date-time, 11 x (OBIS, value, {scaler, unit}), meter number}
  kKsmWest,  // structure{{clock}, {meter number}, {device name}, n x {OBIS, value, {scaler, unit}}}
};

struct TelegramSpec {
  Layout layout = Layout::kEvn;
  CosemDateTime time;
  std::uint32_t invoke_id = 0x80000001;
  std::string meter_number = "181220000009";
  std::string logical_device_name;  // KSM West only
  // Raw register values in the EVN scaling (Wh, W, 0.1 V, 0.01 A, 0.001); nullopt = not sent.
  std::array<std::optional<std::int64_t>, kQuantityCount> raw{};
  bool power_factor_signed = false;  // Sagemcom before V0450 sends PF as int16
};

// The scaler and unit the EVN meters send for each quantity.
std::int8_t evn_scaler(Quantity quantity);
std::uint8_t evn_unit(Quantity quantity);

std::vector<std::uint8_t> encode_data_notification(const TelegramSpec& spec);

struct CipherSpec {
  SystemTitle system_title{};
  std::uint8_t security_control = kSecurityEncryption;  // 0x20 as EVN; 0x30 adds a tag
  std::uint32_t frame_counter = 1;
  MeterKeys keys;
};

// Empty when the cipher fails or SC asks for a tag without an authentication key.
std::vector<std::uint8_t> encode_general_glo_ciphering(std::span<const std::uint8_t> plaintext,
                                                       const CipherSpec& spec, GcmCipher& cipher);

struct FramingSpec {
  std::size_t max_fragment_bytes = 245;  // 245 gives EVN's 250 + 20 split
  bool old_sagemcom_quirk = false;       // first frame carries 252 bytes with L = 0x01
  std::uint8_t control = 0x53;
  std::uint8_t address = 0xFF;
};

// Empty when max_fragment_bytes is not 1..250 or the APDU needs more than 16 segments.
std::vector<std::uint8_t> encode_mbus_frames(std::span<const std::uint8_t> apdu,
                                             const FramingSpec& spec = {});

}  // namespace meter::core
