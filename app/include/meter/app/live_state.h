// SPDX-License-Identifier: MIT
// What the service knows right now, per meter: the latest reading, when the last telegram came
// (server wall clock and meter time), errors by cause, frame-counter gaps and replays, and a
// named diagnosis. Fed by the MQTT thread for every telegram; read by the dashboard, the API and
// the metrics. Pure (times are passed in, epoch milliseconds) and thread-safe (one mutex).
//
// Attribution: a telegram belongs to a meter when it decoded, or when it failed after its system
// title was read (wrong key, no key, tag mismatch, malformed plaintext). Everything else (checksum
// errors, truncated frames, text that is not hex) cannot be pinned on a meter and goes to the
// global bucket. With exactly one known meter, the global bucket's recent errors count for that
// meter's diagnosis too (one meter, one line: its noise is that meter's noise).
//
// Diagnosis, first match wins (window = the last kWindowEvents telegrams within kWindowMs):
//   no signal  nothing received (from this meter) for more than `no_signal_after_ms`
//   wrong key  the newest telegrams are checksum-valid frames with increasing frame counters that
//              failed to decrypt (wrong key, tag mismatch, or no key for the system title), at
//              least two in a row, and none decoded since
//   line noise framing errors (checksum, stop byte, truncated, ...) in the window are at least
//              kNoiseMinErrors and at least as many as the decoded telegrams
//   stale      telegrams arrive, but none decoded for more than `no_signal_after_ms`
//   ok         otherwise
#pragma once

#include <array>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "meter/app/reading.h"
#include "meter/core/decode_error.h"
#include "meter/core/telegram.h"

namespace meter::app {

enum class Diagnosis : std::uint8_t { kOk, kNoSignal, kLineNoise, kWrongKey, kStale };
inline constexpr std::size_t kDiagnosisCount = 5;

// "ok", "no_signal", "line_noise", "wrong_key", "stale": stable names for JSON and metrics.
const char* diagnosis_name(Diagnosis diagnosis);
// One sentence for people: what it means and what to do.
const char* diagnosis_advice(Diagnosis diagnosis);

// Framing-level causes: what a noisy line or a bad converter produces.
bool is_line_error(core::DecodeError error);
// Causes that mean the key does not fit a checksum-valid frame.
bool is_key_error(core::DecodeError error);

using ErrorCounts = std::array<std::uint64_t, core::kDecodeErrorCount>;

struct MeterSnapshot {
  std::string meter;         // system title (16 hex digits), or the meter number if plaintext
  std::string meter_number;  // as printed on the meter, when known
  std::optional<Reading> latest;
  std::int64_t last_received_ms = 0;  // wall clock of the newest telegram of this meter, 0: none
  std::int64_t last_decoded_ms = 0;   // wall clock of the newest decoded one, 0: none
  std::uint64_t received = 0;
  std::uint64_t decoded = 0;
  ErrorCounts errors{};
  std::uint64_t frame_counter_gaps = 0;  // times the counter jumped by more than 1
  std::uint64_t frames_missed = 0;       // sum of the jumps beyond 1
  std::uint64_t replays = 0;             // telegrams whose counter did not increase
  std::optional<std::uint32_t> last_frame_counter;
  Diagnosis diagnosis = Diagnosis::kNoSignal;
  std::string reason;  // why this diagnosis, in plain words
};

struct GlobalSnapshot {
  std::int64_t started_ms = 0;
  std::int64_t last_received_ms = 0;  // any telegram at all
  std::uint64_t received = 0;
  std::uint64_t unattributed = 0;  // telegrams that could not be pinned on a meter
  ErrorCounts errors{};            // of those
  Diagnosis diagnosis = Diagnosis::kNoSignal;
  std::string reason;
};

struct LiveSnapshot {
  std::int64_t now_ms = 0;
  GlobalSnapshot global;
  std::vector<MeterSnapshot> meters;  // ordered by meter id
  // The worst diagnosis among the meters (the global one when no meter is known).
  Diagnosis overall = Diagnosis::kNoSignal;
};

// Health of the service around the meters, gathered by whoever runs it (`smartmeter run`).
struct ServiceStatus {
  std::uint64_t received = 0;
  std::uint64_t decoded = 0;
  ErrorCounts errors{};
  std::uint64_t oversized = 0;
  std::uint64_t published = 0;
  std::uint64_t publish_failures = 0;
  std::uint64_t stored_readings = 0;
  std::uint64_t stored_debounced = 0;
  std::uint64_t store_failures = 0;
  std::uint64_t journal_failures = 0;
  bool mqtt_connected = false;
  std::uint64_t mqtt_reconnects = 0;
  bool database_up = false;
  std::uint64_t journal_pending_bytes = 0;
  std::string storage;  // "sqlite data/smartmeter.db"
  // The journal: why it cannot be written (empty: it can), telegrams held in memory meanwhile,
  // held ones written to the database directly, ones lost (journal and memory full), and what
  // it found damaged at the start.
  std::string journal_error;
  std::uint64_t held_telegrams = 0;
  std::uint64_t stored_from_memory = 0;
  std::uint64_t lost_telegrams = 0;
  std::uint64_t journal_damaged_bytes = 0;
  std::uint64_t journal_damaged_stretches = 0;
};

class LiveState {
 public:
  static constexpr std::size_t kWindowEvents = 64;
  static constexpr std::int64_t kWindowMs = 10 * 60 * 1000;
  static constexpr std::uint64_t kNoiseMinErrors = 3;
  static constexpr std::size_t kWrongKeyMinFrames = 2;
  static constexpr std::size_t kMaxMeters = 64;  // more system titles go to the global bucket

