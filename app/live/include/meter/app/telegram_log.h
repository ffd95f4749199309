// SPDX-License-Identifier: MIT
// The last telegrams per meter as they arrived, for the setup view: when, how large, the first
// bytes, and what became of each (decoded, with its power, or the error and where). Fed by the
// receive path for every telegram, also for those that never reach the raw archive (oversized
// payloads) or reach it only when the writer gets to them (the database may be down); read by
// the API and the local meter feed. Pure (times are passed in) and thread-safe (one mutex).
//
// Telegrams that cannot be pinned on a meter (checksum errors, text that is not hex, frames cut
// short before the system title) are kept under the meter id "" ("not attributed").
// Bounds: kPerMeter telegrams per meter, kMaxMeters meters (the one silent longest leaves).
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "meter/app/reading.h"
#include "meter/core/decode_error.h"

namespace meter::app {

struct LoggedTelegram {
  std::int64_t received_ms = 0;  // server wall clock
  std::size_t size = 0;          // bytes of the payload it came in (text that is not hex: chars)
  std::string head;              // the payload's first kHeadBytes bytes as hex text (as received)
  bool decoded = false;
  core::DecodeError error = core::DecodeError::kNotHex;  // when not decoded
  std::size_t offset = 0;                                // where it failed (byte or character)
  std::optional<std::uint32_t> frame_counter;            // when the header was readable
  std::int64_t meter_time = 0;                           // decoded: meter time, UTC seconds
  OptionalValue power_in;                                // decoded: W
  OptionalValue power_out;                               // decoded: W
};

struct MeterTelegrams {
  std::string meter;                      // as the live state names it; "": not attributed
  std::vector<LoggedTelegram> telegrams;  // newest first
};

class TelegramLog {
 public:
  static constexpr std::size_t kPerMeter = 20;
  static constexpr std::size_t kMaxMeters = 64;
  static constexpr std::size_t kHeadBytes = 16;

  void record(const std::string& meter, LoggedTelegram telegram);
  // A decoded telegram: its meter id, counter, time and power from the reading.
  void record_decoded(const Reading& reading, const std::string& payload, std::int64_t now_ms);
  // A failed one: `meter` when its system title could be read, else "".
  void record_failure(const std::string& meter, core::DecodeError error, std::size_t offset,
                      std::optional<std::uint32_t> frame_counter, const std::string& payload,
                      std::int64_t now_ms);

  // Every meter's telegrams, ordered by meter id ("" first).
  std::vector<MeterTelegrams> snapshot() const;
  // One meter's, newest first (empty when unknown).
  std::vector<LoggedTelegram> of(const std::string& meter) const;

 private:
  struct Ring {
    std::vector<LoggedTelegram> items;  // oldest first, at most kPerMeter
    std::int64_t last_ms = 0;
  };
  mutable std::mutex mutex_;
  std::map<std::string, Ring> rings_;
};

// What the head shows: the payload's first 2 * kHeadBytes characters (kHeadBytes bytes of hex
// text) as received, every non-printable character as '?'.
std::string telegram_head(const std::string& payload);

}  // namespace meter::app
