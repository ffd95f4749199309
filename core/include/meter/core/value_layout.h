// SPDX-License-Identifier: MIT
// The value layer: the A-XDR items of a data-notification body -> a Telegram's quantities.
//
// Layouts the bytes tell apart: the OBIS list (EVN flat), the nested list (KSM West), the capture
// objects' OBIS codes followed by the values. Layouts the bytes cannot tell (bare values in an
// order fixed per operator and meter type) come from a provider table, chosen by the operator
// profile (SMARTMETER_OPERATOR) or, where one table fits the shape unambiguously, by the shape.
#pragma once

#include <optional>
#include <span>
#include <string_view>

#include "meter/core/axdr.h"
#include "meter/core/result.h"
#include "meter/core/telegram.h"

namespace meter::core {

// Provider tables; kAuto lets the shape of the body choose (an OBIS-led body never needs one).
// kAuto takes the Wiener Netze table for a structure of a date-time and exactly eight uint32
// (after a meter id or not): no other meter known to send bare values has that shape. It takes
// the Kärnten Netz table only for its full shape: 12 elements led by the push object's logical
// name 0-6:25.9.0.255, a meter number of digits, a valid time and date, six uint32 and two
// strings (read as OBIS-led, that body would give no values at all).
enum class ProviderLayout : std::uint8_t {
  kAuto,
  kWienerNetze,     // date-time + 8 bare uint32 (+A, -A, +R, -R, +P, -P, +Q, -Q); Siemens with id
  kNetzBurgenland,  // structure(14): 6 uint16, +P -P +A -A (uint32), 3 uint16, meter number
                    // (L+G E450); the uint16 are not mapped (no source gives them). Only by
                    // name: kAuto leaves such a body kUnknownLayout
  kKaerntenNetz,    // 0-6:25.9.0.255, meter number, time, date, 6 bare uint32 (+A -A +R -R +P
                    // -P), two strings (Iskraemeco AM550 on the P1 port)
};

// "auto", "wiener-netze", "netz-burgenland", "kaernten-netz"; nullopt for an unknown name.
const char* provider_layout_name(ProviderLayout layout);
std::optional<ProviderLayout> provider_layout_from_name(std::string_view name);

// Maps the items onto `out` (values, meter number, device name, meter time, layout fields).
Status map_values(std::span<const AxdrItem> items, Telegram& out,
                  ProviderLayout hint = ProviderLayout::kAuto);

// The OBIS-led part alone (flat and nested); exposed for tests.
Status map_registers(std::span<const AxdrItem> items, Telegram& out);

// One numeric register by OBIS code: into its quantity, or into the extras; false when the
// extras are full. Shared by the A-XDR layouts and the text telegram.
bool store_register(const Obis& obis, const Measurement& measurement, Telegram& out);

}  // namespace meter::core
