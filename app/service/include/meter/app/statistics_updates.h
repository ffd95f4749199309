// SPDX-License-Identifier: MIT
// The service's statistics thread: a StatisticsUpdater pass over the store every minute (the
// first soon after the start, and soon after a nudge), failures logged once until it works again.
// Destroying it (or request_stop()) ends a pass in progress between meters or chunks, so a shutdown
// does not wait for a pass over many meters.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "meter/app/statistics_store.h"

namespace meter::app {

class StatisticsUpdates {
 public:
  static constexpr std::chrono::milliseconds kFirstUpdateAfter{10'000};
  static constexpr std::chrono::milliseconds kUpdateEvery{60'000};

  // Starts the thread; `store` must outlive this object, which closes it when it stops.
  explicit StatisticsUpdates(StatisticsStore& store,
                             std::chrono::milliseconds first_after = kFirstUpdateAfter,
                             std::chrono::milliseconds every = kUpdateEvery);
  ~StatisticsUpdates();
  StatisticsUpdates(const StatisticsUpdates&) = delete;
  StatisticsUpdates& operator=(const StatisticsUpdates&) = delete;

  // Asks the thread to stop without waiting for it (the destructor waits).
  void request_stop();
  // Readings of past quarter-hours arrived (a backfill, a backlog after an outage): the next
  // pass starts once no further nudge came for kSettle, instead of at the next minute. Any
  // thread.
  void nudge();
  static constexpr std::chrono::milliseconds kSettle{2'000};
  // Passes completed (with or without an error), for tests and logs.
  std::uint64_t passes() const { return passes_; }

 private:
  void loop();

  StatisticsStore& store_;
  std::chrono::milliseconds first_after_;
  std::chrono::milliseconds every_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::atomic<bool> stop_{false};
  bool nudged_ = false;  // with mutex_ held
  std::atomic<std::uint64_t> passes_{0};
  std::thread thread_;  // last: starts once the members above exist
};

}  // namespace meter::app
