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
  kWienerNetze,   // structure{[meter number,] date-time, 8 bare uint32 +A -A +R -R +P -P +Q -Q}
  kCaptureList,   // the capture objects' OBIS codes, then the values in that order
  kKaerntenNetz,  // structure{0-6:25.9.0.255, meter number, time, date, 6 bare uint32, 2 strings}
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

// The P1 companion standard's text telegram (/ header, OBIS(value*unit) lines, !CRC) for the
// spec's values, in the units the Sagemcom T210-D-r writes.
std::vector<std::uint8_t> encode_p1_text(const TelegramSpec& spec);

// The APDU cut into general block transfer blocks of at most `block_bytes` data bytes each
// (numbered from 1, the last one flagged). Empty when block_bytes is 0 or more than
// kMaxGbtBlocks blocks would be needed.
std::vector<std::vector<std::uint8_t>> encode_general_block_transfer(
    std::span<const std::uint8_t> apdu, std::size_t block_bytes);

struct HdlcSpec {
  std::vector<std::uint8_t> destination{0xCF};   // Wiener Netze's AM550: CF
  std::vector<std::uint8_t> source{0x02, 0x23};  //                       02 23
  std::uint8_t control = 0x13;                   // UI frame
  bool llc = true;                               // E6 E7 00 before the first frame's data
  std::size_t max_information_bytes = 0;         // > 0: segment (S bit) beyond this size
};

// HDLC frame format type 3 frames (flags, HCS, FCS) carrying `payload`; empty when an address
// is not 1..4 bytes or a frame would exceed the 11-bit length.
std::vector<std::uint8_t> encode_hdlc_frames(std::span<const std::uint8_t> payload,
                                             const HdlcSpec& spec = {});

}  // namespace meter::core
