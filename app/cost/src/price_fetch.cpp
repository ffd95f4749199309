// SPDX-License-Identifier: MIT
#include "meter/app/price_fetch.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "meter/app/statistics.h"
#include "meter/core/civil_time.h"

namespace meter::app {

Outcome fetch_prices(PriceFeed& feed, PriceStore& store, std::int64_t from, std::int64_t until,
                     PriceFetchReport& report) {
  report = {};
  std::vector<PricePoint> points;
  if (auto fetched = feed.fetch(from, until, points); !fetched) return fetched;
  report.received = points.size();
  if (points.empty()) return Outcome::success();
  const auto [low, high] = std::minmax_element(
      points.begin(), points.end(),
      [](const PricePoint& a, const PricePoint& b) { return a.start < b.start; });
  report.first_start = low->start;
  report.last_start = high->start;
  if (auto stored = store.store(points, report.changed); !stored) {
    return Outcome::failure("storing the prices: " + stored.error);
  }
  return Outcome::success();
}

std::pair<std::int64_t, std::int64_t> fetch_window(std::int64_t now) {
  const std::int64_t today = core::vienna_local_day(now);
  return {core::vienna_day_start_utc(today), core::vienna_day_start_utc(today + 2)};
}

std::int64_t next_fetch_at(std::int64_t now, bool have_tomorrow, int failures,
                           const PriceSchedule& schedule) {
  const std::int64_t today = core::vienna_local_day(now);
  const auto publish = [&](std::int64_t day) {
    return core::vienna_local_to_utc(day * 86400 +
                                     std::int64_t{schedule.publish_minute_of_day} * 60);
  };
  if (have_tomorrow && failures == 0) return publish(today + 1);
  if (failures == 0 && now < publish(today)) return publish(today);
  std::int64_t wait = schedule.first_retry_seconds;
  for (int i = 1; i < failures && wait < schedule.max_retry_seconds; ++i) wait *= 2;
  return now + std::min(wait, schedule.max_retry_seconds);
}

PriceFetcher::PriceFetcher(PriceFeed& feed, PriceStore& store, std::string market,
                           PriceSchedule schedule, Clock clock)
    : feed_(feed),
      store_(store),
      market_(std::move(market)),
      schedule_(schedule),
      clock_(std::move(clock)) {
  status_.source = feed_.describe();
  status_.product = to_string(feed_.product());
}

PriceFetcher::~PriceFetcher() { stop(); }

void PriceFetcher::start() {
  std::lock_guard lock(mutex_);
  if (thread_.joinable()) return;
  stopping_ = false;
  thread_ = std::thread([this] { loop(); });
}

void PriceFetcher::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

PriceFetchStatus PriceFetcher::status() const {
  std::lock_guard lock(mutex_);
  return status_;
}

std::int64_t PriceFetcher::next_attempt() const {
  std::lock_guard lock(mutex_);
  return next_;
}

void PriceFetcher::fetch_once() {
  const std::int64_t now = clock_();
  const auto [from, until] = fetch_window(now);
  PriceFetchReport report;
  const Outcome fetched = fetch_prices(feed_, store_, from, until, report);

  // What is stored now decides whether tomorrow is covered, whatever this attempt brought.
  std::optional<std::int64_t> newest_end;
  std::vector<PriceSummary> summaries;
  if (store_.summaries(summaries)) {
    for (const PriceSummary& summary : summaries) {
      if (summary.market == market_ && summary.product == feed_.product() && summary.count > 0) {
        newest_end = summary.last_start + duration_of(summary.product);
      }
    }
  }
  const bool have_tomorrow = newest_end && *newest_end >= until;
  std::lock_guard lock(mutex_);
  status_.last_attempt = now;
  status_.newest_end = newest_end;
  if (fetched) {
    status_.last_success = now;
    status_.last_error.clear();
    status_.failures = 0;
    spdlog::info("prices: {} sent {} {} price(s) ({} changed){}", status_.source, report.received,
                 status_.product, report.changed,
                 report.first_start ? ", " + vienna_iso(*report.first_start) + " .. " +
                                          vienna_iso(*report.last_start)
                                    : "");
  } else {
    status_.last_error = fetched.error;
    ++status_.failures;
  }
  next_ = next_fetch_at(now, have_tomorrow, fetched ? 0 : status_.failures, schedule_);
  const std::int64_t publish_today = core::vienna_local_to_utc(
      core::vienna_local_day(now) * 86400 + std::int64_t{schedule_.publish_minute_of_day} * 60);
  if (!fetched || (!have_tomorrow && now >= publish_today)) {
    // Cost for intervals without a price stays incomplete until they come.
    spdlog::warn("prices: missing from {} ({}{}); cost after that is incomplete; next try {}",
                 newest_end ? vienna_iso(*newest_end) : vienna_iso(from),
                 fetched ? "not published yet by " + status_.source : fetched.error,
                 fetched ? "" : ", attempt " + std::to_string(status_.failures), vienna_iso(next_));
  }
}

void PriceFetcher::loop() {
  for (;;) {
    fetch_once();
    std::unique_lock lock(mutex_);
    // The wall clock decides (it may jump); wake at least once a minute to look at it.
    while (!stopping_ && clock_() < next_) {
      wake_.wait_for(lock, std::chrono::seconds(std::clamp<std::int64_t>(next_ - clock_(), 1, 60)));
    }
    if (stopping_) return;
  }
}

}  // namespace meter::app
