// SPDX-License-Identifier: MIT
// The device status published on the status topic (default `status/smartmeter`), retained:
//
//   {"online":true,"version":"1.0.0","serial":"8E1","uptime_s":86400,"rssi_dbm":-61,
//    "free_heap":31544,"telegrams_sent":17280,"publish_failures":0,"dropped_offline":0,
//    "checksum_errors":1,"sequence_errors":0,"framing_errors":0,"resyncs":2,"skipped_bytes":150,
//    "wifi_reconnects":0,"mqtt_reconnects":1}
//
// The broker publishes the last will {"online":false} on the same topic when the device
// disappears. Every counter counts since boot.
//
// Freestanding (cross-compiled for the ESP8266): <stddef.h>, <stdint.h> only.
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace meter::firmware {

inline constexpr char kOfflineStatus[] = "{\"online\":false}";

struct DeviceStatus {
  const char* version = "";
  const char* serial_format = "";  // "8E1" or "8N1"
  uint64_t uptime_s = 0;
  int32_t rssi_dbm = 0;
  uint32_t free_heap = 0;
  uint32_t telegrams_sent = 0;    // complete, checksum-valid telegrams accepted by the broker
  uint32_t publish_failures = 0;  // telegrams the MQTT client failed to send
  uint32_t dropped_offline = 0;   // telegrams that arrived while MQTT was not connected
  uint32_t checksum_errors = 0;   // frames with a bad checksum or stop byte
  uint32_t sequence_errors = 0;   // telegrams with a missing or out-of-order segment
  uint32_t framing_errors = 0;    // bad header, not DLMS, or a telegram too large
  uint32_t resyncs = 0;           // times the reader lost the frame start and searched again
  uint32_t skipped_bytes = 0;     // bytes dropped while searching
  uint32_t wifi_reconnects = 0;   // WiFi came back after it was lost
  uint32_t mqtt_reconnects = 0;   // MQTT connected again after the first connection
};

// Writes the JSON text and a terminating NUL; returns its length, or 0 when `capacity` is too
// small (the buffer then holds no usable text).
size_t write_status_json(const DeviceStatus& status, char* out, size_t capacity);

// Seconds since boot from a wrapping millisecond clock: call update() at least once every
// 49 days (every loop() does) and the count keeps going past the millis() wrap.
class UptimeClock {
 public:
  void update(uint32_t now_ms) {
    elapsed_ms_ += static_cast<uint32_t>(now_ms - last_ms_);
    last_ms_ = now_ms;
  }
  uint64_t seconds() const { return elapsed_ms_ / 1000; }

 private:
  uint64_t elapsed_ms_ = 0;
  uint32_t last_ms_ = 0;
};

}  // namespace meter::firmware
