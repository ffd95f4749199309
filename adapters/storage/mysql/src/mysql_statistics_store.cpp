// SPDX-License-Identifier: MIT
#include "meter/storage/mysql_statistics_store.h"

#include "mysql_connection.h"
#include "mysql_session.h"
#include "schema.h"
#include "stats_schema.h"

namespace meter::storage {
namespace {

using app::Outcome;
using detail::kStatsColumns;
using detail::StatsColumnKind;
using mysql::bq;
using mysql::Row;

const char* mysql_type(StatsColumnKind kind) {
  switch (kind) {
    case StatsColumnKind::kMeter:
      return "varchar(16) NOT NULL";
    case StatsColumnKind::kLocalTime:
      return "varchar(32) NOT NULL";
    case StatsColumnKind::kTime:
      return "bigint NOT NULL";
    case StatsColumnKind::kCount:
      return "int NOT NULL";
    case StatsColumnKind::kFlag:
      return "tinyint NOT NULL";
    case StatsColumnKind::kValue:
      return "double NULL";
    case StatsColumnKind::kRatio:
      return "double NOT NULL";
  }
  return "";
}

Outcome create_statistics_tables(mysql::Session& session, const app::StatsTableNames& tables) {
  for (const std::string& table : {tables.quarter_hour, tables.daily}) {
    std::string sql = "CREATE TABLE IF NOT EXISTS " + bq(table) + " (";
    for (const auto& column : kStatsColumns) {
      sql += bq(column.name) + " " + mysql_type(column.kind) + ",";
    }
    sql += "PRIMARY KEY (`meter`,`intervalStart`)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4";
    if (!session.connection().run(sql).empty()) return session.fail("query");
  }
  return Outcome::success();
}

}  // namespace

MysqlStatisticsStore::MysqlStatisticsStore(MysqlSettings settings)
    : tables_(app::stats_table_names(settings.table)),
      session_(std::make_unique<mysql::Session>(
          std::move(settings), mysql::Session::Names::kTableAndSchema,
          [this](mysql::Session& session) { return create_statistics_tables(session, tables_); })) {
}

MysqlStatisticsStore::~MysqlStatisticsStore() { close(); }

std::string MysqlStatisticsStore::describe() const {
  return session_->describe(tables_.quarter_hour + ", " + tables_.daily);
}

Outcome MysqlStatisticsStore::open() {
  return session_->serialised("open statistics", [] { return Outcome::success(); });
}

Outcome MysqlStatisticsStore::history_exists(bool& exists) {
  exists = false;
  return session_->query(
      "history table",
      "SELECT 1 FROM information_schema.TABLES WHERE TABLE_SCHEMA=" +
          session_->connection().quoted(session_->settings().schema) +
          " AND TABLE_NAME=" + session_->connection().quoted(session_->settings().table),
      [&](const Row&) { exists = true; });
}

Outcome MysqlStatisticsStore::meters(std::vector<std::string>& out) {
  out.clear();
  return session_->serialised("statistics meters", [&] {
    bool exists = false;
    if (auto checked = history_exists(exists); !checked || !exists) return checked;
    // One index lookup per meter instead of a scan of all readings.
    for (std::string after;;) {
      std::optional<std::string> next;
      if (auto read =
              session_->query("meters",
                              "SELECT MIN(`meter`) FROM " + bq(session_->settings().table) +
                                  " WHERE `meter` > " + session_->connection().quoted(after),
                              [&](const Row& row) {
                                if (!row.null(0)) next = row.text(0);
                              });
          !read) {
        return read;
      }
      if (!next) break;
      after = *next;
      out.push_back(after);
    }
    return Outcome::success();
  });
}

Outcome MysqlStatisticsStore::meters_since(std::int64_t after_id, std::vector<std::string>& out,
                                           std::vector<std::int64_t>& oldest,
                                           std::int64_t& newest_id) {
  out.clear();
  oldest.clear();
  newest_id = after_id;
  return session_->serialised("statistics changed meters", [&] {
    bool exists = false;
    if (auto checked = history_exists(exists); !checked || !exists) return checked;
    std::optional<std::int64_t> newest;
    if (auto read = session_->query("changed meters",
                                    "SELECT MAX(`id`) FROM " + bq(session_->settings().table),
                                    [&](const Row& row) { newest = row.optional_integer(0); });
        !read) {
      return read;
    }
    if (!newest || *newest <= after_id) return Outcome::success();
    newest_id = *newest;
    // A range of the primary key: only the rows added since.
    return session_->query("changed meters",
                           "SELECT `meter`, MIN(`timestamp`) FROM " +
                               bq(session_->settings().table) + " WHERE `id` > " +
                               std::to_string(after_id) +
                               " AND `id` <= " + std::to_string(newest_id) + " GROUP BY `meter`",
                           [&](const Row& row) {
                             if (row.null(0) || row.null(1)) return;
                             out.push_back(row.text(0));
                             oldest.push_back(row.integer(1));
                           });
  });
}

Outcome MysqlStatisticsStore::reading_span(
    const std::string& meter, std::optional<std::pair<std::int64_t, std::int64_t>>& out) {
  out.reset();
  return session_->serialised("statistics reading span", [&] {
    bool exists = false;
    if (auto checked = history_exists(exists); !checked || !exists) return checked;
    return session_->query("reading span",
                           "SELECT MIN(`timestamp`), MAX(`timestamp`) FROM " +
                               bq(session_->settings().table) +
                               " WHERE `meter`=" + session_->connection().quoted(meter),
                           [&](const Row& row) {
                             const auto low = row.optional_integer(0);
                             const auto high = row.optional_integer(1);
                             if (low && high) out.emplace(*low, *high);
                           });
  });
}

Outcome MysqlStatisticsStore::readings(const std::string& meter, std::int64_t from,
                                       std::int64_t until, std::vector<app::Reading>& out) {
  out.clear();
  return session_->serialised("statistics readings", [&] {
    bool exists = false;
    if (auto checked = history_exists(exists); !checked || !exists) return checked;
    using core::Quantity;
    const std::string sql =
        "SELECT " + detail::identifier_list(detail::stats_reading_columns(), '`') + " FROM " +
        bq(session_->settings().table) + " WHERE `meter`=" + session_->connection().quoted(meter) +
        " AND `timestamp`>=" + std::to_string(std::max<std::int64_t>(0, from)) +
        " AND `timestamp`<" + std::to_string(detail::clamp_bound(until)) + " ORDER BY `timestamp`";
    return session_->query("readings", sql, [&](const Row& row) {
      app::Reading& reading = out.emplace_back();
      reading.meter = meter;
      reading.timestamp = row.integer(0);
      std::size_t column = 1;
      for (const Quantity quantity : {Quantity::kEnergyImport, Quantity::kEnergyExport,
                                      Quantity::kPowerImport, Quantity::kPowerExport}) {
        reading.values[static_cast<std::size_t>(quantity)] = row.real(column++);
      }
    });
  });
}

Outcome MysqlStatisticsStore::newest_row_start(const std::string& meter,
                                               app::StatsInterval interval,
                                               std::optional<std::int64_t>& out) {
  out.reset();
  return session_->serialised("statistics newest row", [&] {
    return session_->query("newest row",
                           "SELECT MAX(`intervalStart`) FROM " + bq(tables_.of(interval)) +
                               " WHERE `meter`=" + session_->connection().quoted(meter),
                           [&](const Row& row) { out = row.optional_integer(0); });
  });
}

std::string MysqlStatisticsStore::upsert_interval(std::span<const app::StatsRow> rows,
                                                  app::StatsInterval interval) {
  const auto columns = detail::stats_column_names();
  // Everything but the key (meter, intervalStart) is overwritten.
  mysql::Chunker chunks(session_->connection(),
                        mysql::insert_head(bq(tables_.of(interval)), columns),
                        mysql::upsert_tail({columns.begin() + 2, columns.end()}));
  mysql::Values values(session_->connection());
  for (const app::StatsRow& row : rows) {
    if (row.interval != interval) continue;
    values.text(row.meter).number(row.start).number(row.end).text(app::vienna_iso(row.start));
    for (const app::OptionalValue* value : detail::stats_values(row)) values.number(*value);
    values.number(std::int64_t{row.samples}).number(std::optional<double>(row.coverage));
    values.number(std::int64_t{row.gap ? 1 : 0}).number(std::int64_t{row.complete ? 1 : 0});
    if (auto error = chunks.add(values.take()); !error.empty()) return error;
  }
  return chunks.flush();
}

Outcome MysqlStatisticsStore::upsert(std::span<const app::StatsRow> rows) {
  return session_->serialised("statistics upsert", [&] {
    if (rows.empty()) return Outcome::success();
    return session_->transaction("query", [&] {
      std::string failure = upsert_interval(rows, app::StatsInterval::kQuarterHour);
      if (failure.empty()) failure = upsert_interval(rows, app::StatsInterval::kDay);
      return failure;
    });
  });
}

Outcome MysqlStatisticsStore::rows(const app::StatsQuery& query, std::vector<app::StatsRow>& out) {
  out.clear();
  return session_->serialised("statistics rows", [&] {
    std::string sql = "SELECT " + detail::identifier_list(detail::stats_column_names(), '`') +
                      " FROM " + bq(tables_.of(query.interval)) +
                      " WHERE `intervalStart`>=" + std::to_string(detail::clamp_bound(query.from)) +
                      " AND `intervalStart`<" + std::to_string(detail::clamp_bound(query.until));
    if (!query.meter.empty()) sql += " AND `meter`=" + session_->connection().quoted(query.meter);
    sql += " ORDER BY `meter`,`intervalStart`";
    return session_->query("rows", sql, [&](const Row& values) {
      app::StatsRow& row = out.emplace_back();
      row.interval = query.interval;
      row.meter = values.text(0);
      row.start = values.integer(1);
      row.end = values.integer(2);
      std::size_t column = detail::kStatsFirstValueColumn;
      for (app::OptionalValue* value : detail::stats_values(row)) *value = values.real(column++);
      row.samples = values.integer(column++);
      row.coverage = values.real(column++).value_or(0);
      row.gap = values.integer(column++) != 0;
      row.complete = values.integer(column++) != 0;
    });
  });
}

void MysqlStatisticsStore::close() { session_->close(); }

}  // namespace meter::storage
