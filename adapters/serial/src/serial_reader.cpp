// SPDX-License-Identifier: MIT
#include "meter/serial/serial_reader.h"

#include <fcntl.h>
#include <poll.h>
#include <spdlog/spdlog.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <memory>

#include "meter/core/frame_assembler.h"
#include "meter/core/hex.h"

namespace meter::serial {
namespace {

constexpr int kPollMs = 200;  // how quickly stop() is noticed
constexpr auto kReopenInterval = std::chrono::seconds(1);

speed_t speed_of(unsigned baud) {
  switch (baud) {
    case 300:
      return B300;
    case 600:
      return B600;
    case 1200:
      return B1200;
    case 2400:
      return B2400;
    case 4800:
      return B4800;
    case 9600:
      return B9600;
    case 19200:
      return B19200;
    case 38400:
      return B38400;
    case 57600:
      return B57600;
    default:
      return B115200;  // the config accepts no other rate
  }
}

tcflag_t size_of(unsigned data_bits) {
  switch (data_bits) {
    case 5:
      return CS5;
    case 6:
      return CS6;
    case 7:
      return CS7;
    default:
      return CS8;
  }
}

}  // namespace

std::string SerialStats::summary() const {
  return std::to_string(bytes) + " bytes, " + std::to_string(frames) + " frames, " +
         std::to_string(telegrams) + " telegrams, " + std::to_string(checksum_errors) +
         " checksum errors, " + std::to_string(other_errors) + " other frame errors, " +
         std::to_string(skipped_bytes) + " bytes skipped, " + std::to_string(reconnects) +
         " reconnects";
}

SerialReader::SerialReader(std::string device, app::SerialFormat format)
    : device_(std::move(device)), format_(format) {}

SerialReader::~SerialReader() { stop(); }

void SerialReader::start(Handler handler) {
  handler_ = std::move(handler);
  thread_ = std::thread([this] { loop(); });
}

void SerialReader::stop() {
  stopping_ = true;
  if (thread_.joinable()) thread_.join();
}

SerialStats SerialReader::stats() const {
  return {bytes_,        frames_,        telegrams_, checksum_errors_,
          other_errors_, skipped_bytes_, reconnects_};
}

std::string SerialReader::open_error() const {
  const std::lock_guard lock(open_error_mutex_);
  return open_error_;
}

int SerialReader::open_device(std::string& error) const {
  const int fd = ::open(device_.c_str(), O_RDONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) {
    error = std::strerror(errno);
    return -1;
  }
  termios tty{};
  if (::tcgetattr(fd, &tty) != 0) {
    error = std::string("not a serial device: ") + std::strerror(errno);
    ::close(fd);
    return -1;
  }
  ::cfmakeraw(&tty);
  tty.c_cflag &= ~static_cast<tcflag_t>(CSIZE | PARENB | PARODD | CSTOPB | CRTSCTS);
  tty.c_cflag |= size_of(format_.data_bits) | CLOCAL | CREAD;
  if (format_.parity != 'N') tty.c_cflag |= PARENB;
  if (format_.parity == 'O') tty.c_cflag |= PARODD;
  if (format_.stop_bits == 2) tty.c_cflag |= CSTOPB;
  tty.c_cc[VMIN] = 1;
  tty.c_cc[VTIME] = 0;
  ::cfsetispeed(&tty, speed_of(format_.baud));
  ::cfsetospeed(&tty, speed_of(format_.baud));
  if (::tcsetattr(fd, TCSANOW, &tty) != 0) {
    error = std::string("cannot set ") + format_.text() + ": " + std::strerror(errno);
    ::close(fd);
    return -1;
  }
  return fd;
}

void SerialReader::loop() {
  bool was_connected = false;
  std::string last_error;
  while (!stopping_) {
    std::string error;
    const int fd = open_device(error);
    {
      const std::lock_guard lock(open_error_mutex_);
      open_error_ = error;
    }
    if (fd < 0) {
      if (error != last_error) {  // one line per cause, not one per second
        spdlog::warn("serial: cannot open {}: {}; trying again every second", device_, error);
        last_error = error;
      }
      for (auto waited = std::chrono::milliseconds(0); waited < kReopenInterval && !stopping_;
           waited += std::chrono::milliseconds(kPollMs)) {
        std::this_thread::sleep_for(std::chrono::milliseconds(kPollMs));
      }
      continue;
    }
    if (was_connected) {
      ++reconnects_;
      spdlog::info("serial: {} is back ({})", device_, format_.text());
    } else {
      spdlog::info("serial: reading {} ({})", device_, format_.text());
    }
    last_error.clear();
    was_connected = true;
    connected_ = true;
    read_until_lost(fd);
    connected_ = false;
    ::close(fd);
  }
}

void SerialReader::read_until_lost(int fd) {
  // A fresh assembler per connection: a frame cut by the unplug is not joined to what follows.
  auto assembler = std::make_unique<core::FrameAssembler>();
  core::FrameAssembler::Stats counted{};
  auto account = [&] {
    const auto& now = assembler->stats();
    frames_ += now.frames - counted.frames;
    telegrams_ += now.telegrams - counted.telegrams;
    checksum_errors_ += now.checksum_errors - counted.checksum_errors;
    other_errors_ +=
        (now.sequence_errors - counted.sequence_errors) + (now.other_errors - counted.other_errors);
    skipped_bytes_ += now.skipped_bytes - counted.skipped_bytes;
    counted = now;
  };
  std::string hex;
  std::uint8_t buffer[512];
  while (!stopping_) {
    pollfd waiting{fd, POLLIN, 0};
    const int ready = ::poll(&waiting, 1, kPollMs);
    if (ready < 0 && errno != EINTR) break;
    if (ready <= 0) continue;
    const ssize_t got = ::read(fd, buffer, sizeof buffer);
    if (got < 0 && (errno == EAGAIN || errno == EINTR)) continue;
    if (got <= 0) {
      // EIO/ENXIO (adapter unplugged, pty master closed) or end of file.
      spdlog::warn("serial: {} lost ({}); trying to open it again every second", device_,
                   got == 0 ? "end of file" : std::strerror(errno));
      return;
    }
    bytes_ += static_cast<std::uint64_t>(got);
    const std::uint8_t* data = buffer;
    std::size_t size = static_cast<std::size_t>(got);
    // Loops while telegrams complete (one may already sit in the look-ahead: consumed == 0).
    for (;;) {
      const auto pushed = assembler->push(data, size);
      data += pushed.consumed;
      size -= pushed.consumed;
      if (pushed.event == core::FrameAssembler::Event::kTelegram) {
        hex.resize(assembler->telegram_size() * 2);
        core::encode_hex_upper(assembler->telegram(), assembler->telegram_size(), hex.data());
        account();
        handler_(hex);
        continue;
      }
      if (size == 0) break;
    }
    account();
  }
}

}  // namespace meter::serial
