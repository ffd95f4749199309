// SPDX-License-Identifier: MIT
// Fetching day-ahead prices from a source on the network (the PriceFeed port; aWATTar and
// smartENERGY in adapters/prices) into the PriceStore, once at the service's start and once a
// day when the next day's prices are out (the exchange publishes them around 12:45 local time;
// the suppliers' APIs follow within the hour), with retries that back off. The fetcher runs on
// a thread of its own: a source that is down or slow never holds up the readings.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "meter/app/ports.h"
#include "meter/app/prices.h"

namespace meter::app {

// A source of prices. No vendor types.
class PriceFeed {
 public:
  virtual ~PriceFeed() = default;
  // The prices the source has for intervals starting in [from, until) (UTC seconds); fewer than
  // asked for is no failure (tomorrow's are not out yet).
  virtual Outcome fetch(std::int64_t from, std::int64_t until, std::vector<PricePoint>& out) = 0;
  virtual PriceProduct product() const = 0;
  virtual std::string describe() const = 0;  // "aWATTar https://api.awattar.at"
};

// What one fetch did.
struct PriceFetchReport {
  std::size_t received = 0;
  std::size_t changed = 0;
  std::optional<std::int64_t> first_start;
  std::optional<std::int64_t> last_start;
};

// Fetches [from, until) from `feed` and stores what came in one store call.
Outcome fetch_prices(PriceFeed& feed, PriceStore& store, std::int64_t from, std::int64_t until,
                     PriceFetchReport& report);

// The local days a fetch asks for at `now`: today and tomorrow (Vienna), as [from, until).
std::pair<std::int64_t, std::int64_t> fetch_window(std::int64_t now);

struct PriceSchedule {
  int publish_minute_of_day = 14 * 60;  // local time from which tomorrow's prices are expected
  std::int64_t first_retry_seconds = 60;
  std::int64_t max_retry_seconds = 3600;
};

// When to try next (UTC seconds), after an attempt at `now`: with tomorrow's prices stored
// (`have_tomorrow`), at the publish time of the day after; without them before the publish time,
// at the publish time; else (failed, or published late) after `failures` retries' backoff.
std::int64_t next_fetch_at(std::int64_t now, bool have_tomorrow, int failures,
                           const PriceSchedule& schedule);

// What /api/status and /metrics show of the fetching.
struct PriceFetchStatus {
  std::string source;  // "" without a configured source
  std::string product;
  std::int64_t last_attempt = 0;  // UTC seconds, 0: none yet
  std::int64_t last_success = 0;
  std::string last_error;                  // empty after a success
  std::optional<std::int64_t> newest_end;  // end of the newest stored interval
  int failures = 0;                        // in a row
};

class PriceFetcher {
 public:
  using Clock = std::function<std::int64_t()>;  // UTC seconds
  PriceFetcher(PriceFeed& feed, PriceStore& store, std::string market, PriceSchedule schedule,
               Clock clock);
  ~PriceFetcher();
  PriceFetcher(const PriceFetcher&) = delete;
  PriceFetcher& operator=(const PriceFetcher&) = delete;

  void start();  // fetches now, then on the schedule, on its own thread
  void stop();   // wakes and joins the thread (an HTTP request under way ends by its timeout)
  // One attempt now (the thread's step; tests call it directly): fetch, store, log.
  void fetch_once();
  PriceFetchStatus status() const;
  std::int64_t next_attempt() const;

 private:
  void loop();

  PriceFeed& feed_;
  PriceStore& store_;
  std::string market_;
  PriceSchedule schedule_;
  Clock clock_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  PriceFetchStatus status_;
  std::int64_t next_ = 0;
  std::thread thread_;
};

}  // namespace meter::app
