// SPDX-License-Identifier: MIT
#include "firmware_app.h"

#include <LittleFS.h>

#include "portal_page.h"
#include "text_writer.h"

// tools/firmware-config.py server.env > config_generated.h (git-ignored) compiles settings in;
// the portal's /config.env still overrides them.
#if !defined(METER_FIRMWARE_IGNORE_GENERATED_CONFIG) && __has_include("config_generated.h")
#include "config_generated.h"
#define METER_FIRMWARE_HAS_GENERATED_CONFIG 1
#endif

namespace meter::firmware {
namespace {

constexpr size_t kConfigFileCapacity = 2048;
constexpr uint16_t kDnsPort = 53;
constexpr int kMqttKeepAliveS = 30;
constexpr int kMqttTimeoutMs = 2000;  // connect and PUBACK; the UART buffer covers much more
constexpr size_t kMqttReadBufferBytes = 256;  // nothing is subscribed; acks and pings only

}  // namespace

FirmwareApp::FirmwareApp()
    : mqtt_(kMqttReadBufferBytes, kMqttBufferBytes),
      web_(80),
      mqtt_backoff_(kMqttBackoffInitialMs, kMqttBackoffMaxMs) {
  set_defaults(&config_);
}

void FirmwareApp::setup() {
  TextWriter name(device_name_, sizeof device_name_);
  name.append("smartmeter-");
  name.append_uint(ESP.getChipId());

  pinMode(kPortalPin, INPUT_PULLUP);
  const bool requested = digitalRead(kPortalPin) == LOW;
  load_config();
  if (config_.client_id[0] != '\0') client_id_ = config_.client_id;
  if (requested || find_config_problem(config_) != nullptr) {
    start_portal(requested);
  } else {
    start_run();
  }
}

void FirmwareApp::load_config() {
  set_defaults(&config_);
#if defined(METER_FIRMWARE_HAS_GENERATED_CONFIG)
  parse_config(kGeneratedConfig, sizeof kGeneratedConfig - 1, &config_);
#endif
  if (!LittleFS.begin() || !LittleFS.exists(kConfigPath)) return;
  File file = LittleFS.open(kConfigPath, "r");
  if (!file) return;
  static char text[kConfigFileCapacity];
  const size_t length = file.read(reinterpret_cast<uint8_t*>(text), sizeof text);
  file.close();
  // A damaged file leaves the settings it could read; find_config_problem() then decides.
  parse_config(text, length, &config_);
}

// ---- portal --------------------------------------------------------------------------------

void FirmwareApp::start_portal(bool requested) {
  mode_ = Mode::kPortal;
  portal_requested_ = requested;
  portal_started_ms_ = millis();
  page_.reset(new char[kPortalPageCapacity]);
  WiFi.persistent(false);
  WiFi.mode(WIFI_AP);
  WiFi.softAP(device_name_);
  // Every name resolves to the device, so phones show the form as a captive portal.
  dns_.start(kDnsPort, "*", WiFi.softAPIP());
  web_.on("/", HTTP_GET, [this] { handle_portal_form(); });
  web_.on("/save", HTTP_POST, [this] { handle_portal_save(); });
  web_.onNotFound([this] {
    web_.sendHeader("Location", String("http://") + WiFi.softAPIP().toString() + "/", true);
    web_.send(302, "text/plain", "");
  });
  web_.begin();
}

void FirmwareApp::send_page(int code, const char* message) {
  const size_t length = render_portal_page(config_, message, page_.get(), kPortalPageCapacity);
  web_.send(code, "text/html", page_.get(), length);
}

void FirmwareApp::handle_portal_form() { send_page(200, ""); }

void FirmwareApp::handle_portal_save() {
  char message[160];
  TextWriter text(message, sizeof message);
  DeviceConfig edited = config_;
  for (size_t i = 0; i < config_field_count(); ++i) {
    const ConfigField& field = config_field(i);
    if (!web_.hasArg(field.key)) continue;
    const String value = web_.arg(field.key);
    const ConfigError error = apply_portal_field(&edited, field, value.c_str(), value.length());
    if (error != ConfigError::kNone) {
      text.append(field.key);
      text.append(": ");
      text.append(to_string(error));
      send_page(400, message);
      return;
    }
  }
  if (const char* problem = find_config_problem(edited)) {
    text.append(problem);
    text.append(": missing or invalid");
    config_ = edited;
    send_page(400, message);
    return;
  }
  static char file_text[kConfigFileCapacity];
  const size_t length = write_config(edited, file_text, sizeof file_text);
  File file = LittleFS.open(kConfigPath, "w");
  const bool saved = length > 0 && file &&
                     file.write(reinterpret_cast<const uint8_t*>(file_text), length) == length;
  if (file) file.close();
  config_ = edited;
  if (!saved) {
    send_page(500, "Could not write the settings to flash.");
    return;
  }
  text.append("Saved. The reader restarts and connects to \"");
  text.append(config_.wifi_ssid);
  text.append("\". This access point goes away.");
  send_page(200, message);
  restart_pending_ = true;
  restart_at_ms_ = millis() + kRestartDelayMs;
}

// ---- run -----------------------------------------------------------------------------------

void FirmwareApp::start_run() {
  mode_ = Mode::kRun;
  Serial.setRxBufferSize(kUartRxBufferBytes);
  Serial.begin(kMeterBaud, config_.serial_format == SerialFormat::k8N1 ? SERIAL_8N1 : SERIAL_8E1);
  if (config_.uart_swap) Serial.swap();  // RX on GPIO13 (D7), TX on GPIO15 (D8)

  WiFi.persistent(false);  // settings live in /config.env, not in the SDK's flash sector
  WiFi.mode(WIFI_STA);
  WiFi.hostname(client_id_);
  WiFi.setAutoReconnect(true);
  WiFi.begin(config_.wifi_ssid, config_.wifi_password);

  net_.setTimeout(kMqttTimeoutMs);
  mqtt_.begin(config_.mqtt_host, config_.mqtt_port, net_);
  mqtt_.setKeepAlive(kMqttKeepAliveS);
  mqtt_.setTimeout(kMqttTimeoutMs);
  mqtt_.setWill(config_.status_topic, kOfflineStatus, true, 1);
}

void FirmwareApp::loop() {
  const uint32_t now = millis();
  uptime_.update(now);
  if (mode_ == Mode::kPortal) {
    dns_.processNextRequest();
    web_.handleClient();
    if (restart_pending_ && static_cast<int32_t>(now - restart_at_ms_) >= 0) ESP.restart();
    if (portal_requested_ && !restart_pending_ &&
        now - portal_started_ms_ >= kRequestedPortalTimeoutMs) {
      ESP.restart();  // nobody saved: back to the stored settings
    }
    return;
  }
  pump_uart();
  keep_wifi();
  keep_mqtt(now);
  if (ota_started_) ArduinoOTA.handle();
}

void FirmwareApp::pump_uart() {
  const int available = Serial.available();
  if (available <= 0) return;
  uint8_t buffer[kUartReadBytes];
  const size_t want = static_cast<size_t>(available) < sizeof buffer
                          ? static_cast<size_t>(available)
                          : sizeof buffer;
  const size_t got = Serial.readBytes(buffer, want);
  forwarder_.feed(buffer, got, *this);
}

void FirmwareApp::keep_wifi() {
  const bool connected = WiFi.status() == WL_CONNECTED;
  if (connected && !wifi_connected_) {
    ++wifi_connects_;
    if (!ota_started_ && config_.ota_password[0] != '\0') {
      ArduinoOTA.setHostname(client_id_);
      ArduinoOTA.setPassword(config_.ota_password);
      ArduinoOTA.begin();
      ota_started_ = true;
    }
  }
  wifi_connected_ = connected;
}

void FirmwareApp::keep_mqtt(uint32_t now_ms) {
  if (!wifi_connected_) return;
  if (mqtt_.connected()) {
    mqtt_.loop();
    if (now_ms - last_status_ms_ >= config_.status_interval_s * 1000) publish_status();
    return;
  }
  if (!mqtt_backoff_.due(now_ms)) return;
  const char* user = config_.mqtt_user[0] != '\0' ? config_.mqtt_user : nullptr;
  const char* password = user != nullptr ? config_.mqtt_password : nullptr;
  if (!mqtt_.connect(client_id_, user, password)) {
    mqtt_backoff_.failed(now_ms);
    return;
  }
  mqtt_backoff_.succeeded();
  ++mqtt_connects_;
  publish_status();
}

void FirmwareApp::publish_telegram(const char* hex, size_t length) {
  if (!mqtt_.connected()) {
    ++dropped_offline_;
    return;
  }
  // QoS 1: the broker keeps it for a persistent subscriber such as `smartmeter run`.
  if (mqtt_.publish(config_.raw_topic, hex, static_cast<int>(length), false, 1)) {
    ++telegrams_sent_;
  } else {
    ++publish_failures_;
  }
}

void FirmwareApp::publish_status() {
  last_status_ms_ = millis();
  char json[512];
  const size_t length = write_status_json(status(), json, sizeof json);
  if (length > 0) mqtt_.publish(config_.status_topic, json, static_cast<int>(length), true, 1);
}

DeviceStatus FirmwareApp::status() const {
  const core::FrameAssembler::Stats& framing = forwarder_.framing();
  DeviceStatus status;
  status.version = kFirmwareVersion;
  status.serial_format = config_.serial_format == SerialFormat::k8N1 ? "8N1" : "8E1";
  status.uptime_s = uptime_.seconds();
  status.rssi_dbm = wifi_connected_ ? WiFi.RSSI() : 0;
  status.free_heap = ESP.getFreeHeap();
  status.telegrams_sent = telegrams_sent_;
  status.publish_failures = publish_failures_;
  status.dropped_offline = dropped_offline_;
  status.checksum_errors = framing.checksum_errors;
  status.sequence_errors = framing.sequence_errors;
  status.framing_errors = framing.other_errors;
  status.resyncs = forwarder_.counters().resyncs;
  status.skipped_bytes = framing.skipped_bytes;
  status.wifi_reconnects = wifi_connects_ > 0 ? wifi_connects_ - 1 : 0;
  status.mqtt_reconnects = mqtt_connects_ > 0 ? mqtt_connects_ - 1 : 0;
  return status;
}

}  // namespace meter::firmware
