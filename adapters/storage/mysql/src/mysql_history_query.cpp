// SPDX-License-Identifier: MIT
#include "meter/storage/mysql_history_query.h"

#include <mysqld_error.h>

#include <type_traits>
#include <utility>

#include "mysql_connection.h"
#include "schema.h"

namespace meter::storage {
namespace {

using app::Outcome;
using mysql::bq;

constexpr mysql::Timeouts kTimeouts{.read_s = 10, .write_s = 10};

}  // namespace

MysqlHistoryQuery::MysqlHistoryQuery(MysqlSettings settings)
    : settings_(std::move(settings)), connection_(std::make_unique<mysql::Connection>()) {
  invalid_ =
      detail::check_identifier(settings_.schema, "SMARTMETER_DB_SCHEMA", detail::kMaxSchemaName);
  if (invalid_.empty()) {
    invalid_ =
        detail::check_identifier(settings_.table, "SMARTMETER_DB_TABLE", detail::kMaxTableName);
  }
  table_ref_ = bq(settings_.schema) + "." + bq(settings_.table);
}

MysqlHistoryQuery::~MysqlHistoryQuery() = default;

Outcome MysqlHistoryQuery::connect() {
  if (!invalid_.empty()) return Outcome::failure(invalid_);
  if (connection_->alive()) return Outcome::success();
  return connection_->open(settings_, kTimeouts);
}

// A schema or table that does not exist yet reads as empty; other failures close the
// connection, opened again by the next call.
template <typename OnRow>
Outcome MysqlHistoryQuery::select(const std::string& sql, OnRow&& on_row) {
  const std::string error = connection_->select(sql, on_row);
  if (error.empty()) return Outcome::success();
  const unsigned code = connection_->error_code();
  if (code == ER_NO_SUCH_TABLE || code == ER_BAD_DB_ERROR) return Outcome::success();
  connection_->close();
  return Outcome::failure("query: " + error);
}

Outcome MysqlHistoryQuery::meters(std::vector<app::MeterSummary>& out) {
  return detail::guarded("meters", [&] {
    std::lock_guard lock(mutex_);
    out.clear();
    if (auto connected = connect(); !connected) return connected;
    // Loose index scan on (meter, timestamp): one seek per meter.
    auto listed =
        select("SELECT meter, MIN(`timestamp`), MAX(`timestamp`) FROM " + table_ref_ +
                   " GROUP BY meter ORDER BY 3 DESC LIMIT " + std::to_string(detail::kMaxMeters),
               [&](const mysql::Row& row) {
                 if (row.text(0).empty()) return;
                 out.push_back({row.text(0), "", row.integer(1), row.integer(2)});
               });
    if (!listed) {
      out.clear();
      return listed;
    }
    for (auto& meter : out) {
      auto got = select("SELECT meter_number FROM " + table_ref_ + " WHERE meter = " +
                            connection_->quoted(meter.meter) + " ORDER BY `timestamp` DESC LIMIT 1",
                        [&](const mysql::Row& row) {
                          if (!row.null(0)) meter.meter_number = row.text(0);
                        });
      if (!got) return got;
    }
    return Outcome::success();
  });
}

// PowerPoint, CounterBucket and PhasePoint alike: bucket start, readings, the aggregates.
template <typename Bucket>
Outcome MysqlHistoryQuery::buckets(const char* what, const std::string& aggregates,
                                   const std::string& meter, std::int64_t from, std::int64_t to,
                                   std::int64_t step_s, std::vector<Bucket>& out) {
  return detail::guarded(what, [&] {
    std::lock_guard lock(mutex_);
    out.clear();
    if (step_s <= 0) return Outcome::failure("step must be positive");
    if (auto connected = connect(); !connected) return connected;
    const std::string step = std::to_string(step_s);
    auto got = select(
        "SELECT (`timestamp` DIV " + step + ") * " + step + " AS bucket, COUNT(*), " + aggregates +
            " FROM " + table_ref_ + " WHERE meter = " + connection_->quoted(meter) +
            " AND `timestamp` >= " + std::to_string(from) + " AND `timestamp` < " +
            std::to_string(to) + " GROUP BY bucket ORDER BY bucket",
        [&](const mysql::Row& r) {
          if constexpr (std::is_same_v<Bucket, app::PhasePoint>) {
            out.push_back({r.integer(0), r.integer(1), r.real(2), r.real(3), r.real(4), r.real(5),
                           r.real(6), r.real(7)});
          } else {
            out.push_back({r.integer(0), r.integer(1), r.real(2), r.real(3), r.real(4), r.real(5)});
          }
        });
    return got;
  });
}

Outcome MysqlHistoryQuery::power(const std::string& meter, std::int64_t from, std::int64_t to,
                                 std::int64_t step_s, std::vector<app::PowerPoint>& out) {
  return buckets("power", detail::kPowerAggregates, meter, from, to, step_s, out);
}

Outcome MysqlHistoryQuery::counters(const std::string& meter, std::int64_t from, std::int64_t to,
                                    std::int64_t step_s, std::vector<app::CounterBucket>& out) {
  return buckets("energy counters", detail::kCounterAggregates, meter, from, to, step_s, out);
}

Outcome MysqlHistoryQuery::phases(const std::string& meter, std::int64_t from, std::int64_t to,
                                  std::int64_t step_s, std::vector<app::PhasePoint>& out) {
  return buckets("phases", detail::kPhaseAggregates, meter, from, to, step_s, out);
}

std::string MysqlHistoryQuery::describe() const {
  return "mysql " + settings_.host + ":" + std::to_string(settings_.port) + "/" + settings_.schema +
         "." + settings_.table;
}

}  // namespace meter::storage
