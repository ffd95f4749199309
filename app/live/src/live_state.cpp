// SPDX-License-Identifier: MIT
#include "meter/app/live_state.h"

#include <algorithm>
#include <string_view>

namespace meter::app {
namespace {

bool all_zero(const core::SystemTitle& title) {
  return std::all_of(title.begin(), title.end(), [](std::uint8_t b) { return b == 0; });
}

std::string seconds_text(std::int64_t ms) { return std::to_string(ms / 1000) + " s"; }

// Higher is worse: what the overall state shows when meters disagree.
int severity(Diagnosis diagnosis) {
  switch (diagnosis) {
    case Diagnosis::kOk:
      return 0;
    case Diagnosis::kStale:
      return 1;
    case Diagnosis::kLineNoise:
      return 2;
    case Diagnosis::kWrongKey:
      return 3;
    case Diagnosis::kNoSignal:
      return 4;
  }
  return 4;
}

}  // namespace

const char* diagnosis_name(Diagnosis diagnosis) {
  switch (diagnosis) {
    case Diagnosis::kOk:
      return "ok";
    case Diagnosis::kNoSignal:
      return "no_signal";
    case Diagnosis::kLineNoise:
      return "line_noise";
    case Diagnosis::kWrongKey:
      return "wrong_key";
    case Diagnosis::kStale:
      return "stale";
  }
  return "unknown";
}

const char* diagnosis_advice(Diagnosis diagnosis) {
  switch (diagnosis) {
    case Diagnosis::kOk:
      return "Telegrams arrive and decode.";
    case Diagnosis::kNoSignal:
      return "Nothing arrives: check the ESP8266, its MQTT settings, the raw topic and the broker.";
    case Diagnosis::kLineNoise:
      return "Most frames arrive damaged (checksum errors): check the M-Bus converter, its "
             "wiring and power supply.";
    case Diagnosis::kWrongKey:
      return "Frames arrive intact but do not decrypt: check the key from your grid operator "
             "(32 hex digits; SMARTMETER_KEY or SMARTMETER_KEYS).";
    case Diagnosis::kStale:
      return "Telegrams arrive but none decoded lately: see the errors by cause.";
  }
  return "";
}

bool is_line_error(core::DecodeError error) { return core::is_framing_error(error); }

bool is_key_error(core::DecodeError error) {
  using core::DecodeError;
  return error == DecodeError::kWrongKey || error == DecodeError::kAuthFailed ||
         error == DecodeError::kNoKey || error == DecodeError::kNoAuthKey;
}

LiveState::LiveState(std::int64_t started_ms, std::int64_t no_signal_after_ms)
    : LiveState(started_ms, [&] {
        LiveStateOptions options;
        options.no_signal_after_ms = no_signal_after_ms;
        return options;
      }()) {}

LiveState::LiveState(std::int64_t started_ms, LiveStateOptions options)
    : started_ms_(started_ms),
      no_signal_after_ms_(options.no_signal_after_ms),
      options_(std::move(options)) {
  global_.started_ms = started_ms;
  global_.max_meters = options_.max_meters;
  for (const core::SystemTitle& title : options_.configured) {
    core::Telegram named;
    named.system_title = title;
    const MeterKey key = key_of(named, true);
    MeterState& state = meters_[key];
    state.snapshot.meter = text_of(key);
    state.snapshot.configured = true;
  }
}

void LiveState::push(std::deque<Event>& events, const Event& event) {
  events.push_back(event);
  if (events.size() > kWindowEvents) events.pop_front();
}

std::string LiveState::text_of(const MeterKey& key) {
  return {key.data(),
          static_cast<std::size_t>(std::find(key.begin(), key.end(), '\0') - key.begin())};
}

LiveState::MeterKey LiveState::key_of(const core::Telegram& telegram, bool by_title) {
  MeterKey key{};
  if (by_title) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    for (std::size_t i = 0; i < telegram.system_title.size(); ++i) {
      key[2 * i] = kHex[telegram.system_title[i] >> 4];
      key[2 * i + 1] = kHex[telegram.system_title[i] & 0x0F];
    }
  } else {
    const std::string_view number = telegram.meter_number.view().substr(0, key.size());
    std::copy(number.begin(), number.end(), key.begin());
  }
  return key;
}

bool LiveState::evictable(const MeterState& state, std::int64_t now_ms) const {
  return !state.snapshot.configured && options_.evict_after_ms > 0 &&
         now_ms - state.snapshot.last_received_ms > options_.evict_after_ms;
}

