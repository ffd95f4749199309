// SPDX-License-Identifier: MIT
// Valid encrypted EVN telegrams made by the core encoder (data-notification -> general-glo-
// ciphering -> M-Bus frames, or another Link), as the hex text the firmware publishes, with the
// values a correct decoder must find in them. Every telegram of a meter has its own frame counter
// and a meter time 5 s after the previous one; the register values change from one to the next.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "meter/core/key_ring.h"
#include "meter/core/telegram.h"

namespace meter::it {

inline constexpr const char* kKey = "36C66639E48A8CA4D6BC8B282A793BBB";
inline constexpr const char* kOtherKey = "00112233445566778899AABBCCDDEEFF";
// The authentication key of the tagged link (Link::kGbtInHdlc).
inline constexpr const char* kAuthKeyHex = "D0D1D2D3D4D5D6D7D8D9DADBDCDDDEDF";
inline constexpr std::int64_t kIntervalS = 5;

struct TestTelegram {
  std::size_t index = 0;
  std::uint32_t frame_counter = 0;
  std::int64_t timestamp = 0;  // meter time, UTC epoch seconds
  std::string meter_time;      // "2026-01-02T03:04:05+01:00"
  std::string hex;             // upper-case hex of the frames (or the APDU)
  std::vector<std::uint8_t> bytes;
  // Scaled values of WIn WOut PIn POut U1 U2 U3 I1 I2 I3 PF (the EVN registers).
  std::array<double, 11> values{};
};

// How a meter's telegrams travel: EVN's M-Bus frames (the default), one HDLC frame (Wiener
// Netze style), general block transfer blocks in HDLC frames with an authentication tag
// (Landis+Gyr E450 style), or the P1 text telegram in a bare ciphered APDU (Steiermark style).
enum class Link { kMbus, kHdlc, kGbtInHdlc, kP1TextApdu };

class TestMeter {
 public:
  // `system_title`: 16 hex digits. Telegrams are encrypted with `key` (32 hex digits).
  explicit TestMeter(std::string system_title = "4B464D6750012345",
                     std::string meter_number = "181220012345", std::string key = kKey);

  // Telegram number `index` (0, 1, ...): frame counter first_counter + index, meter time
  // first_time + 5 s * index (local time UTC+1, deviation -60).
  TestTelegram telegram(std::size_t index) const;
  std::vector<TestTelegram> telegrams(std::size_t first_index, std::size_t count) const;
  // The same telegram encrypted with another key (a meter the service has the wrong key for).
  TestTelegram with_key(std::size_t index, const std::string& key) const;

  std::int64_t first_time = 0;
  std::uint32_t first_counter = 1000;
  Link link = Link::kMbus;
  const std::string& system_title() const { return system_title_; }
  const std::string& meter_number() const { return meter_number_; }

 private:
  std::string system_title_;
  std::string meter_number_;
  std::string key_;
};

// A meter time for the first telegram: `offset_s` after the start of a 5-minute bucket that
// began about `minutes_ago` minutes ago (recent, so a restarted service resumes debouncing).
std::int64_t recent_bucket_start(std::int64_t minutes_ago);

std::string to_hex(const std::vector<std::uint8_t>& bytes);
// The raw register values the meter sends for telegram `index` (EVN scaling).
std::array<std::int64_t, 11> raw_values(std::size_t index);

}  // namespace meter::it
