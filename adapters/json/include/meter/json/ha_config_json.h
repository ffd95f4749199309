// SPDX-License-Identifier: MIT
// The HaConfigFormat port as the json adapter writes it: one Home Assistant discovery config
// message per entity, keys in Home Assistant's documented names, absent fields left out.
#pragma once

#include <string>

#include "meter/app/ha_discovery.h"

namespace meter::json {

class HaConfigJson final : public app::HaConfigFormat {
 public:
  std::string config(const app::HaEntity& entity) const override;
};

}  // namespace meter::json
