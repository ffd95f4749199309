// SPDX-License-Identifier: MIT
// What the service knows right now, per meter: the latest reading, when the last telegram came
// (server wall clock and meter time), errors by cause, frame-counter gaps and replays, and a
// named diagnosis. Fed by the MQTT thread for every telegram; read by the dashboard, the API and
// the metrics. Pure (times are passed in, epoch milliseconds) and thread-safe (one mutex).
//
// Meters earn their place: a system title becomes a meter only when a telegram from it decoded,
// or when it is named in SMARTMETER_KEYS (configured meters exist from the start and are never
// evicted). A failure (wrong key, tag mismatch, malformed plaintext) counts for a meter when its
// system title is one; a failure from any other title is unattributed, and the title is kept in a
// small bounded list (count, last error, last seen) for the setup view. Everything else (checksum
// errors, truncated frames, text that is not hex) cannot be pinned on a meter at all. With exactly
// one known meter, the unattributed errors count for that meter's diagnosis too (one meter, one
// line: its noise is that meter's noise).
//
// Wrong key without a meter: a listed title whose newest frames are intact, with increasing frame
// counters, and never decrypted is flagged "probably the wrong key". With only SMARTMETER_KEY set
// (one expected meter) and no meter known yet, the one such title becomes a provisional meter so
// that its diagnosis (wrong_key) reaches the dashboard and Home Assistant; it is dropped as soon
// as another title decodes (the key works, so that title was someone else's).
//
// Bounds: at most `max_meters` meters (further titles' readings are still stored, but not shown
// live; counted, and the moment the limit was first hit is kept); a meter silent for
// `evict_after_ms` leaves the live state (its history stays in the database).
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

// Framing-level causes (core::is_framing_error, M-Bus and HDLC): what a noisy line or a bad
// converter produces.
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
  std::string reason;        // why this diagnosis, in plain words
  bool configured = false;   // named in SMARTMETER_KEYS
  bool provisional = false;  // the expected meter, known only from frames that did not decrypt
};

// A system title that sent telegrams but is no meter (none of its telegrams decoded).
struct UnattributedTitle {
  std::string title;  // 16 hex digits
  std::uint64_t count = 0;
  core::DecodeError last_error = core::DecodeError::kNotHex;
  std::int64_t last_seen_ms = 0;
  bool probably_wrong_key = false;  // intact frames, increasing counters, none decrypted
};

struct GlobalSnapshot {
  std::int64_t started_ms = 0;
  std::int64_t last_received_ms = 0;  // any telegram at all
  std::uint64_t received = 0;
  std::uint64_t unattributed = 0;  // telegrams that could not be pinned on a meter
  ErrorCounts errors{};            // of those
  Diagnosis diagnosis = Diagnosis::kNoSignal;
  std::string reason;
  std::vector<UnattributedTitle> titles;  // newest first, at most kMaxUnattributedTitles
  std::size_t max_meters = 0;
  std::uint64_t over_limit = 0;       // decoded telegrams of titles beyond the meter limit
  std::int64_t limit_reached_ms = 0;  // when the limit was first hit, 0: never
  std::uint64_t evicted = 0;          // meters that left the live state after a silence
};

struct LiveSnapshot {
  std::int64_t now_ms = 0;
  GlobalSnapshot global;
  std::vector<MeterSnapshot> meters;  // ordered by meter id
  // The worst diagnosis among the meters (the global one when no meter is known).
  Diagnosis overall = Diagnosis::kNoSignal;
};

struct LiveStateOptions {
  std::int64_t no_signal_after_ms = 30'000;
  std::size_t max_meters = 100;               // SMARTMETER_MAX_METERS
  std::int64_t evict_after_ms = 86'400'000;   // SMARTMETER_EVICT_SILENT_SECONDS; 0: never
  std::vector<core::SystemTitle> configured;  // titles named in SMARTMETER_KEYS
  bool single_expected_meter = false;         // only SMARTMETER_KEY: one meter expected
};

class LiveState {
 public:
  static constexpr std::size_t kWindowEvents = 64;
  static constexpr std::int64_t kWindowMs = 10 * 60 * 1000;
  static constexpr std::uint64_t kNoiseMinErrors = 3;
  static constexpr std::size_t kWrongKeyMinFrames = 2;
  static constexpr std::size_t kMaxUnattributedTitles = 16;
  static constexpr std::int64_t kSweepEveryMs = 1000;

  explicit LiveState(std::int64_t started_ms, std::int64_t no_signal_after_ms = 30'000);
  LiveState(std::int64_t started_ms, LiveStateOptions options);

  // A telegram that decoded.
  void record_decoded(const core::Telegram& telegram, std::int64_t now_ms);
  // A telegram that did not. `telegram` is what the decoder filled in: its system title counts
  // only when it is not all zero (the caller clears it before decoding).
  void record_failure(core::DecodeError error, const core::Telegram* telegram, std::int64_t now_ms);

  LiveSnapshot snapshot(std::int64_t now_ms) const;
  std::int64_t no_signal_after_ms() const { return no_signal_after_ms_; }

 private:
  // What became of one received telegram.
  enum class EventKind : std::uint8_t { kDecoded, kLineError, kKeyError, kOtherError };
  struct Event {  // 16 bytes: a window of them is kept per meter
    std::int64_t at_ms = 0;
    std::uint32_t frame_counter = 0;
    EventKind kind = EventKind::kDecoded;
    bool has_counter = false;
    core::DecodeError error = core::DecodeError::kNotHex;  // when the kind is an error
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

  struct UnknownTitle {
    MeterKey key{};
    std::uint64_t count = 0;
    std::int64_t last_seen_ms = 0;
    std::size_t key_run = 0;  // newest key failures in a row with increasing counters
    Event last{};
  };

  static void push(std::deque<Event>& events, const Event& event);
  static std::string text_of(const MeterKey& key);
  MeterState* meter_for(const MeterKey& key, std::int64_t now_ms);
  // Notes a failure of a title that is no meter; may make it the provisional expected meter.
  MeterState* note_unknown(const MeterKey& key, const Event& event);
  void sweep(std::int64_t now_ms);
  bool evictable(const MeterState& state, std::int64_t now_ms) const;
  Verdict judge(std::int64_t last_received_ms, std::int64_t last_decoded_ms, bool ever_decoded,
                const std::deque<Event>& events, const std::deque<Event>* shared_line,
                std::int64_t now_ms) const;

  std::int64_t started_ms_;
  std::int64_t no_signal_after_ms_;
  LiveStateOptions options_;
  mutable std::mutex mutex_;
  std::map<MeterKey, MeterState> meters_;
  GlobalSnapshot global_;
  std::deque<Event> global_events_;  // unattributed telegrams only
  std::vector<UnknownTitle> unknown_;
  std::optional<MeterKey> provisional_;  // the provisional expected meter, if any
  std::int64_t last_sweep_ms_ = 0;
};

}  // namespace meter::app
