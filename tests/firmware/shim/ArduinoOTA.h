// SPDX-License-Identifier: MIT
// Host shim of ArduinoOTA.h (see shim.h).
#pragma once

#include <Arduino.h>

class ArduinoOTAClass {
 public:
  void setHostname(const char* hostname);
  void setPassword(const char* password);
  void begin();
  void handle();
};

extern ArduinoOTAClass ArduinoOTA;
