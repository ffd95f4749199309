// SPDX-License-Identifier: MIT
#include "meter/storage/sqlite_history_query.h"

#include <algorithm>
#include <type_traits>
#include <utility>

#include "schema.h"
#include "sqlite_connection.h"

namespace meter::storage {
namespace {

using app::Outcome;
using sqlite::q;
using sqlite::Statement;

constexpr sqlite::OpenOptions kOpenOptions{
    .busy_timeout_ms = 2000, .create = false, .create_directory = false, .query_only = true};

// Readings of one meter in [from, to), grouped into aligned buckets of `?1` seconds.
std::string bucket_sql(const std::string& table, const std::string& aggregates) {
  return "SELECT (\"timestamp\" / ?1) * ?1 AS bucket, COUNT(*), " + aggregates + " FROM " +
         q(table) + " WHERE meter = ?2 AND \"timestamp\" >= ?3 AND \"timestamp\" < ?4 " +
         "GROUP BY bucket ORDER BY bucket";
}

}  // namespace

SqliteHistoryQuery::SqliteHistoryQuery(std::filesystem::path file, std::string table)
    : file_(std::move(file)),
      table_(std::move(table)),
      db_(std::make_unique<sqlite::Connection>()) {
  invalid_ = detail::check_identifier(table_, "SMARTMETER_DB_TABLE", detail::kMaxTableName);
}

SqliteHistoryQuery::~SqliteHistoryQuery() = default;

Outcome SqliteHistoryQuery::fail(const std::string& context) {
  Outcome failed = db_->fail(context);
  db_->close();
  return failed;
}

Outcome SqliteHistoryQuery::open(bool& ready) {
  ready = false;
  if (!invalid_.empty()) return Outcome::failure(invalid_);
  if (!db_->is_open()) {
    std::error_code error;
    if (file_ != ":memory:" && !std::filesystem::exists(file_, error)) return Outcome::success();
    if (auto opened = db_->open(file_, kOpenOptions); !opened) return opened;
  }
  Statement check = db_->prepare("SELECT 1 FROM sqlite_master WHERE type='table' AND name=?1");
  if (!check.bind(table_).each([&](const Statement&) { ready = true; })) {
    return fail("reading the table list");
  }
  return Outcome::success();
}

Outcome SqliteHistoryQuery::meters(std::vector<app::MeterSummary>& out) {
  return detail::guarded("meters", [&] {
    std::lock_guard lock(mutex_);
    out.clear();
    bool ready = false;
    if (auto opened = open(ready); !opened || !ready) return opened;
    // One index seek per meter instead of a scan of the whole table.
    const std::string t = q(table_);
    std::string after;
    while (out.size() < detail::kMaxMeters) {
      std::optional<std::string> next;
      Statement find =
          db_->prepare("SELECT meter FROM " + t + " WHERE meter > ?1 ORDER BY meter LIMIT 1");
      if (!find.bind(after).each([&](const Statement& s) { next = s.text(0); })) {
        return fail("listing meters");
      }
      if (!next) break;
      app::MeterSummary meter{*next, "", 0, 0};
      // Two subqueries: each is one seek on (meter, timestamp); MIN and MAX in one SELECT
      // would walk all of the meter's index entries (seconds for a year of readings).
      Statement range = db_->prepare("SELECT (SELECT MIN(\"timestamp\") FROM " + t +
                                     " WHERE meter = ?1), (SELECT MAX(\"timestamp\") FROM " + t +
                                     " WHERE meter = ?1)");
      Statement number = db_->prepare("SELECT meter_number FROM " + t +
                                      " WHERE meter = ?1 ORDER BY \"timestamp\" DESC LIMIT 1");
      const bool ok = range.bind(*next).each([&](const Statement& s) {
        meter.first_timestamp = s.integer(0);
        meter.last_timestamp = s.integer(1);
      }) && number.bind(*next).each([&](const Statement& s) { meter.meter_number = s.text(0); });
      if (!ok) return fail("reading meter " + *next);
      out.push_back(std::move(meter));
      after = *next;
    }
    std::stable_sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
      return a.last_timestamp > b.last_timestamp;
    });
    return Outcome::success();
  });
}

// PowerPoint, CounterBucket and PhasePoint alike: bucket start, readings, the aggregates.
template <typename Bucket>
Outcome SqliteHistoryQuery::buckets(const char* what, const std::string& aggregates,
                                    const std::string& meter, std::int64_t from, std::int64_t to,
                                    std::int64_t step_s, std::vector<Bucket>& out) {
  return detail::guarded(what, [&] {
    std::lock_guard lock(mutex_);
    out.clear();
    if (step_s <= 0) return Outcome::failure("step must be positive");
    bool ready = false;
    if (auto opened = open(ready); !opened || !ready) return opened;
    Statement query = db_->prepare(bucket_sql(table_, aggregates));
    const bool ok =
        query.bind(step_s).bind(meter).bind(from).bind(to).each([&](const Statement& s) {
          if constexpr (std::is_same_v<Bucket, app::PhasePoint>) {
            out.push_back({s.integer(0), s.integer(1), s.real(2), s.real(3), s.real(4), s.real(5),
                           s.real(6), s.real(7)});
          } else {
            out.push_back({s.integer(0), s.integer(1), s.real(2), s.real(3), s.real(4), s.real(5)});
          }
        });
    return ok ? Outcome::success() : fail(std::string("reading ") + what);
  });
}

Outcome SqliteHistoryQuery::power(const std::string& meter, std::int64_t from, std::int64_t to,
                                  std::int64_t step_s, std::vector<app::PowerPoint>& out) {
  return buckets("power", detail::kPowerAggregates, meter, from, to, step_s, out);
}

Outcome SqliteHistoryQuery::counters(const std::string& meter, std::int64_t from, std::int64_t to,
                                     std::int64_t step_s, std::vector<app::CounterBucket>& out) {
  return buckets("energy counters", detail::kCounterAggregates, meter, from, to, step_s, out);
}

Outcome SqliteHistoryQuery::phases(const std::string& meter, std::int64_t from, std::int64_t to,
                                   std::int64_t step_s, std::vector<app::PhasePoint>& out) {
  return buckets("phases", detail::kPhaseAggregates, meter, from, to, step_s, out);
}

std::string SqliteHistoryQuery::describe() const { return "sqlite " + file_.string(); }

}  // namespace meter::storage
