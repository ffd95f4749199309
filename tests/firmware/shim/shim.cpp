// SPDX-License-Identifier: MIT
#include "shim.h"

#include <Arduino.h>
#include <ArduinoOTA.h>
#include <DNSServer.h>
#include <ESP8266WebServer.h>
#include <ESP8266WiFi.h>
#include <LittleFS.h>
#include <MQTT.h>

#include <algorithm>

HardwareSerial Serial;
EspClass ESP;
ESP8266WiFiClass WiFi;
LittleFSClass LittleFS;
ArduinoOTAClass ArduinoOTA;

namespace shim {
namespace {

State& mutable_state() {
  static State instance;
  return instance;
}

ESP8266WebServer* active_server = nullptr;

}  // namespace

State& state() { return mutable_state(); }

void reset() { mutable_state() = State{}; }

Response request(const std::string& method, const std::string& path,
                 const std::map<std::string, std::string>& args) {
  Response response;
  if (active_server == nullptr) return response;
  active_server->args.clear();
  for (const auto& [name, value] : args) active_server->args[String(name)] = String(value);
  active_server->response_headers.clear();
  active_server->response_code = 0;
  active_server->dispatch(method == "POST" ? HTTP_POST : HTTP_GET, path);
  response.code = active_server->response_code;
  response.content_type = active_server->response_type;
  response.body = active_server->response_body;
  response.headers = active_server->response_headers;
  return response;
}

}  // namespace shim

// ---- Arduino.h ---------------------------------------------------------------------------------

std::uint32_t millis() { return shim::state().now_ms; }
void delay(unsigned long ms) { shim::state().now_ms += static_cast<std::uint32_t>(ms); }
void yield() {}
void pinMode(std::uint8_t, std::uint8_t) {}
int digitalRead(std::uint8_t pin) {
  const auto& levels = shim::state().pin_levels;
  const auto found = levels.find(pin);
  return found == levels.end() ? HIGH : found->second;
}

void HardwareSerial::begin(unsigned long baud, SerialConfig config) {
  shim::state().serial_begun = true;
  shim::state().serial_baud = baud;
  shim::state().serial_config = config;
}
void HardwareSerial::setRxBufferSize(std::size_t size) { shim::state().serial_rx_buffer = size; }
void HardwareSerial::swap() { shim::state().serial_swapped = !shim::state().serial_swapped; }
int HardwareSerial::available() {
  const auto& reads = shim::state().uart_reads;
  return reads.empty() ? 0 : static_cast<int>(reads.front().size());
}
std::size_t HardwareSerial::readBytes(std::uint8_t* buffer, std::size_t length) {
  auto& reads = shim::state().uart_reads;
  ++shim::state().uart_read_calls;
  if (reads.empty()) return 0;
  std::vector<std::uint8_t>& front = reads.front();
  const std::size_t n = std::min(length, front.size());
  std::copy_n(front.begin(), n, buffer);
  front.erase(front.begin(), front.begin() + static_cast<std::ptrdiff_t>(n));
  if (front.empty()) reads.pop_front();
  return n;
}

std::uint32_t EspClass::getChipId() { return shim::state().chip_id; }
std::uint32_t EspClass::getFreeHeap() { return 30000; }
void EspClass::restart() { ++shim::state().restarts; }

// ---- ESP8266WiFi.h -----------------------------------------------------------------------------

String IPAddress::toString() const {
  std::string text;
  for (int i = 0; i < 4; ++i) {
    if (i > 0) text += '.';
    text += std::to_string(octets_[i]);
  }
  return String(text);
}

bool ESP8266WiFiClass::mode(WiFiMode_t mode) {
  shim::state().wifi_mode = mode;
  return true;
}
void ESP8266WiFiClass::persistent(bool persistent) { shim::state().wifi_persistent = persistent; }
bool ESP8266WiFiClass::setAutoReconnect(bool) { return true; }
bool ESP8266WiFiClass::hostname(const char* name) {
  shim::state().hostname = name;
  return true;
}
wl_status_t ESP8266WiFiClass::begin(const char* ssid, const char* password) {
  shim::state().wifi_begun = true;
  shim::state().wifi_ssid = ssid;
  shim::state().wifi_password = password;
  return status();
}
wl_status_t ESP8266WiFiClass::status() {
  return shim::state().wifi_begun && shim::state().wifi_link_up ? WL_CONNECTED : WL_DISCONNECTED;
}
std::int32_t ESP8266WiFiClass::RSSI() { return shim::state().rssi; }
bool ESP8266WiFiClass::softAP(const char* ssid) {
  shim::state().soft_ap_ssid = ssid;
  return true;
}
IPAddress ESP8266WiFiClass::softAPIP() { return IPAddress(192, 168, 4, 1); }

// ---- ESP8266WebServer.h, DNSServer.h ---------------------------------------------------------

