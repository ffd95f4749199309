// SPDX-License-Identifier: MIT
// The service's ValuesFormat port as the json adapter writes it: the values line of
// telegram_json.h, published on sensors/smartmeter/values.
#pragma once

#include <string>

#include "meter/app/ports.h"
#include "meter/json/telegram_json.h"

namespace meter::json {

class JsonValuesFormat final : public app::ValuesFormat {
 public:
  std::string line(const core::Telegram& telegram) const override {
    return telegram_to_json_line(telegram);
  }
};

}  // namespace meter::json
