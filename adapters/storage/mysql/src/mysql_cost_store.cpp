// SPDX-License-Identifier: MIT
#include "meter/storage/mysql_cost_store.h"

#include "cost_schema.h"
#include "meter/app/statistics.h"
#include "mysql_connection.h"
#include "schema.h"
#include "stats_schema.h"

namespace meter::storage {
namespace {

using app::Outcome;
using detail::CostColumnKind;
using detail::kCostColumns;
using mysql::bq;
using mysql::Row;

constexpr mysql::Timeouts kTimeouts{.read_s = 30, .write_s = 30};

const char* mysql_type(CostColumnKind kind) {
  switch (kind) {
    case CostColumnKind::kMeter:
      return "varchar(16) NOT NULL";
    case CostColumnKind::kLocalTime:
      return "varchar(32) NOT NULL";
    case CostColumnKind::kText:
      return "varchar(255) NOT NULL";
    case CostColumnKind::kTime:
      return "bigint NOT NULL";
    case CostColumnKind::kFlags:
      return "tinyint unsigned NOT NULL";
    case CostColumnKind::kValue:
      return "double NULL";
    case CostColumnKind::kMoney:
      return "double NOT NULL";
  }
  return "";
}

}  // namespace

MysqlCostStore::MysqlCostStore(MysqlSettings settings)
    : settings_(std::move(settings)),
      tables_(app::cost_table_names(settings_.table)),
      connection_(std::make_unique<mysql::Connection>()) {
  invalid_ =
      detail::check_identifier(settings_.table, "SMARTMETER_DB_TABLE", detail::kMaxTableName);
  if (invalid_.empty()) {
    invalid_ =
        detail::check_identifier(settings_.schema, "SMARTMETER_DB_SCHEMA", detail::kMaxSchemaName);
  }
}

MysqlCostStore::~MysqlCostStore() { close(); }

std::string MysqlCostStore::describe() const {
  return "mysql " + settings_.host + ":" + std::to_string(settings_.port) + "/" + settings_.schema +
         " (" + tables_.quarter_hour + ")";
}

Outcome MysqlCostStore::fail(const std::string& context) {
  Outcome failed = Outcome::failure(context + ": " + connection_->error());
  disconnect();
  return failed;
}

void MysqlCostStore::disconnect() {
  connection_->close();
  schema_ready_ = false;
}

Outcome MysqlCostStore::ensure_tables() {
  if (!connection_
           ->run("CREATE DATABASE IF NOT EXISTS " + bq(settings_.schema) +
                 " DEFAULT CHARACTER SET utf8mb4")
           .empty()) {
    return fail("query");
  }
  if (!connection_->use_schema(settings_.schema).empty()) return fail("use schema");
  std::string sql = "CREATE TABLE IF NOT EXISTS " + bq(tables_.quarter_hour) + " (";
  for (const auto& column : kCostColumns) {
    sql += bq(column.name) + " " + mysql_type(column.kind) + ",";
  }
  sql +=
      "PRIMARY KEY (`meter`,`intervalStart`),KEY `meter_day` (`meter`,`dayStart`),"
      "KEY `meter_month` (`meter`,`monthStart`)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4";
  if (!connection_->run(sql).empty()) return fail("query");
  const std::pair<const std::string*, const char*> views[] = {{&tables_.daily, "dayStart"},
                                                              {&tables_.monthly, "monthStart"}};
  for (const auto& [view, group] : views) {
    if (!connection_
             ->run("CREATE OR REPLACE VIEW " + bq(*view) + " AS " +
                   detail::cost_totals_select(tables_.quarter_hour, group, '`'))
             .empty()) {
      return fail("create view");
    }
  }
  return Outcome::success();
}

Outcome MysqlCostStore::ready() {
  if (!invalid_.empty()) return Outcome::failure(invalid_);
  if (!connection_->alive()) {
    schema_ready_ = false;
    if (auto opened = connection_->open(settings_, kTimeouts); !opened) return opened;
  }
  if (schema_ready_) return Outcome::success();
  if (auto ensured = ensure_tables(); !ensured) return ensured;
  schema_ready_ = true;
  return Outcome::success();
}

template <typename Body>
Outcome MysqlCostStore::serialised(const char* operation, Body&& body) {
  std::lock_guard lock(mutex_);
  return detail::guarded(
      operation,
      [&] {
        if (auto ok = ready(); !ok) return ok;
        return body();
      },
      [&] { disconnect(); });
}

template <typename OnRow>
Outcome MysqlCostStore::query(const char* context, const std::string& sql, OnRow&& on_row) {
  if (connection_->select(sql, on_row).empty()) return Outcome::success();
  return fail(context);
}

Outcome MysqlCostStore::open() {
  return serialised("open costs", [] { return Outcome::success(); });
}

Outcome MysqlCostStore::store(std::span<const app::StoredCost> rows) {
  return serialised("store costs", [&] {
    if (rows.empty()) return Outcome::success();
    const auto columns = detail::cost_column_names();
    const std::string error = connection_->transaction([&] {
      mysql::Chunker chunks(*connection_, mysql::insert_head(bq(tables_.quarter_hour), columns),
                            mysql::upsert_tail({columns.begin() + 2, columns.end()}));
      mysql::Values values(*connection_);
      for (const app::StoredCost& row : rows) {
        const app::CostQuarterHour& c = row.cost;
        values.text(c.meter).number(c.start).number(c.end).text(app::vienna_iso(c.start));
        values.number(app::cost_interval_start(app::CostInterval::kDay, c.start));
        values.number(app::cost_interval_start(app::CostInterval::kMonth, c.start));
        values.number(detail::storable(c.import_wh)).number(detail::storable(c.export_wh));
        values.number(detail::storable(c.spot_eur_per_mwh));
        for (const double money : detail::cost_money(c)) {
          values.number(std::optional<double>(detail::storable(money).value_or(0)));
        }
        values.number(std::int64_t{c.flags}).text(c.tariff).text(row.fingerprint);
        if (auto failure = chunks.add(values.take()); !failure.empty()) return failure;
      }
      return chunks.flush();
    });
    if (error.empty()) return Outcome::success();
    disconnect();
    return Outcome::failure("query: " + error);
  });
}

Outcome MysqlCostStore::quarter_hours(const std::string& meter, std::int64_t from,
                                      std::int64_t until, std::vector<app::StoredCost>& out) {
  out.clear();
  return serialised("cost quarter-hours", [&] {
    const std::string sql = "SELECT " + detail::identifier_list(detail::cost_column_names(), '`') +
                            " FROM " + bq(tables_.quarter_hour) +
                            " WHERE `meter`=" + connection_->quoted(meter) +
                            " AND `intervalStart`>=" + std::to_string(detail::clamp_bound(from)) +
                            " AND `intervalStart`<" + std::to_string(detail::clamp_bound(until)) +
                            " ORDER BY `intervalStart`";
    return query("cost quarter-hours", sql,
                 [&](const Row& s) { out.push_back(detail::read_stored_cost<std::size_t>(s)); });
  });
}

Outcome MysqlCostStore::totals(const app::CostQuery& query, std::vector<app::CostTotal>& out) {
  out.clear();
  return serialised("cost totals", [&] {
    std::string where = "`intervalStart`>=" + std::to_string(detail::clamp_bound(query.from)) +
                        " AND `intervalStart`<" + std::to_string(detail::clamp_bound(query.until));
    if (!query.meter.empty()) where += " AND `meter`=" + connection_->quoted(query.meter);
    const std::string sql =
        query.interval == app::CostInterval::kQuarterHour
            ? detail::cost_totals_select(tables_.quarter_hour, "intervalStart", '`', where)
            : "SELECT * FROM " + bq(detail::cost_source(tables_, query.interval)) + " WHERE " +
                  where;
    return this->query("cost totals", sql + " ORDER BY `meter`,`intervalStart`",
                       [&](const Row& row) {
                         out.push_back(detail::read_cost_total<std::size_t>(row, query.interval));
                       });
  });
}

Outcome MysqlCostStore::meters(std::vector<std::string>& out) {
  out.clear();
  return serialised("cost meters", [&] {
    return query("cost meters",
                 "SELECT DISTINCT `meter` FROM " + bq(tables_.quarter_hour) + " ORDER BY 1",
                 [&](const Row& row) { out.push_back(row.text(0)); });
  });
}

void MysqlCostStore::close() {
  std::lock_guard lock(mutex_);
  disconnect();
}

}  // namespace meter::storage