ESP8266WebServer::ESP8266WebServer(int) {}
ESP8266WebServer::~ESP8266WebServer() {
  if (shim::active_server == this) shim::active_server = nullptr;
}
void ESP8266WebServer::begin() {
  shim::active_server = this;
  shim::state().web_begun = true;
}
void ESP8266WebServer::handleClient() {}
void ESP8266WebServer::on(const String& uri, HTTPMethod method, THandlerFunction handler) {
  routes_[uri.c_str()] = Route{method, std::move(handler)};
}
void ESP8266WebServer::onNotFound(THandlerFunction handler) { not_found_ = std::move(handler); }
const String& ESP8266WebServer::arg(const String& name) const {
  static const String kEmpty;
  const auto found = args.find(name);
  return found == args.end() ? kEmpty : found->second;
}
bool ESP8266WebServer::hasArg(const String& name) const { return args.count(name) > 0; }
void ESP8266WebServer::sendHeader(const String& name, const String& value, bool) {
  response_headers[name.c_str()] = value.c_str();
}
void ESP8266WebServer::send(int code, const char* content_type, const char* content,
                            std::size_t length) {
  response_code = code;
  response_type = content_type;
  response_body.assign(content, length);
}
void ESP8266WebServer::send(int code, const char* content_type, const String& content) {
  send(code, content_type, content.c_str(), content.length());
}
bool ESP8266WebServer::dispatch(HTTPMethod method, const std::string& path) {
  const auto found = routes_.find(path);
  if (found != routes_.end() &&
      (found->second.method == method || found->second.method == HTTP_ANY)) {
    found->second.handler();
    return true;
  }
  if (not_found_) not_found_();
  return false;
}

bool DNSServer::start(std::uint16_t, const String&, const IPAddress&) {
  shim::state().dns_started = true;
  return true;
}

// ---- LittleFS.h --------------------------------------------------------------------------------

File::File(std::string path, bool writing)
    : path_(std::move(path)), open_(true), writing_(writing) {
  if (!writing_) content_ = shim::state().files[path_];
}
std::size_t File::read(std::uint8_t* buffer, std::size_t size) {
  const std::size_t n = std::min(size, content_.size() - position_);
  std::copy_n(content_.begin() + static_cast<std::ptrdiff_t>(position_), n, buffer);
  position_ += n;
  return n;
}
std::size_t File::write(const std::uint8_t* data, std::size_t size) {
  content_.append(reinterpret_cast<const char*>(data), size);
  return size;
}
void File::close() {
  if (open_ && writing_) shim::state().files[path_] = content_;
  open_ = false;
}

bool LittleFSClass::begin() {
  shim::state().fs_begun = true;
  return true;
}
bool LittleFSClass::exists(const char* path) { return shim::state().files.count(path) > 0; }
File LittleFSClass::open(const char* path, const char* mode) {
  const bool writing = mode[0] == 'w';
  if (!writing && !exists(path)) return File();
  return File(path, writing);
}

// ---- ArduinoOTA.h ------------------------------------------------------------------------------

void ArduinoOTAClass::setHostname(const char* hostname) { shim::state().ota_hostname = hostname; }
void ArduinoOTAClass::setPassword(const char* password) { shim::state().ota_password = password; }
void ArduinoOTAClass::begin() { shim::state().ota_begun = true; }
void ArduinoOTAClass::handle() { ++shim::state().ota_handled; }

// ---- MQTT.h ------------------------------------------------------------------------------------

MQTTClient::MQTTClient(int, int write_buffer_size) : write_buffer_size_(write_buffer_size) {}

void MQTTClient::begin(const char hostname[], int port, WiFiClient&) {
  shim::state().mqtt_host = hostname;
  shim::state().mqtt_port = port;
  shim::state().mqtt_write_buffer = static_cast<std::size_t>(write_buffer_size_);
}

void MQTTClient::setWill(const char topic[], const char payload[], bool retained, int qos) {
  shim::State& s = shim::state();
  s.will_topic = topic;
  s.will_payload = payload;
  s.will_retained = retained;
  s.will_qos = qos;
}

bool MQTTClient::connect(const char client_id[], const char username[], const char password[]) {
  shim::State& s = shim::state();
  s.connect_times.push_back(s.now_ms);
  s.client_id = client_id;
  s.has_login = username != nullptr;
  s.user = username != nullptr ? username : "";
  s.password = password != nullptr ? password : "";
  connected_ = s.broker_up && WiFi.status() == WL_CONNECTED;
  return connected_;
}

bool MQTTClient::publish(const char topic[], const char payload[], int length, bool retained,
                         int qos) {
  if (!connected()) return false;
  shim::State& s = shim::state();
  // The real client fails on packets larger than its write buffer.
  const std::size_t packet = 5 + 2 + std::strlen(topic) + 2 + static_cast<std::size_t>(length);
  if (packet > static_cast<std::size_t>(write_buffer_size_) || !s.publish_ok) {
    connected_ = false;
    return false;
  }
  s.published.push_back(
      {topic, std::string(payload, static_cast<std::size_t>(length)), retained, qos});
  return true;
}

bool MQTTClient::loop() { return connected(); }

bool MQTTClient::connected() {
  if (!shim::state().broker_up || WiFi.status() != WL_CONNECTED) connected_ = false;
  return connected_;
}
