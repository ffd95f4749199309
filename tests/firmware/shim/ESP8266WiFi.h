// SPDX-License-Identifier: MIT
// Host shim of ESP8266WiFi.h (see shim.h).
#pragma once

// The names mirror the Arduino core's, whatever the project's own naming rules say.
// NOLINTBEGIN(readability-identifier-naming)

#include <Arduino.h>

enum WiFiMode_t { WIFI_OFF = 0, WIFI_STA = 1, WIFI_AP = 2, WIFI_AP_STA = 3 };
enum wl_status_t {
  WL_IDLE_STATUS = 0,
  WL_NO_SSID_AVAIL = 1,
  WL_CONNECTED = 3,
  WL_DISCONNECTED = 6
};

class IPAddress {
 public:
  IPAddress(std::uint8_t a, std::uint8_t b, std::uint8_t c, std::uint8_t d) : octets_{a, b, c, d} {}
  String toString() const;

 private:
  std::uint8_t octets_[4];
};

class ESP8266WiFiClass {
 public:
  bool mode(WiFiMode_t mode);
  void persistent(bool persistent);
  bool setAutoReconnect(bool reconnect);
  bool hostname(const char* name);
  wl_status_t begin(const char* ssid, const char* password);
  wl_status_t status();
  std::int32_t RSSI();
  bool softAP(const char* ssid);
  IPAddress softAPIP();
};

extern ESP8266WiFiClass WiFi;

class WiFiClient : public Stream {};

// NOLINTEND(readability-identifier-naming)
