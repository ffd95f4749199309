// SPDX-License-Identifier: MIT
// The sketch's Arduino glue: UART -> TelegramForwarder -> MQTT, WiFi, the first-boot portal,
// the status topic and OTA. Everything that decides something (framing, hex, status JSON,
// backoff, config parsing, the portal page) is in the freestanding files next to this one and is
// host-tested; this file only calls the ESP8266 Arduino APIs (host-compiled against
// tests/firmware/shim).
//
// Modes, chosen in setup():
//   portal  no valid /config.env (first boot), or D5 held to GND at reset: access point
//           "smartmeter-XXXXXX" with the setup form at http://192.168.4.1/; saving restarts.
//   run     meter UART at the build's operator's rate (meter_operator.h; EVN: 2400 Bd 8E1, or
//           8N1) on RX (or D7); every complete, checksum-valid telegram goes to the raw topic
//           as uppercase hex (QoS 1); the status JSON goes to the status topic (retained) at
//           connect and every status interval; last will {"online":false}; MQTT reconnects
//           with exponential backoff (1 s doubling to 60 s).
#pragma once

#include <Arduino.h>
#include <ArduinoOTA.h>
#include <DNSServer.h>
#include <ESP8266WebServer.h>
#include <ESP8266WiFi.h>
#include <MQTT.h>

#include <memory>

#include "backoff.h"
#include "device_config.h"
#include "meter_operator.h"
#include "status_json.h"
#include "telegram_forwarder.h"

namespace meter::firmware {

inline constexpr char kFirmwareVersion[] = "1.0.0";
inline constexpr char kConfigPath[] = "/config.env";
inline constexpr uint8_t kPortalPin = D5;  // to GND at reset: open the portal
// From the METER_OPERATOR profile (meter_operator.h): 2400 Bd and 2048 bytes (8.5 s of meter
// data while MQTT blocks) for the M-Bus operators, 9600 Bd optical, 115200 Bd P1.
inline constexpr uint32_t kMeterBaud = kOperator.line.baud;
inline constexpr size_t kUartRxBufferBytes = kOperator.receive_buffer;
inline constexpr size_t kUartReadBytes = 256;  // bytes taken per loop()
inline constexpr uint32_t kMqttBackoffInitialMs = 1000;
inline constexpr uint32_t kMqttBackoffMaxMs = 60000;
inline constexpr uint32_t kRequestedPortalTimeoutMs = 10 * 60 * 1000;
inline constexpr uint32_t kRestartDelayMs = 1500;  // lets the "saved" page reach the browser
// MQTT packet: fixed header (5) + topic length (2) + topic + packet id (2) + payload.
inline constexpr size_t kMqttBufferBytes =
    5 + 2 + sizeof(DeviceConfig::raw_topic) + 2 + TelegramForwarder::kMaxHexChars;

class FirmwareApp : private TelegramSink {
 public:
  FirmwareApp();
  void setup();
  void loop();

  bool in_portal() const { return mode_ == Mode::kPortal; }
  DeviceStatus status() const;

 private:
  enum class Mode : uint8_t { kPortal, kRun };

  void publish_telegram(const char* hex, size_t length) override;

  void load_config();
  void start_portal(bool requested);
  void handle_portal_form();
  void handle_portal_save();
  void start_run();
  void pump_uart();
  void keep_wifi();
  void send_page(int code, const char* message);
  void keep_mqtt(uint32_t now_ms);
  void publish_status();

  Mode mode_ = Mode::kRun;
  DeviceConfig config_;
  char device_name_[24] = {};  // "smartmeter-" + chip id: AP name, default client id, host name
  const char* client_id_ = device_name_;

  TelegramForwarder forwarder_;
  WiFiClient net_;
  MQTTClient mqtt_;
  ESP8266WebServer web_;
  DNSServer dns_;
  Backoff mqtt_backoff_;
  UptimeClock uptime_;

  std::unique_ptr<char[]> page_;  // kPortalPageCapacity bytes, allocated only in portal mode
  bool portal_requested_ = false;
  uint32_t portal_started_ms_ = 0;
  uint32_t restart_at_ms_ = 0;
  bool restart_pending_ = false;

  bool wifi_connected_ = false;
  bool ota_started_ = false;
  uint32_t last_status_ms_ = 0;
  uint32_t wifi_connects_ = 0;
  uint32_t mqtt_connects_ = 0;
  uint32_t telegrams_sent_ = 0;
  uint32_t publish_failures_ = 0;
  uint32_t dropped_offline_ = 0;
};

}  // namespace meter::firmware
