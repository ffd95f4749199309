// SPDX-License-Identifier: MIT
// The service's health in one type: ServiceCounters are what the service's threads count while
// it runs (atomics, written by the MQTT and writer threads, read by any); ServiceStatus is a
// copy of them with the state of the connections around it, taken by Service::status() for the
// API, /metrics, /healthz and the dashboard.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <string>

#include "meter/app/live_state.h"
#include "meter/core/decode_error.h"

namespace meter::app {

// A std::atomic that can be copied (the copy reads it once), so that counters are copied as a
// whole instead of field by field.
template <typename T>
struct CopyableAtomic : std::atomic<T> {
  using std::atomic<T>::atomic;
  using std::atomic<T>::operator=;
  CopyableAtomic() : std::atomic<T>(T{}) {}
  CopyableAtomic(const CopyableAtomic& other) : std::atomic<T>(other.load()) {}
  CopyableAtomic& operator=(const CopyableAtomic& other) {
    if (this != &other) this->store(other.load());
    return *this;
  }
  ~CopyableAtomic() = default;
};

using Counter = CopyableAtomic<std::uint64_t>;

struct ServiceCounters {
  Counter received;
  Counter decoded;
  std::array<Counter, core::kDecodeErrorCount> errors{};
  Counter oversized;
  Counter journal_failures;    // telegrams the journal did not take
  Counter held;                // telegrams in memory now (journal failing)
  Counter stored_from_memory;  // held telegrams written directly
  Counter lost;                // neither journal nor memory took them
  Counter published;
  Counter publish_failures;
  Counter stored_readings;
  Counter stored_debounced;
  Counter store_failures;
  CopyableAtomic<bool> database_up{false};

  ErrorCounts error_counts() const;  // decode errors by cause (oversized not included)
  std::uint64_t total_errors() const;
  std::string summary() const;  // one log line
};

struct ServiceStatus : ServiceCounters {
  bool mqtt_connected = false;
  std::uint64_t mqtt_reconnects = 0;
  std::uint64_t journal_pending_bytes = 0;
  std::string storage;  // "sqlite data/smartmeter.db"
  // Why the journal cannot be written (empty: it can), and what it found damaged at the start.
  std::string journal_error;
  std::uint64_t journal_damaged_bytes = 0;
  std::uint64_t journal_damaged_stretches = 0;
  // Day-ahead prices fetched by the service (docs/prices.md); empty source: none configured.
  std::string prices_source;
  std::int64_t prices_newest_end = 0;    // UTC seconds: end of the newest stored price, 0: none
  std::int64_t prices_last_attempt = 0;  // UTC seconds, 0: none yet
  std::int64_t prices_last_success = 0;
  std::string prices_error;  // of the last attempt; empty after a success
};

}  // namespace meter::app
