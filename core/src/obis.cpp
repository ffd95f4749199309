// SPDX-License-Identifier: MIT
#include "meter/core/obis.h"

namespace meter::core {

std::string Obis::to_string() const {
  std::string text;
  text.reserve(24);
  const char separators[] = {'-', ':', '.', '.', '*'};
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    text += std::to_string(bytes[i]);
    if (i < 5) text += separators[i];
  }
  return text;
}

}  // namespace meter::core