void LiveState::sweep(std::int64_t now_ms) {
  // Once a second at most: one pass over the meters, not one per telegram.
  if (now_ms - last_sweep_ms_ < kSweepEveryMs && now_ms >= last_sweep_ms_) return;
  last_sweep_ms_ = now_ms;
  global_.evicted +=
      std::erase_if(meters_, [&](const auto& entry) { return evictable(entry.second, now_ms); });
  if (provisional_ && meters_.count(*provisional_) == 0) provisional_.reset();
}

LiveState::MeterState* LiveState::meter_for(const MeterKey& key, std::int64_t now_ms) {
  auto it = meters_.find(key);
  if (it != meters_.end()) return &it->second;
  // A title that decodes: a provisional meter was someone else's after all.
  if (provisional_) {
    meters_.erase(*provisional_);
    provisional_.reset();
  }
  if (meters_.size() >= options_.max_meters) {
    ++global_.over_limit;
    if (global_.limit_reached_ms == 0) global_.limit_reached_ms = now_ms;
    return nullptr;
  }
  std::erase_if(unknown_, [&](const UnknownTitle& u) { return u.key == key; });
  MeterState& state = meters_[key];
  state.snapshot.meter = text_of(key);
  return &state;
}

void LiveState::record_decoded(const core::Telegram& telegram, std::int64_t now_ms) {
  // The MQTT thread calls this for every telegram: no allocation once the meter is known.
  const bool has_counter = telegram.encrypted || telegram.authenticated;
  const MeterKey key = key_of(telegram, has_counter);
  std::lock_guard lock(mutex_);
  sweep(now_ms);
  ++global_.received;
  global_.last_received_ms = now_ms;
  push(global_events_, {now_ms, telegram.frame_counter, EventKind::kDecoded, has_counter});
  MeterState* state = meter_for(key, now_ms);
  if (state == nullptr) {
    ++global_.unattributed;
    return;
  }
  MeterSnapshot& m = state->snapshot;
  ++m.received;
  ++m.decoded;
  if (m.provisional) {
    m.provisional = false;  // it decodes after all: a meter like any other
    provisional_.reset();
  }
  m.last_received_ms = now_ms;
  m.last_decoded_ms = now_ms;
  if (!telegram.meter_number.empty() && m.meter_number != telegram.meter_number.view()) {
    m.meter_number.assign(telegram.meter_number.view());
  }
  bool newest = true;
  if (has_counter) {
    const std::uint32_t counter = telegram.frame_counter;
    if (m.last_frame_counter) {
      const std::uint32_t last = *m.last_frame_counter;
      if (counter <= last) {
        ++m.replays;
        newest = false;  // a replayed (older) telegram does not replace the newest reading
      } else if (counter - last > 1) {
        ++m.frame_counter_gaps;
        m.frames_missed += counter - last - 1;
      }
    }
    if (!m.last_frame_counter || counter > *m.last_frame_counter) m.last_frame_counter = counter;
  }
  if (newest || !state->latest) {
    if (!state->latest) state->latest = std::make_unique<core::Telegram>();
    *state->latest = telegram;
    state->latest_received_ms = now_ms;
  }
  push(state->events, {now_ms, telegram.frame_counter, EventKind::kDecoded, has_counter});
}

