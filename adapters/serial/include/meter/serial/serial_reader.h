// SPDX-License-Identifier: MIT
// Reads M-Bus telegrams from a serial device (a USB M-Bus adapter, POSIX termios) through the
// core's frame assembler, the one the ESP8266 firmware uses, and hands each complete telegram
// on as the upper-case hex text the firmware would publish.
//
//   open + termios (e.g. 2400 8E1, raw) -> read -> FrameAssembler -> handler(hex)
//
// The device may disappear (adapter unplugged: read fails with EIO/ENXIO, the path vanishes):
// the reader closes it, logs once, tries to open it again about every second and logs when it
// is back. Junk and cut frames are counted by the assembler, never fatal.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "meter/app/config.h"

namespace meter::serial {

struct SerialStats {
  std::uint64_t bytes = 0;
  std::uint64_t frames = 0;
  std::uint64_t telegrams = 0;
  std::uint64_t checksum_errors = 0;
  std::uint64_t other_errors = 0;  // segment order, bad header, not DLMS, too large
  std::uint64_t skipped_bytes = 0;
  std::uint64_t reconnects = 0;  // times the device came back after it was lost

  // "1234 bytes, 12 frames, 6 telegrams, 1 checksum errors, 0 other errors, 40 bytes skipped"
  std::string summary() const;
};

class SerialReader {
 public:
  using Handler = std::function<void(const std::string& hex)>;

  SerialReader(std::string device, app::SerialFormat format);
  ~SerialReader();
  SerialReader(const SerialReader&) = delete;
  SerialReader& operator=(const SerialReader&) = delete;

  // Starts the reading thread; `handler` runs on it for every complete telegram.
  void start(Handler handler);
  void stop();

  // Why the last attempt to open the device failed; "" once it is open (for a first setup).
  std::string open_error() const;

  SerialStats stats() const;
  bool connected() const { return connected_; }

 private:
  void loop();
  int open_device(std::string& error) const;  // configured descriptor, or -1
  void read_until_lost(int fd);

  std::string device_;
  app::SerialFormat format_;
  Handler handler_;
  std::thread thread_;
  std::atomic<bool> stopping_{false};
  std::atomic<bool> connected_{false};
  std::atomic<std::uint64_t> bytes_{0};
  std::atomic<std::uint64_t> frames_{0};
  std::atomic<std::uint64_t> telegrams_{0};
  std::atomic<std::uint64_t> checksum_errors_{0};
  std::atomic<std::uint64_t> other_errors_{0};
  std::atomic<std::uint64_t> skipped_bytes_{0};
  std::atomic<std::uint64_t> reconnects_{0};
  mutable std::mutex open_error_mutex_;
  std::string open_error_;
};

}  // namespace meter::serial
