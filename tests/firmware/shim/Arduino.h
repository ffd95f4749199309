// SPDX-License-Identifier: MIT
// Host shim of the ESP8266 Arduino core's Arduino.h (see shim.h). Defines the same macros the
// real header does, so name clashes with them show up here too.
#pragma once

// The names mirror the Arduino core's, whatever the project's own naming rules say.
// NOLINTBEGIN(readability-identifier-naming)

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <utility>

#define HIGH 0x1
#define LOW 0x0
#define INPUT 0x00
#define INPUT_PULLUP 0x02
#define OUTPUT 0x01

static const std::uint8_t D5 = 14;
static const std::uint8_t D7 = 13;

std::uint32_t millis();
void delay(unsigned long ms);
void yield();
void pinMode(std::uint8_t pin, std::uint8_t mode);
int digitalRead(std::uint8_t pin);

class String {
 public:
  String() = default;
  String(const char* text)
      : text_(text != nullptr ? text : "") {}           // NOLINT: implicit as in Arduino
  String(std::string text) : text_(std::move(text)) {}  // NOLINT
  const char* c_str() const { return text_.c_str(); }
  unsigned int length() const { return static_cast<unsigned int>(text_.size()); }
  String operator+(const String& other) const { return String(text_ + other.text_); }
  String operator+(const char* other) const { return String(text_ + other); }
  bool operator<(const String& other) const { return text_ < other.text_; }

 private:
  std::string text_;
};

inline String operator+(const char* left, const String& right) { return String(left) + right; }

enum SerialConfig { SERIAL_8N1 = 0x1c, SERIAL_8E1 = 0x1e };

class Stream {
 public:
  void setTimeout(unsigned long timeout_ms) { timeout_ms_ = timeout_ms; }

 protected:
  unsigned long timeout_ms_ = 1000;
};

class HardwareSerial : public Stream {
 public:
  void begin(unsigned long baud, SerialConfig config);
  void setRxBufferSize(std::size_t size);
  void swap();
  int available();
  std::size_t readBytes(std::uint8_t* buffer, std::size_t length);
};

extern HardwareSerial Serial;

class EspClass {
 public:
  std::uint32_t getChipId();
  std::uint32_t getFreeHeap();
  void restart();
};

extern EspClass ESP;

// NOLINTEND(readability-identifier-naming)