LiveState::MeterState* LiveState::note_unknown(const MeterKey& key, const Event& event) {
  auto it = std::find_if(unknown_.begin(), unknown_.end(),
                         [&](const UnknownTitle& u) { return u.key == key; });
  if (it == unknown_.end()) {
    if (unknown_.size() >= kMaxUnattributedTitles) {
      // Make room: the oldest title heard once goes first (junk), else the oldest at all.
      const auto older = [](const UnknownTitle& a, const UnknownTitle& b) {
        return a.last_seen_ms < b.last_seen_ms;
      };
      auto victim =
          std::min_element(unknown_.begin(), unknown_.end(), [&](const auto& a, const auto& b) {
            return (a.count == 1) != (b.count == 1) ? a.count == 1 : older(a, b);
          });
      unknown_.erase(victim);
    }
    unknown_.push_back({key});
    it = std::prev(unknown_.end());
  }
  UnknownTitle& u = *it;
  const bool increasing = u.count > 0 && event.frame_counter > u.last.frame_counter;
  if (event.kind != EventKind::kKeyError) {
    u.key_run = 0;
  } else {
    u.key_run =
        u.key_run > 0 && u.last.kind == EventKind::kKeyError && increasing ? u.key_run + 1 : 1;
  }
  ++u.count;
  u.last_seen_ms = event.at_ms;
  const Event previous = u.last;
  u.last = event;
  if (!options_.single_expected_meter || !meters_.empty() || u.key_run < kWrongKeyMinFrames ||
      meters_.size() >= options_.max_meters) {
    return nullptr;
  }
  const bool alone = std::none_of(unknown_.begin(), unknown_.end(), [&](const UnknownTitle& o) {
    return o.key != key && o.key_run >= kWrongKeyMinFrames;
  });
  if (!alone) return nullptr;  // several titles fail alike: none is "the" expected meter
  MeterState& state = meters_[key];
  state.snapshot.meter = text_of(key);
  state.snapshot.provisional = true;
  provisional_ = key;
  state.snapshot.received = 1;  // the earlier frame; the caller counts this one
  ++state.snapshot.errors[static_cast<std::size_t>(previous.error)];
  push(state.events, previous);
  unknown_.erase(it);
  return &state;
}

void LiveState::record_failure(core::DecodeError error, const core::Telegram* telegram,
                               std::int64_t now_ms) {
  const EventKind kind = is_line_error(error)  ? EventKind::kLineError
                         : is_key_error(error) ? EventKind::kKeyError
                                               : EventKind::kOtherError;
  const bool titled = telegram != nullptr && !all_zero(telegram->system_title);
  const std::uint32_t counter = titled ? telegram->frame_counter : 0;
  const Event event{now_ms, counter, kind, titled, error};
  std::lock_guard lock(mutex_);
  sweep(now_ms);
  ++global_.received;
  global_.last_received_ms = now_ms;
  push(global_events_, event);
  MeterState* state = nullptr;
  if (titled) {
    const MeterKey key = key_of(*telegram, true);
    const auto it = meters_.find(key);
    state = it != meters_.end() ? &it->second : note_unknown(key, event);
  }
  if (state == nullptr) {
    ++global_.unattributed;
    ++global_.errors[static_cast<std::size_t>(error)];
    return;
  }
  MeterSnapshot& m = state->snapshot;
  ++m.received;
  ++m.errors[static_cast<std::size_t>(error)];
  m.last_received_ms = now_ms;
  push(state->events, event);
}

LiveState::Verdict LiveState::judge(std::int64_t last_received_ms, std::int64_t last_decoded_ms,
                                    bool ever_decoded, const std::deque<Event>& events,
                                    const std::deque<Event>* shared_line,
                                    std::int64_t now_ms) const {
  const std::int64_t limit = no_signal_after_ms_;
  if (last_received_ms == 0) {
    if (now_ms - started_ms_ > limit) {
      return {Diagnosis::kNoSignal,
              "nothing received since the start " + seconds_text(now_ms - started_ms_) + " ago"};
    }
    return {Diagnosis::kNoSignal, "waiting for the first telegram"};
  }
  if (now_ms - last_received_ms > limit) {
    return {Diagnosis::kNoSignal,
            "last telegram " + seconds_text(now_ms - last_received_ms) + " ago"};
  }

  // Newest run of key failures with strictly increasing frame counters.
  std::size_t key_run = 0;
  for (auto it = events.rbegin(); it != events.rend(); ++it) {
    if (it->kind != EventKind::kKeyError) break;
    const auto older = std::next(it);
    if (older != events.rend() && older->kind == EventKind::kKeyError &&
        older->frame_counter >= it->frame_counter) {
      ++key_run;  // this one counts; the run ends before the non-increasing older one
      break;
    }
    ++key_run;
  }
  if (key_run >= kWrongKeyMinFrames) {
    if (events.back().error == core::DecodeError::kNoKey) {
      return {Diagnosis::kWrongKey, "no key is configured for this system title (" +
                                        std::to_string(key_run) + " telegrams in a row)"};
    }
    return {Diagnosis::kWrongKey, std::to_string(key_run) +
                                      " intact frames in a row with increasing frame counters "
                                      "did not decrypt"};
  }

  std::uint64_t line_errors = 0;
  std::uint64_t decoded = 0;
  const auto in_window = [&](const Event& e) { return now_ms - e.at_ms <= kWindowMs; };
  for (const Event& e : events) {
    if (!in_window(e)) continue;
    if (e.kind == EventKind::kLineError) ++line_errors;
    if (e.kind == EventKind::kDecoded) ++decoded;
  }
  if (shared_line != nullptr) {
    for (const Event& e : *shared_line) {
      if (in_window(e) && e.kind == EventKind::kLineError) ++line_errors;
    }
  }
  if (line_errors >= kNoiseMinErrors && line_errors >= decoded) {
    return {Diagnosis::kLineNoise, std::to_string(line_errors) + " damaged frames and " +
                                       std::to_string(decoded) + " decoded ones lately"};
  }
  if (!ever_decoded) return {Diagnosis::kStale, "no telegram decoded yet"};
  if (now_ms - last_decoded_ms > limit) {
    return {Diagnosis::kStale,
            "last decoded telegram " + seconds_text(now_ms - last_decoded_ms) + " ago"};
  }
  return {Diagnosis::kOk, "telegrams arrive and decode"};
}

