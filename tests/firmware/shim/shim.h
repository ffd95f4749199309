// SPDX-License-Identifier: MIT
// Test control of the Arduino/ESP8266 API shim: the clock, UART input, WiFi, broker, flash
// files and web requests the sketch sees, and a record of what it did. Just enough of the
// ESP8266 Arduino core and the MQTT library (256dpi/MQTT) for firmware_app.cpp to compile and
// run on the host; signatures follow the real headers.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <string>
#include <vector>

namespace shim {

struct Published {
  std::string topic;
  std::string payload;
  bool retained;
  int qos;
};

struct Response {
  int code = 0;
  std::string content_type;
  std::string body;
  std::map<std::string, std::string> headers;
};

struct State {
  std::uint32_t now_ms = 0;
  std::map<std::uint8_t, int> pin_levels;  // unset pins read HIGH (pull-up)
  std::uint32_t chip_id = 0x00A1B2C3;
  int restarts = 0;

  // UART: each entry is what one read returns.
  std::deque<std::vector<std::uint8_t>> uart_reads;
  bool serial_begun = false;
  unsigned long serial_baud = 0;
  int serial_config = 0;
  bool serial_swapped = false;
  std::size_t serial_rx_buffer = 0;
  int uart_read_calls = 0;

  // WiFi
  int wifi_mode = 0;
  bool wifi_persistent = true;
  bool wifi_link_up = true;  // station connects as soon as begin() was called
  bool wifi_begun = false;
  std::string wifi_ssid, wifi_password, hostname, soft_ap_ssid;
  int rssi = -61;

  // MQTT broker
  bool broker_up = true;
  bool publish_ok = true;
  std::string mqtt_host;
  int mqtt_port = 0;
  std::size_t mqtt_write_buffer = 0;
  std::vector<std::uint32_t> connect_times;
  std::string client_id, user, password;
  bool has_login = false;
  std::string will_topic, will_payload;
  bool will_retained = false;
  int will_qos = -1;
  std::vector<Published> published;

  // Flash
  bool fs_begun = false;
  std::map<std::string, std::string> files;

  // Web portal
  bool dns_started = false;
  bool web_begun = false;

  // OTA
  bool ota_begun = false;
  std::string ota_hostname, ota_password;
  int ota_handled = 0;
};

State& state();
void reset();

// Sends a request to the web server the sketch started; `args` are the form fields.
Response request(const std::string& method, const std::string& path,
                 const std::map<std::string, std::string>& args = {});

}  // namespace shim
