// SPDX-License-Identifier: MIT
// Host shim of DNSServer.h (see shim.h).
#pragma once

// The names mirror the Arduino core's, whatever the project's own naming rules say.
// NOLINTBEGIN(readability-identifier-naming)

#include <ESP8266WiFi.h>

class DNSServer {
 public:
  bool start(std::uint16_t port, const String& domain, const IPAddress& ip);
  void processNextRequest() {}
};

// NOLINTEND(readability-identifier-naming)
