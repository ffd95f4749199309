// SPDX-License-Identifier: MIT
// A decoded telegram as the JSON the original system published on sensors/smartmeter/values:
//   {"WIn":{"value":12937,"unit":"Wh"}, ..., "PF":{"value":1.0,"unit":"1"},
//    "timestamp":{"value":1632728835,"unit":"s"}, then the keys it lacked}
// Registers the meter did not send are left out, never written as 0.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "meter/core/telegram.h"

namespace meter::json {

nlohmann::ordered_json telegram_to_json(const core::Telegram& telegram);

// One line, no spaces: the MQTT payload and `smartmeter decode` output.
std::string telegram_to_json_line(const core::Telegram& telegram);

// A few aligned lines for people (`smartmeter decode --format text`).
std::string telegram_to_text(const core::Telegram& telegram);

std::string system_title_hex(const core::SystemTitle& system_title);

}  // namespace meter::json
