// SPDX-License-Identifier: MIT
#include "meter/core/telegram_encoder.h"

#include <algorithm>

#include "byte_writer.h"
#include "meter/core/axdr.h"
#include "meter/core/mbus_frame.h"

namespace meter::core {
namespace {

using Bytes = std::vector<std::uint8_t>;

using detail::put_length;
using detail::put_u16;
using detail::put_u32;

void put_octets(Bytes& out, std::span<const std::uint8_t> bytes) {
  out.push_back(static_cast<std::uint8_t>(AxdrType::kOctetString));
  put_length(out, bytes.size());
  out.insert(out.end(), bytes.begin(), bytes.end());
}

void put_text(Bytes& out, const std::string& text) {
  put_octets(out, {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()});
}

std::array<std::uint8_t, 12> datetime_bytes(const CosemDateTime& t) {
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

bool is_word(Quantity q) {
  switch (q) {
    case Quantity::kVoltageL1:
    case Quantity::kVoltageL2:
    case Quantity::kVoltageL3:
    case Quantity::kCurrentL1:
    case Quantity::kCurrentL2:
    case Quantity::kCurrentL3:
    case Quantity::kPowerFactor:
      return true;
    default:
      return false;
  }
}

// The typed value in the EVN register types: uint32, or uint16 (int16 for the old Sagemcom PF).
void put_value(Bytes& out, Quantity q, std::int64_t raw, bool pf_signed) {
  if (!is_word(q)) {
    out.push_back(static_cast<std::uint8_t>(AxdrType::kUint32));
    put_u32(out, static_cast<std::uint32_t>(raw));
  } else {
    const bool is_signed = q == Quantity::kPowerFactor && pf_signed;
    out.push_back(static_cast<std::uint8_t>(is_signed ? AxdrType::kInt16 : AxdrType::kUint16));
    put_u16(out, static_cast<std::uint16_t>(raw));
  }
}

// OBIS, typed value, structure{scaler, unit}: the 3 elements of one register.
void put_register(Bytes& out, Quantity q, std::int64_t raw, bool pf_signed) {
  put_octets(out, info(q).obis.bytes);
  put_value(out, q, raw, pf_signed);
  out.push_back(static_cast<std::uint8_t>(AxdrType::kStructure));
  out.push_back(2);
  out.push_back(static_cast<std::uint8_t>(AxdrType::kInt8));
  out.push_back(static_cast<std::uint8_t>(evn_scaler(q)));
  out.push_back(static_cast<std::uint8_t>(AxdrType::kEnum));
  out.push_back(evn_unit(q));
}

// The two DLMS layouts carry the fifteen registers Netz NÖ and KSM West send; no tariff registers.
constexpr std::size_t kDlmsRegisterCount = 15;
constexpr std::array<Quantity, kDlmsRegisterCount> kEvnOrder = {Quantity::kEnergyImport,
                                                                Quantity::kEnergyExport,
                                                                Quantity::kPowerImport,
                                                                Quantity::kPowerExport,
                                                                Quantity::kVoltageL1,
                                                                Quantity::kVoltageL2,
                                                                Quantity::kVoltageL3,
                                                                Quantity::kCurrentL1,
                                                                Quantity::kCurrentL2,
                                                                Quantity::kCurrentL3,
                                                                Quantity::kPowerFactor,
                                                                Quantity::kReactiveEnergyImport,
                                                                Quantity::kReactiveEnergyExport,
                                                                Quantity::kReactivePowerImport,
                                                                Quantity::kReactivePowerExport};

constexpr std::array<Quantity, kDlmsRegisterCount> kKsmWestOrder = {Quantity::kVoltageL1,
                                                                    Quantity::kVoltageL2,
                                                                    Quantity::kVoltageL3,
                                                                    Quantity::kCurrentL1,
                                                                    Quantity::kCurrentL2,
                                                                    Quantity::kCurrentL3,
                                                                    Quantity::kPowerImport,
                                                                    Quantity::kPowerExport,
                                                                    Quantity::kEnergyImport,
                                                                    Quantity::kEnergyExport,
                                                                    Quantity::kReactiveEnergyImport,
                                                                    Quantity::kReactiveEnergyExport,
                                                                    Quantity::kPowerFactor,
                                                                    Quantity::kReactivePowerImport,
                                                                    Quantity::kReactivePowerExport};

// structure{[meter id,] date-time, 8 bare uint32}: the Wiener Netze order +A -A +R -R +P -P +Q -Q
// (pocki80 gist, rddl-network/EnergyAgent); a quantity not in the spec is sent as 0.
constexpr std::array<Quantity, 8> kWienerNetzeOrder = {
    Quantity::kEnergyImport,         Quantity::kEnergyExport,       Quantity::kReactiveEnergyImport,
    Quantity::kReactiveEnergyExport, Quantity::kPowerImport,        Quantity::kPowerExport,
    Quantity::kReactivePowerImport,  Quantity::kReactivePowerExport};

void put_wiener_netze_body(Bytes& out, const TelegramSpec& spec,
                           std::span<const std::uint8_t> time) {
  const bool with_id = !spec.meter_number.empty();  // Siemens IM350
  out.push_back(static_cast<std::uint8_t>(AxdrType::kStructure));
  put_length(out, (with_id ? 1 : 0) + 1 + kWienerNetzeOrder.size());
  if (with_id) put_text(out, spec.meter_number);
  put_octets(out, time);
  for (const Quantity q : kWienerNetzeOrder) {
    out.push_back(static_cast<std::uint8_t>(AxdrType::kUint32));
    put_u32(out, static_cast<std::uint32_t>(spec.raw[static_cast<std::size_t>(q)].value_or(0)));
  }
}

// structure(12){0-6:25.9.0.255, meter number, time(4), date(5), 6 bare uint32 +A -A +R -R +P -P,
// two empty strings}: the Kärnten Netz AM550 (pocki80 gist 941fa090a8d6269a9b3b68c195f8750f).
// The body's date and time are the header's without deviation; the weekday byte as the meter's.
void put_kaernten_netz_body(Bytes& out, const TelegramSpec& spec,
                            std::span<const std::uint8_t> time) {
  constexpr std::array<Quantity, 6> kOrder = {
      Quantity::kEnergyImport,         Quantity::kEnergyExport, Quantity::kReactiveEnergyImport,
      Quantity::kReactiveEnergyExport, Quantity::kPowerImport,  Quantity::kPowerExport};
  out.insert(out.end(), {static_cast<std::uint8_t>(AxdrType::kStructure), 12});
  put_octets(out, Obis::of(0, 6, 25, 9, 0).bytes);
  put_text(out, spec.meter_number);
  put_octets(out, time.subspan(5, 4));
  put_octets(out, time.subspan(0, 5));
  for (const Quantity q : kOrder) {
    out.push_back(static_cast<std::uint8_t>(AxdrType::kUint32));
    put_u32(out, static_cast<std::uint32_t>(spec.raw[static_cast<std::size_t>(q)].value_or(0)));
  }
  put_text(out, "");
  put_text(out, "");
}

// The registers of the capture-list layout: the EVN fifteen, then the tariff registers.
constexpr std::array<Quantity, 4> kTariffOrder = {
    Quantity::kEnergyImportT1, Quantity::kEnergyImportT2, Quantity::kEnergyExportT1,
    Quantity::kEnergyExportT2};

// Calls visit(quantity, raw) for each register of the spec the capture-list layout sends.
template <typename Visit>
void for_each_captured(const TelegramSpec& spec, Visit&& visit) {
  auto run = [&](std::span<const Quantity> order) {
    for (const Quantity q : order) {
      if (const auto& raw = spec.raw[static_cast<std::size_t>(q)]) visit(q, *raw);
    }
  };
  run(kEvnOrder);
  run(kTariffOrder);
}

// structure(4){class-id, logical name, attribute 2, data index 0}
void put_capture_entry(Bytes& out, std::uint16_t class_id, const Obis& obis) {
  out.insert(out.end(), {static_cast<std::uint8_t>(AxdrType::kStructure), 4,
                         static_cast<std::uint8_t>(AxdrType::kUint16)});
  put_u16(out, class_id);
  put_octets(out, obis.bytes);
  out.insert(out.end(), {static_cast<std::uint8_t>(AxdrType::kInt8), 2,
                         static_cast<std::uint8_t>(AxdrType::kUint16), 0, 0});
}

// As the L+G E450 pushes it: structure{array{push setup, clock, [meter number,] registers...},
// date-time, [meter number,] bare values...}. The values go without scaler and unit, as there.
void put_capture_list_body(Bytes& out, const TelegramSpec& spec,
                           std::span<const std::uint8_t> time) {
  const bool with_id = !spec.meter_number.empty();
  std::size_t registers = 0;
  for_each_captured(spec, [&](Quantity, std::int64_t) { ++registers; });
  const std::size_t entries = 2 + (with_id ? 1 : 0) + registers;
  out.push_back(static_cast<std::uint8_t>(AxdrType::kStructure));
  put_length(out, entries);
  out.push_back(static_cast<std::uint8_t>(AxdrType::kArray));
  put_length(out, entries);
  put_capture_entry(out, 40, Obis::of(0, 0, 25, 9, 0));  // the push setup: its value is this list
  put_capture_entry(out, 8, Obis::of(0, 0, 1, 0, 0));
  if (with_id) put_capture_entry(out, 1, Obis::of(0, 0, 96, 1, 0));
  for_each_captured(spec,
                    [&](Quantity q, std::int64_t) { put_capture_entry(out, 3, info(q).obis); });
  put_octets(out, time);
  if (with_id) put_text(out, spec.meter_number);
  for_each_captured(spec, [&](Quantity q, std::int64_t raw) {
    put_value(out, q, raw, spec.power_factor_signed);
  });
}

}  // namespace

std::int8_t evn_scaler(Quantity quantity) {
  switch (quantity) {
    case Quantity::kVoltageL1:
    case Quantity::kVoltageL2:
    case Quantity::kVoltageL3:
      return -1;
    case Quantity::kCurrentL1:
    case Quantity::kCurrentL2:
    case Quantity::kCurrentL3:
      return -2;
    case Quantity::kPowerFactor:
      return -3;
    default:
      return 0;
  }
}

std::uint8_t evn_unit(Quantity quantity) {
  switch (quantity) {
    case Quantity::kEnergyImport:
    case Quantity::kEnergyExport:
    case Quantity::kEnergyImportT1:
    case Quantity::kEnergyImportT2:
    case Quantity::kEnergyExportT1:
    case Quantity::kEnergyExportT2:
      return kUnitWattHour;
    case Quantity::kPowerImport:
    case Quantity::kPowerExport:
      return kUnitWatt;
    case Quantity::kVoltageL1:
    case Quantity::kVoltageL2:
    case Quantity::kVoltageL3:
      return kUnitVolt;
    case Quantity::kCurrentL1:
    case Quantity::kCurrentL2:
    case Quantity::kCurrentL3:
      return kUnitAmpere;
    case Quantity::kReactiveEnergyImport:
    case Quantity::kReactiveEnergyExport:
      return kUnitVarHour;
    case Quantity::kReactivePowerImport:
    case Quantity::kReactivePowerExport:
      return kUnitVar;
    case Quantity::kPowerFactor:
      return kUnitNone;
  }
  return kUnitNone;
}

std::vector<std::uint8_t> encode_data_notification(const TelegramSpec& spec) {
  Bytes out;
  out.reserve(400);
  const auto time = datetime_bytes(spec.time);
  out.push_back(kDataNotification);
  put_u32(out, spec.invoke_id);
  out.push_back(12);
  out.insert(out.end(), time.begin(), time.end());

  if (spec.layout == Layout::kWienerNetze) {
    put_wiener_netze_body(out, spec, time);
    return out;
  }
  if (spec.layout == Layout::kKaerntenNetz) {
    put_kaernten_netz_body(out, spec, time);
    return out;
  }
  if (spec.layout == Layout::kCaptureList) {
    put_capture_list_body(out, spec, time);
    return out;
  }

  const auto& order = spec.layout == Layout::kEvn ? kEvnOrder : kKsmWestOrder;
  std::size_t registers = 0;
  for (const Quantity q : order)
    if (spec.raw[static_cast<std::size_t>(q)]) ++registers;

  out.push_back(static_cast<std::uint8_t>(AxdrType::kStructure));
  if (spec.layout == Layout::kEvn) {
    put_length(out, 1 + 3 * registers + 1);
    put_octets(out, time);
    for (const Quantity q : order) {
      if (const auto& raw = spec.raw[static_cast<std::size_t>(q)]) {
        put_register(out, q, *raw, spec.power_factor_signed);
      }
    }
    put_text(out, spec.meter_number);
    return out;
  }

  put_length(out, 3 + registers);
  auto open_group = [&](std::uint8_t elements) {
    out.push_back(static_cast<std::uint8_t>(AxdrType::kStructure));
    out.push_back(elements);
  };
  open_group(2);
  put_octets(out, Obis::of(0, 0, 1, 0, 0).bytes);
  put_octets(out, time);
  open_group(2);
  put_octets(out, Obis::of(0, 0, 96, 1, 0).bytes);
  put_text(out, spec.meter_number);
  open_group(2);
  put_octets(out, Obis::of(0, 0, 42, 0, 0).bytes);
  put_text(out, spec.logical_device_name);
  for (const Quantity q : order) {
    if (const auto& raw = spec.raw[static_cast<std::size_t>(q)]) {
      open_group(3);
      put_register(out, q, *raw, spec.power_factor_signed);
    }
  }
  return out;
}

std::vector<std::uint8_t> encode_general_glo_ciphering(std::span<const std::uint8_t> plaintext,
                                                       const CipherSpec& spec, GcmCipher& cipher) {
  const bool authenticated = (spec.security_control & kSecurityAuthentication) != 0;
  if (authenticated && !spec.keys.authentication) return {};
  Bytes payload(plaintext.begin(), plaintext.end());
  std::array<std::uint8_t, kGcmTagBytes> tag{};
  std::array<std::uint8_t, 1 + kAesKeyBytes> aad{};
  std::span<const std::uint8_t> aad_view;
  if (authenticated) {
    aad[0] = spec.security_control;
    std::copy(spec.keys.authentication->bytes.begin(), spec.keys.authentication->bytes.end(),
              aad.begin() + 1);
    aad_view = aad;
  }
  CipheredApdu header;
  header.system_title = spec.system_title;
  header.frame_counter = spec.frame_counter;
  const auto iv = header.iv();
  const std::span<std::uint8_t> tag_out =
      authenticated ? std::span<std::uint8_t>(tag) : std::span<std::uint8_t>{};
  if (cipher.encrypt(spec.keys.encryption, iv, aad_view, payload, tag_out) != CipherResult::kOk) {
    return {};
  }

  Bytes out;
  out.reserve(payload.size() + 32);
  out.push_back(kGeneralGloCiphering);
  out.push_back(kSystemTitleBytes);
  out.insert(out.end(), spec.system_title.begin(), spec.system_title.end());
  put_length(out, 1 + 4 + payload.size() + tag_out.size());
  out.push_back(spec.security_control);
  put_u32(out, spec.frame_counter);
  out.insert(out.end(), payload.begin(), payload.end());
  out.insert(out.end(), tag_out.begin(), tag_out.end());
  return out;
}

std::vector<std::uint8_t> encode_mbus_frames(std::span<const std::uint8_t> apdu,
                                             const FramingSpec& spec) {
  // A segment holds 1..250 APDU bytes (L <= 255); the CI field numbers at most 16 segments.
  constexpr std::size_t kMaxFragment = 255 - kMbusSegmentHeaderBytes;
  if (spec.max_fragment_bytes == 0 || spec.max_fragment_bytes > kMaxFragment) return {};
  const std::size_t first =
      spec.old_sagemcom_quirk ? 257 - kMbusSegmentHeaderBytes : spec.max_fragment_bytes;
  const std::size_t rest = apdu.size() > first ? apdu.size() - first : 0;
  if (1 + (rest + spec.max_fragment_bytes - 1) / spec.max_fragment_bytes > 16) return {};
  Bytes out;
  std::size_t offset = 0;
  std::uint8_t sequence = 0;
  do {
    std::size_t fragment = std::min(spec.max_fragment_bytes, apdu.size() - offset);
    if (sequence == 0 && spec.old_sagemcom_quirk) {
      fragment = std::min<std::size_t>(257 - kMbusSegmentHeaderBytes, apdu.size() - offset);
    }
    const bool last = offset + fragment == apdu.size();
    const std::size_t length = kMbusSegmentHeaderBytes + fragment;
    const auto ci =
        static_cast<std::uint8_t>((last ? kCiFinBit : 0) | (sequence & kCiSequenceMask));
    const std::size_t start = out.size();
    out.insert(out.end(),
               {kMbusStart, static_cast<std::uint8_t>(length), static_cast<std::uint8_t>(length),
                kMbusStart, spec.control, spec.address, ci, 0x01, 0x67});
    out.insert(out.end(), apdu.begin() + static_cast<std::ptrdiff_t>(offset),
               apdu.begin() + static_cast<std::ptrdiff_t>(offset + fragment));
    unsigned sum = 0;
    for (std::size_t i = start + kMbusHeaderBytes; i < out.size(); ++i) sum += out[i];
    out.push_back(static_cast<std::uint8_t>(sum));
    out.push_back(kMbusStop);
    offset += fragment;
    ++sequence;
  } while (offset < apdu.size());
  return out;
}

}  // namespace meter::core
