// SPDX-License-Identifier: MIT
#include "meter/app/statistics_updates.h"

#include <spdlog/spdlog.h>

#include <string>

namespace meter::app {

StatisticsUpdates::StatisticsUpdates(StatisticsStore& store, std::chrono::milliseconds first_after,
                                     std::chrono::milliseconds every)
    : store_(store), first_after_(first_after), every_(every), thread_([this] { loop(); }) {}

StatisticsUpdates::~StatisticsUpdates() {
  request_stop();
  thread_.join();
}

void StatisticsUpdates::request_stop() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;  // also ends a pass in progress
  }
  wake_.notify_all();
}

void StatisticsUpdates::nudge() {
  {
    std::lock_guard lock(mutex_);
    nudged_ = true;
  }
  wake_.notify_all();
}

void StatisticsUpdates::loop() {
  StatisticsUpdater updater(store_);
  updater.stop_when(&stop_);
  std::string last_error;
  auto wait = first_after_;
  for (;;) {
    {
      std::unique_lock lock(mutex_);
      if (wake_.wait_for(lock, wait, [this] { return stop_.load() || nudged_; }) && stop_) break;
      // Nudged: wait until the burst of late readings is over (or a full interval has passed).
      const auto latest = std::chrono::steady_clock::now() + every_;
      while (nudged_ && !stop_ && std::chrono::steady_clock::now() < latest) {
        nudged_ = false;
        wake_.wait_for(lock, kSettle, [this] { return stop_.load() || nudged_; });
      }
      nudged_ = false;
      if (stop_) break;
    }
    wait = every_;
    std::size_t written = 0;
    spdlog::debug("statistics: pass begins");
    const Outcome updated = updater.update_once(&written);
    if (!updated && updated.error != last_error) {
      spdlog::warn("statistics: {} (retrying every minute)", updated.error);
    } else if (updated && !last_error.empty()) {
      spdlog::info("statistics: up to date again");
    }
    last_error = updated ? std::string() : updated.error;
    spdlog::debug("statistics: pass ends, {} row(s) updated", written);
    ++passes_;
  }
  store_.close();
}

}  // namespace meter::app