  explicit LiveState(std::int64_t started_ms, std::int64_t no_signal_after_ms = 30'000);

  // A telegram that decoded.
  void record_decoded(const core::Telegram& telegram, std::int64_t now_ms);
  // A telegram that did not. `telegram` is what the decoder filled in: its system title counts
  // only when it is not all zero (the caller clears it before decoding).
  void record_failure(core::DecodeError error, const core::Telegram* telegram, std::int64_t now_ms);

  LiveSnapshot snapshot(std::int64_t now_ms) const;
  std::int64_t no_signal_after_ms() const { return no_signal_after_ms_; }

 private:
  enum class Outcome : std::uint8_t { kDecoded, kLineError, kKeyError, kOtherError };
  struct Event {
    std::int64_t at_ms = 0;
    Outcome outcome = Outcome::kDecoded;
    std::uint32_t frame_counter = 0;
    bool has_counter = false;
    core::DecodeError error = core::DecodeError::kNotHex;  // when the outcome is an error
  };
  struct MeterState {
    MeterSnapshot snapshot;  // without `latest`: made from the telegram at snapshot time
    std::unique_ptr<core::Telegram> latest;  // the newest decoded telegram, copied as it is
    std::int64_t latest_received_ms = 0;
    std::deque<Event> events;
  };
  // The meter id as make_reading() forms it, without allocating: the system title in hex, or
  // (plaintext telegrams) up to 16 characters of the meter number.
  using MeterKey = std::array<char, 16>;
  static MeterKey key_of(const core::Telegram& telegram, bool by_title);
  struct Verdict {
    Diagnosis diagnosis;
    std::string reason;
  };

  static void push(std::deque<Event>& events, const Event& event);
  MeterState* meter_for(const MeterKey& key);
  Verdict judge(std::int64_t last_received_ms, std::int64_t last_decoded_ms, bool ever_decoded,
                const std::deque<Event>& events, const std::deque<Event>* shared_line,
                std::int64_t now_ms) const;

  std::int64_t started_ms_;
  std::int64_t no_signal_after_ms_;
  mutable std::mutex mutex_;
  std::map<MeterKey, MeterState> meters_;
  GlobalSnapshot global_;
  std::deque<Event> global_events_;  // unattributed telegrams only
};

}  // namespace meter::app