LiveSnapshot LiveState::snapshot(std::int64_t now_ms) const {
  std::lock_guard lock(mutex_);
  LiveSnapshot out;
  out.now_ms = now_ms;
  out.global = global_;
  out.meters.reserve(meters_.size());
  std::int64_t global_last_decoded = 0;
  for (const Event& e : global_events_) {
    if (e.kind == EventKind::kDecoded) global_last_decoded = std::max(global_last_decoded, e.at_ms);
  }
  // The global bucket never shows a key verdict: its counters come from different meters.
  std::deque<Event> global_events;
  for (const Event& e : global_events_) {
    if (e.kind != EventKind::kKeyError) global_events.push_back(e);
  }
  bool ever_decoded = false;
  for (const auto& [id, state] : meters_) ever_decoded = ever_decoded || state.snapshot.decoded > 0;
  auto global_verdict =
      judge(global_.last_received_ms, global_last_decoded, ever_decoded || global_last_decoded > 0,
            global_events, nullptr, now_ms);
  for (auto it = unknown_.rbegin(); it != unknown_.rend(); ++it) {
    out.global.titles.push_back({text_of(it->key), it->count, it->last.error, it->last_seen_ms,
                                 it->key_run >= kWrongKeyMinFrames});
  }
  std::sort(out.global.titles.begin(), out.global.titles.end(),
            [](const auto& a, const auto& b) { return a.last_seen_ms > b.last_seen_ms; });
  if (meters_.empty() && global_verdict.diagnosis != Diagnosis::kNoSignal &&
      global_verdict.diagnosis != Diagnosis::kLineNoise) {
    // No meter yet, and a title whose intact frames never decrypt: most likely the key.
    for (const UnattributedTitle& title : out.global.titles) {
      if (!title.probably_wrong_key || now_ms - title.last_seen_ms > no_signal_after_ms_) continue;
      global_verdict = {Diagnosis::kWrongKey,
                        "intact frames from system title " + title.title + " do not decrypt (" +
                            core::error_name(title.last_error) + "): probably the wrong key"};
      break;
    }
  }
  out.global.diagnosis = global_verdict.diagnosis;
  out.global.reason = std::move(global_verdict.reason);

  const std::deque<Event>* shared = meters_.size() == 1 ? &global_events_ : nullptr;
  for (const auto& [id, state] : meters_) {
    if (evictable(state, now_ms)) continue;  // swept at the next telegram
    MeterSnapshot m = state.snapshot;
    if (state.latest) m.latest = make_reading(*state.latest, state.latest_received_ms);
    // A meter's own deque has no line errors (they are never attributed); with one meter the
    // unattributed ones are its own.
    const std::int64_t last_received = shared != nullptr
                                           ? std::max(m.last_received_ms, global_.last_received_ms)
                                           : m.last_received_ms;
    auto verdict =
        judge(last_received, m.last_decoded_ms, m.decoded > 0, state.events, shared, now_ms);
    m.diagnosis = verdict.diagnosis;
    m.reason = std::move(verdict.reason);
    out.meters.push_back(std::move(m));
  }
  if (out.meters.empty()) {
    out.overall = out.global.diagnosis;
  } else {
    out.overall = Diagnosis::kOk;
    for (const auto& m : out.meters) {
      if (severity(m.diagnosis) > severity(out.overall)) out.overall = m.diagnosis;
    }
  }
  return out;
}

}  // namespace meter::app
