// SPDX-License-Identifier: MIT
// Host shim of ArduinoOTA.h (see shim.h).
#pragma once

// The names mirror the Arduino core's, whatever the project's own naming rules say.
// NOLINTBEGIN(readability-identifier-naming)

#include <Arduino.h>

class ArduinoOTAClass {
 public:
  void setHostname(const char* hostname);
  void setPassword(const char* password);
  void begin();
  void handle();
};

extern ArduinoOTAClass ArduinoOTA;

// NOLINTEND(readability-identifier-naming)
