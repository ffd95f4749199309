// SPDX-License-Identifier: MIT
// The grid operator the image is built for: METER_OPERATOR (a build flag, e.g.
// -DMETER_OPERATOR=\"wiener-netze\" in platformio.ini's build_src_flags; default "evn") picks
// the line settings and the UART receive buffer from core/operator_profile.h, the table the
// service's SMARTMETER_OPERATOR reads too. An unknown or unreadable operator fails the build.
// Freestanding.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "meter/core/operator_profile.h"

#ifndef METER_OPERATOR
#define METER_OPERATOR "evn"
#endif

namespace meter::firmware {

inline constexpr char kOperatorId[] = METER_OPERATOR;
static_assert(core::is_operator_id(kOperatorId, sizeof kOperatorId - 1),
              "METER_OPERATOR is not an operator of core/operator_profile.h");
inline constexpr const core::OperatorProfile& kOperator =
    *core::find_operator_profile(kOperatorId, sizeof kOperatorId - 1);
static_assert(core::operator_readable(kOperator),
              "METER_OPERATOR names an operator whose meters are not DLMS (docs/operators.md)");
static_assert(kOperator.line.parity == 'E' || kOperator.line.parity == 'N',
              "the firmware's serial format setting knows 8E1 and 8N1 only");

}  // namespace meter::firmware
