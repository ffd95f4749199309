// SPDX-License-Identifier: MIT
// Austrian grid operators' customer interfaces: what SMARTMETER_OPERATOR (the service) and the
// firmware's METER_OPERATOR (build time) choose. One table for both: the provider layout where
// the bytes cannot tell it, the plug and line settings, which keys the operator sends and where
// to ask for them, and the firmware's receive buffer. Freestanding (firmware): <stdint.h> and
// <stddef.h> only, everything constexpr.
//
// Sources (facts only): Netz NÖ brochure "Kundenschnittstelle" pp. 3-5 (RJ12, M-Bus, 2400 Bd,
// encryption key only); PROTOCOL.md §3 (per-operator table and its sources:
// fneur/smart-meter-tirol, tirolerstefan/kaifa, pocki80 gist, rddl-network/EnergyAgent,
// amsreader-firmware #501/#718/#787, scs/smartmeter-datacollector #34, Tasmota discussion #21359,
// tasmota/docs PR #1478); arendst/Tasmota #8790 (Netz Burgenland E450: HDLC 7E A0 ..,
// authentication key needed); ArnieO/SmartMeterDocumentation PR #2 (Kärnten IM350/AM550 on P1
// RJ12); LANDSCAPE-2026.md §1 (Alexander423/ha-smartmeter-at suppliers linz-netz.yaml,
// netz-ooe.yaml; mgerhard74/amis_smartmeter_reader: Linz Netz ANSI C12.19 / wireless M-Bus, Netz OÖ
// OMS+CBC).
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace meter::core {

enum class Plug : uint8_t {
  kMbusRj12,     // wired M-Bus customer interface (EN 13757-2), RJ12 6P6C pins 3/4
  kOpticalHead,  // optical (IR) interface, IEC 62056-21 reading head
  kP1Rj12,       // P1 port (RJ12, 5 V data request line, inverted TTL)
  kNone,         // not readable by this reader
};

enum class KeysSent : uint8_t {
  kEncryptionOnly,               // security byte 0x20/0x21: no tag, one key
  kEncryptionAndAuthentication,  // 0x30: GCM tag, encryption and authentication key
  kNotDlms,
};

struct LineSettings {
  uint32_t baud;
  uint8_t data_bits;
  char parity;  // 'N', 'E', 'O'
  uint8_t stop_bits;
};

struct OperatorProfile {
  const char* id;      // the SMARTMETER_OPERATOR value
  const char* name;    // as users know it
  const char* meters;  // meter types known to be installed
  Plug plug;
  LineSettings line;
  bool line_confirmed;  // false: from similar meters, not from a public source for it
  const char* framing;  // "mbus", "hdlc", "p1 text", "" (not DLMS)
  KeysSent keys;
  const char* layout;        // a ProviderLayout name (provider_layout_from_name), "auto" by shape
  const char* key_from;      // where to ask for the key(s)
  uint16_t receive_buffer;   // firmware UART receive buffer: a few telegrams at this baud rate
  bool tested;               // a published telegram with its key decodes (tests/corpus)
  const char* not_readable;  // non-empty: why this reader cannot read it and what to do instead
};

namespace operator_detail {

// 2048 bytes at 2400 Bd hold 8.5 s while MQTT blocks (the firmware's original budget); HDLC
// telegrams at 9600 are ~110 bytes a second; P1 at 115200 sends ~700 bytes each second, so its
// buffer must hold one telegram and the bytes of a publish stall.
inline constexpr uint16_t kMbusBuffer = 2048;
inline constexpr uint16_t kOpticalBuffer = 1024;
inline constexpr uint16_t kP1Buffer = 4096;

inline constexpr LineSettings kMbus2400{2400, 8, 'E', 1};
inline constexpr LineSettings kOptical9600{9600, 8, 'N', 1};
inline constexpr LineSettings kP1Line{115200, 8, 'N', 1};

inline constexpr char kKsmWestMeters[] = "Kaifa MA309M(H), MA110M, Honeywell HS3300/HS3400";

}  // namespace operator_detail

inline constexpr OperatorProfile kOperatorProfiles[] = {
    {"evn", "Netz NÖ (EVN)", "Sagemcom T210-D, Kaifa MA309M, Landis+Gyr S210, Kaifa M110",
     Plug::kMbusRj12, operator_detail::kMbus2400, true, "mbus", KeysSent::kEncryptionOnly, "auto",
     "Netz NÖ Smart Meter Webportal (smartmeter.netz-noe.at), or the letter Netz NÖ sends on "
     "request",
     operator_detail::kMbusBuffer, true, ""},
    {"wiener-netze", "Wiener Netze", "Iskraemeco AM550, Landis+Gyr E450, Siemens IM350/IM351/IM150",
     Plug::kOpticalHead, operator_detail::kOptical9600, true, "hdlc", KeysSent::kEncryptionOnly,
     "wiener-netze", "Wiener Netze Smart Meter Webportal (smartmeter-web.wienernetze.at)",
     operator_detail::kOpticalBuffer, true, ""},
    {"kaernten-netz", "Kärnten Netz (KNG-Kärnten Netz)", "Siemens IM350/IM150, Iskraemeco AM550E/T",
     Plug::kP1Rj12, operator_detail::kP1Line, false, "hdlc", KeysSent::kEncryptionOnly,
     "kaernten-netz",
     "Kärnten Netz customer service or its smart meter portal (ask for the customer interface "
     "to be enabled)",
     operator_detail::kP1Buffer, true, ""},
    // Its table reads +P, -P, +A, -A and the meter number; the nine uint16 have no public meaning.
    {"netz-burgenland", "Netz Burgenland", "Landis+Gyr E450, E360", Plug::kOpticalHead,
     operator_detail::kOptical9600, false, "hdlc", KeysSent::kEncryptionAndAuthentication,
     "netz-burgenland",
     "Netz Burgenland customer service: it sends a text file with both keys (amsreader #501)",
     operator_detail::kOpticalBuffer, true, ""},
    {"energienetze-steiermark", "Energienetze Steiermark", "Sagemcom T210-D-r", Plug::kP1Rj12,
     operator_detail::kP1Line, true, "p1 text", KeysSent::kEncryptionAndAuthentication, "auto",
     "Energienetze Steiermark customer portal (both keys, GUEK and GAK)",
     operator_detail::kP1Buffer, true, ""},
    {"stromnetz-graz", "Stromnetz Graz", "Landis+Gyr E450, Sagemcom T210-D-r", Plug::kP1Rj12,
     operator_detail::kP1Line, false, "hdlc", KeysSent::kEncryptionAndAuthentication, "auto",
     "Stromnetz Graz customer portal (GUEK and GAK)", operator_detail::kP1Buffer, false, ""},
    {"tinetz", "TINETZ (Tirol)", operator_detail::kKsmWestMeters, Plug::kMbusRj12,
     operator_detail::kMbus2400, true, "mbus", KeysSent::kEncryptionOnly, "auto",
     "TINETZ Kundenportal (smart meter section)", operator_detail::kMbusBuffer, true, ""},
    {"salzburg-netz", "Salzburg Netz", operator_detail::kKsmWestMeters, Plug::kMbusRj12,
     operator_detail::kMbus2400, true, "mbus", KeysSent::kEncryptionOnly, "auto",
     "Salzburg Netz Kundenportal", operator_detail::kMbusBuffer, false, ""},
    {"vkw", "Vorarlberger Energienetze (VKW)", operator_detail::kKsmWestMeters, Plug::kMbusRj12,
     operator_detail::kMbus2400, true, "mbus", KeysSent::kEncryptionOnly, "auto",
     "Vorarlberger Energienetze Kundenportal", operator_detail::kMbusBuffer, false, ""},
    {"ikb", "Innsbrucker Kommunalbetriebe (IKB)", operator_detail::kKsmWestMeters, Plug::kMbusRj12,
     operator_detail::kMbus2400, true, "mbus", KeysSent::kEncryptionOnly, "auto",
     "IKB Kundenportal", operator_detail::kMbusBuffer, true, ""},
    {"klagenfurt", "Stadtwerke Klagenfurt (STW)", "Landis+Gyr E450", Plug::kMbusRj12,
     operator_detail::kMbus2400, false, "mbus", KeysSent::kEncryptionOnly, "auto",
     "Stadtwerke Klagenfurt customer service", operator_detail::kMbusBuffer, false, ""},
    {"wels", "eww Wels Strom", "Siemens IM350", Plug::kOpticalHead, operator_detail::kOptical9600,
     false, "hdlc", KeysSent::kEncryptionOnly, "wiener-netze", "eww customer service or portal",
     operator_detail::kOpticalBuffer, false, ""},
    {"linz-netz",
     "Linz Netz",
     "NES MTR1000/MTR3000",
     Plug::kNone,
     {9600, 8, 'N', 1},
     true,
     "",
     KeysSent::kNotDlms,
     "auto",
     "Linz Netz customer service",
     0,
     false,
     "Linz Netz meters are not DLMS: generation 3.1/3.2 speak ANSI C12.19 on the MEP port, "
     "generation 4 sends wireless M-Bus. This reader cannot decode either. Take the "
     "quarter-hour values from Linz Netz's customer portal, or use a reader for ANSI C12.19 "
     "(MEP) or wireless M-Bus (see docs/operators.md)."},
    {"netz-ooe",
     "Netz Oberösterreich (Energie AG)",
     "Siemens TD-3511/TD-3512 (AMIS)",
     Plug::kNone,
     {9600, 8, 'N', 1},
     true,
     "",
     KeysSent::kNotDlms,
     "auto",
     "Netz OÖ customer service (the AMIS key)",
     0,
     false,
     "Netz OÖ's AMIS meters send OMS telegrams over M-Bus on the optical interface, encrypted "
     "with AES-128-CBC: not DLMS, so this reader cannot decode them. Use an AMIS reader (e.g. "
     "mgerhard74/amis_smartmeter_reader) with the key from Netz OÖ, or the Netz OÖ portal "
     "(see docs/operators.md)."},
};

inline constexpr size_t kOperatorProfileCount =
    sizeof(kOperatorProfiles) / sizeof(kOperatorProfiles[0]);

constexpr bool operator_id_equals(const char* a, const char* b, size_t b_size) {
  size_t i = 0;
  for (; i < b_size; ++i) {
    if (a[i] == '\0' || a[i] != b[i]) return false;
  }
  return a[i] == '\0';
}

// The profile of an id ("evn", "wiener-netze", ...); nullptr for an unknown one.
constexpr const OperatorProfile* find_operator_profile(const char* id, size_t size) {
  for (const OperatorProfile& profile : kOperatorProfiles) {
    if (operator_id_equals(profile.id, id, size)) return &profile;
  }
  return nullptr;
}

constexpr bool is_operator_id(const char* id, size_t size) {
  return find_operator_profile(id, size) != nullptr;
}

constexpr bool operator_readable(const OperatorProfile& profile) {
  return profile.not_readable[0] == '\0';
}

constexpr const char* plug_name(Plug plug) {
  switch (plug) {
    case Plug::kMbusRj12:
      return "M-Bus customer interface (RJ12)";
    case Plug::kOpticalHead:
      return "optical interface (IEC 62056-21 reading head)";
    case Plug::kP1Rj12:
      return "P1 port (RJ12)";
    case Plug::kNone:
      return "none";
  }
  return "none";
}

constexpr const char* keys_sent_name(KeysSent keys) {
  switch (keys) {
    case KeysSent::kEncryptionOnly:
      return "encryption key only";
    case KeysSent::kEncryptionAndAuthentication:
      return "encryption key and authentication key";
    case KeysSent::kNotDlms:
      return "not DLMS";
  }
  return "not DLMS";
}

}  // namespace meter::core
