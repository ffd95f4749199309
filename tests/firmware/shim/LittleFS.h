// SPDX-License-Identifier: MIT
// Host shim of LittleFS.h: files live in shim::state().files (see shim.h).
#pragma once

// The names mirror the Arduino core's, whatever the project's own naming rules say.
// NOLINTBEGIN(readability-identifier-naming)

#include <Arduino.h>

#include <string>

class File {
 public:
  File() = default;
  File(std::string path, bool writing);
  explicit operator bool() const { return open_; }
  std::size_t read(std::uint8_t* buffer, std::size_t size);
  std::size_t write(const std::uint8_t* data, std::size_t size);
  void close();

 private:
  std::string path_;
  std::string content_;
  std::size_t position_ = 0;
  bool open_ = false;
  bool writing_ = false;
};

class LittleFSClass {
 public:
  bool begin();
  bool exists(const char* path);
  File open(const char* path, const char* mode);
};

extern LittleFSClass LittleFS;

// NOLINTEND(readability-identifier-naming)
