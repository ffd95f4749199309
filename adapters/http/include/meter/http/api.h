// SPDX-License-Identifier: MIT
// The REST API, /metrics and /healthz as pure request -> response functions, so that tests call
// them without a socket; HttpServer only routes HTTP requests here.
//
//   GET /api/status                     service: MQTT, database, journal, counters, diagnosis
//   GET /api/meters                     meters (live and stored) with their diagnosis
//   GET /api/meters/{id}/latest         newest reading of a meter, and today's energy
//   GET /api/meters/{id}/health         age of the last telegram, errors by cause, gaps
//   GET /api/meters/{id}/power          power in/out for charts (default: the last 24 h)
//   GET /api/meters/{id}/daily          energy in/out per day (default: the last 31 days)
//   GET /api/meters/{id}/peak           the month's highest quarter-hour of power import
//   GET /api/meters/{id}/statistics     quarter-hour or daily statistics as CSV (or JSON)
//   GET /api/telegrams                  the last telegrams per meter, decoded or why not (setup)
//   GET /api/meters/{id}/cost           cost per quarter-hour, local day or month (docs/cost.md)
//   GET /api/meters/{id}/cost/summary   cost today, yesterday, this and last month, estimate,
//                                       the import price now
//   GET /api/meters/{id}/prices         the import price of each quarter-hour of a local day
//   GET /api/meters/{id}/history        a day, week, month or year to browse (history.csv: CSV)
//   GET /api/meters/{id}/reconciliation our quarter-hours against the grid operator's
//                                       (docs/portal.md; default: the last 31 days per day)
//   GET /metrics                        Prometheus text format
//   GET /healthz                        200 when MQTT is connected and the database writable
//
// {id} is a system title (16 hex digits) or a meter number; a meter number that two or more
// system titles claim is answered 409 {"error", "meter_number", "meters": [titles]}. Days and
// months are Vienna local time (meter/core/civil_time.h). Errors are JSON {"error": "..."} with a
// 4xx/5xx status.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <utility>

#include "meter/app/cost_view.h"
#include "meter/app/energy_report.h"
#include "meter/app/history_query.h"
#include "meter/app/history_view.h"
#include "meter/app/live_state.h"
#include "meter/app/portal.h"
#include "meter/app/service_status.h"
#include "meter/app/statistics_store.h"
#include "meter/app/telegram_log.h"

namespace meter::http {

struct Response {
  Response() = default;
  Response(int status_code, std::string type, std::string text, std::string download = {})
      : status(status_code),
        content_type(std::move(type)),
        body(std::move(text)),
        attachment(std::move(download)) {}

  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::string attachment;  // a download's file name (Content-Disposition), none when empty
};

using Params = std::map<std::string, std::string>;
using Clock = std::function<std::int64_t()>;  // wall clock, epoch milliseconds

struct ApiSources {
  const app::LiveState* live = nullptr;
  std::function<app::ServiceStatus()> status;
  app::HistoryQuery* history = nullptr;  // optional: without it history endpoints are empty
  // Optional: daily energy and the monthly peak from the statistics tables where they have
  // rows; history fills in what they do not have yet (today, before the first update). Both
  // feed the energy report (meter/app/energy_report.h).
  app::StatisticsStore* statistics = nullptr;
  Clock now_ms;
  std::string version;
  // Optional: the last telegrams per meter for /api/telegrams (empty list without it) and the
  // local meter feed's average power.
  const app::TelegramLog* telegrams = nullptr;
  // The local meter feed (GET /v1/json on its own listener): the meter it answers for (system
  // title or meter number; empty: the only one) and the age beyond which a reading is not given.
  std::string local_feed_meter = {};
  std::int64_t local_feed_stale_ms = 30'000;
  // Optional: the operator's billed quarter-hours (portalQuarterHour) for the reconciliation;
  // without it (or without statistics) /reconciliation answers 503.
  app::PortalStore* portal = nullptr;
  // Optional: the cost endpoints (without it, they answer 404: no tariff file is configured).
  const app::CostView* cost = nullptr;
};

// Prometheus text exposition format (version 0.0.4) of the service and the meters.
std::string metrics_text(const app::ServiceStatus& status, const app::LiveSnapshot& live,
                         const std::string& version);

// /healthz: 200 {"status":"ok",...} or 503 {"status":"unhealthy","reasons":[...]}.
Response health_response(const app::ServiceStatus& status, const app::LiveSnapshot& live);

class Api {
 public:
  explicit Api(ApiSources sources);

  // Any GET path above; 404 JSON for others.
  Response get(const std::string& path, const Params& params);
  // GET /v1/json of the local meter feed (EverHome EcoTracker's local API, meter/app/local_feed.h):
  // 200 with the numbers, 503 {"error"} while there are none to give (local_feed.cpp).
  Response local_feed();

  static constexpr std::int64_t kMaxRangeS = 400LL * 86400;
  static constexpr std::int64_t kMaxPoints = 2000;
  static constexpr std::int64_t kCacheMs = 30'000;

 private:
  Response status();
  Response telegrams();  // setup_api.cpp
  Response meters();
  Response latest(const std::string& id);
  Response meter_health(const std::string& id);
  Response power(const std::string& id, const Params& params);
  Response daily(const std::string& id, const Params& params);
  Response peak(const std::string& id, const Params& params);
  Response statistics(const std::string& id, const Params& params);
  // cost_api.cpp
  Response cost(const std::string& id, const Params& params);
  Response cost_summary(const std::string& id);
  Response prices(const std::string& id, const Params& params);
  Response history(const std::string& id, const Params& params, bool csv);
  Response reconciliation(const std::string& id, const Params& params);
  // from/to (Vienna local days, both included; default: the last `days` up to today) into
  // first/last; a 400 response when one is no date or the range is not 1 to 400 days.
  std::optional<Response> day_range(const Params& params, std::int64_t days, std::int64_t& first,
                                    std::int64_t& last) const;
  // 409 listing the system titles when `id` is a meter number that several of them claim.
  std::optional<Response> claimed_by_several(const std::string& id);
  // Resolves a system title or meter number to the stored meter id; empty if unknown.
  std::string resolve(const std::string& id, const app::LiveSnapshot& live);
  // Cached for kCacheMs: the daily and peak answers read weeks of history.
  Response cached(const std::string& key, const std::function<Response()>& make);

  ApiSources sources_;
  app::EnergyReport report_;       // daily energy, today, the monthly peak, statistics rows
  app::HistoryView history_view_;  // the day, week, month and year views
  std::mutex cache_mutex_;
  std::map<std::string, std::pair<std::int64_t, Response>> cache_;
};

}  // namespace meter::http
