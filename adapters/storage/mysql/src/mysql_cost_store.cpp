// SPDX-License-Identifier: MIT
#include "meter/storage/mysql_cost_store.h"

#include "cost_schema.h"
#include "meter/app/statistics.h"
#include "mysql_connection.h"
#include "mysql_session.h"
#include "schema.h"
#include "stats_schema.h"

namespace meter::storage {
namespace {

using app::Outcome;
using detail::CostColumnKind;
using detail::kCostColumns;
using mysql::bq;
using mysql::Row;

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

Outcome create_cost_tables(mysql::Session& session, const app::CostTableNames& tables) {
  std::string sql = "CREATE TABLE IF NOT EXISTS " + bq(tables.quarter_hour) + " (";
  for (const auto& column : kCostColumns) {
    sql += bq(column.name) + " " + mysql_type(column.kind) + ",";
  }
  sql +=
      "PRIMARY KEY (`meter`,`intervalStart`),KEY `meter_day` (`meter`,`dayStart`),"
      "KEY `meter_month` (`meter`,`monthStart`)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4";
  if (!session.connection().run(sql).empty()) return session.fail("query");
  const std::pair<const std::string*, const char*> views[] = {{&tables.daily, "dayStart"},
                                                              {&tables.monthly, "monthStart"}};
  for (const auto& [view, group] : views) {
    if (!session.connection()
             .run("CREATE OR REPLACE VIEW " + bq(*view) + " AS " +
                  detail::cost_totals_select(tables.quarter_hour, group, '`'))
             .empty()) {
      return session.fail("create view");
    }
  }
  return Outcome::success();
}

}  // namespace

MysqlCostStore::MysqlCostStore(MysqlSettings settings)
    : tables_(app::cost_table_names(settings.table)),
      session_(std::make_unique<mysql::Session>(
          std::move(settings), mysql::Session::Names::kTableAndSchema,
          [this](mysql::Session& session) { return create_cost_tables(session, tables_); })) {}

MysqlCostStore::~MysqlCostStore() { close(); }

std::string MysqlCostStore::describe() const { return session_->describe(tables_.quarter_hour); }

Outcome MysqlCostStore::open() {
  return session_->serialised("open costs", [] { return Outcome::success(); });
}

Outcome MysqlCostStore::store(std::span<const app::StoredCost> rows) {
  return session_->serialised("store costs", [&] {
    if (rows.empty()) return Outcome::success();
    const auto columns = detail::cost_column_names();
    return session_->transaction("query", [&] {
      mysql::Chunker chunks(session_->connection(),
                            mysql::insert_head(bq(tables_.quarter_hour), columns),
                            mysql::upsert_tail({columns.begin() + 2, columns.end()}));
      mysql::Values values(session_->connection());
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
  });
}

Outcome MysqlCostStore::quarter_hours(const std::string& meter, std::int64_t from,
                                      std::int64_t until, std::vector<app::StoredCost>& out) {
  out.clear();
  return session_->serialised("cost quarter-hours", [&] {
    const std::string sql = "SELECT " + detail::identifier_list(detail::cost_column_names(), '`') +
                            " FROM " + bq(tables_.quarter_hour) +
                            " WHERE `meter`=" + session_->connection().quoted(meter) +
                            " AND `intervalStart`>=" + std::to_string(detail::clamp_bound(from)) +
                            " AND `intervalStart`<" + std::to_string(detail::clamp_bound(until)) +
                            " ORDER BY `intervalStart`";
    return session_->query("cost quarter-hours", sql, [&](const Row& s) {
      out.push_back(detail::read_stored_cost<std::size_t>(s));
    });
  });
}

Outcome MysqlCostStore::totals(const app::CostQuery& query, std::vector<app::CostTotal>& out) {
  out.clear();
  return session_->serialised("cost totals", [&] {
    std::string where = "`intervalStart`>=" + std::to_string(detail::clamp_bound(query.from)) +
                        " AND `intervalStart`<" + std::to_string(detail::clamp_bound(query.until));
    if (!query.meter.empty()) where += " AND `meter`=" + session_->connection().quoted(query.meter);
    const std::string sql =
        query.interval == app::CostInterval::kQuarterHour
            ? detail::cost_totals_select(tables_.quarter_hour, "intervalStart", '`', where)
            : "SELECT * FROM " + bq(detail::cost_source(tables_, query.interval)) + " WHERE " +
                  where;
    return session_->query(
        "cost totals", sql + " ORDER BY `meter`,`intervalStart`", [&](const Row& row) {
          out.push_back(detail::read_cost_total<std::size_t>(row, query.interval));
        });
  });
}

Outcome MysqlCostStore::meters(std::vector<std::string>& out) {
  out.clear();
  return session_->serialised("cost meters", [&] {
    return session_->query(
        "cost meters", "SELECT DISTINCT `meter` FROM " + bq(tables_.quarter_hour) + " ORDER BY 1",
        [&](const Row& row) { out.push_back(row.text(0)); });
  });
}

void MysqlCostStore::close() { session_->close(); }

}  // namespace meter::storage
