// SPDX-License-Identifier: MIT
// Host shim of the MQTT library 256dpi/MQTT (MQTTClient), see shim.h: the "broker" is
// shim::state().
#pragma once

// The names mirror the Arduino core's, whatever the project's own naming rules say.
// NOLINTBEGIN(readability-identifier-naming)

#include <Arduino.h>
#include <ESP8266WiFi.h>

class MQTTClient {
 public:
  MQTTClient(int read_buffer_size, int write_buffer_size);
  void begin(const char hostname[], int port, WiFiClient& client);
  void setWill(const char topic[], const char payload[], bool retained, int qos);
  void setKeepAlive(int keep_alive_s) { keep_alive_s_ = keep_alive_s; }
  void setTimeout(int timeout_ms) { timeout_ms_ = timeout_ms; }
  bool connect(const char client_id[], const char username[], const char password[]);
  bool publish(const char topic[], const char payload[], int length, bool retained, int qos);
  bool loop();
  bool connected();

 private:
  int write_buffer_size_;
  int keep_alive_s_ = 10;
  int timeout_ms_ = 1000;
  bool connected_ = false;
};

// NOLINTEND(readability-identifier-naming)
