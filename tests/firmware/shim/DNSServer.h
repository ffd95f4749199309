// SPDX-License-Identifier: MIT
// Host shim of DNSServer.h (see shim.h).
#pragma once

#include <ESP8266WiFi.h>

class DNSServer {
 public:
  bool start(std::uint16_t port, const String& domain, const IPAddress& ip);
  void processNextRequest() {}
};
