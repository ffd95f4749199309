// SPDX-License-Identifier: MIT
#include "meter/storage/mysql_portal_store.h"

#include <ctime>

#include "mysql_connection.h"
#include "portal_schema.h"
#include "schema.h"
#include "stats_schema.h"

namespace meter::storage {
namespace {

using app::Outcome;
using mysql::bq;
using mysql::Row;

constexpr mysql::Timeouts kTimeouts{.read_s = 30, .write_s = 30};

std::vector<std::string> column_names() {
  return {detail::kPortalColumns.begin(), detail::kPortalColumns.end()};
}

}  // namespace

MysqlPortalStore::MysqlPortalStore(MysqlSettings settings)
    : settings_(std::move(settings)), connection_(std::make_unique<mysql::Connection>()) {
  invalid_ =
      detail::check_identifier(settings_.schema, "SMARTMETER_DB_SCHEMA", detail::kMaxSchemaName);
}

MysqlPortalStore::~MysqlPortalStore() { close(); }

std::string MysqlPortalStore::describe() const {
  return "mysql " + settings_.host + ":" + std::to_string(settings_.port) + "/" + settings_.schema +
         " (" + detail::kPortalTable + ")";
}

Outcome MysqlPortalStore::fail(const std::string& context) {
  Outcome failed = Outcome::failure(context + ": " + connection_->error());
  disconnect();
  return failed;
}

void MysqlPortalStore::disconnect() {
  connection_->close();
  schema_ready_ = false;
}

Outcome MysqlPortalStore::ready() {
  if (!invalid_.empty()) return Outcome::failure(invalid_);
  if (!connection_->alive()) {
    schema_ready_ = false;
    if (auto opened = connection_->open(settings_, kTimeouts); !opened) return opened;
  }
  if (schema_ready_) return Outcome::success();
  if (!connection_
           ->run("CREATE DATABASE IF NOT EXISTS " + bq(settings_.schema) +
                 " DEFAULT CHARACTER SET utf8mb4")
           .empty()) {
    return fail("query");
  }
  if (!connection_->use_schema(settings_.schema).empty()) return fail("use schema");
  if (!connection_
           ->run("CREATE TABLE IF NOT EXISTS " + bq(detail::kPortalTable) +
                 " (`meter` varchar(16) NOT NULL, `meteringPoint` varchar(33) NOT NULL, "
                 "`intervalStart` bigint NOT NULL, `consumption` double NULL, `gridDraw` double "
                 "NULL, `community` double NULL, `feedIn` double NULL, `source` varchar(512) NOT "
                 "NULL, `imported` bigint NOT NULL, PRIMARY KEY (`meter`,`intervalStart`)) "
                 "ENGINE=InnoDB DEFAULT CHARSET=utf8mb4")
           .empty()) {
    return fail("query");
  }
  schema_ready_ = true;
  return Outcome::success();
}

template <typename Body>
Outcome MysqlPortalStore::serialised(const char* operation, Body&& body) {
  std::lock_guard lock(mutex_);
  return detail::guarded(
      operation,
      [&] {
        if (auto ok = ready(); !ok) return ok;
        return body();
      },
      [&] { disconnect(); });
}

Outcome MysqlPortalStore::open() {
  return serialised("open portal table", [] { return Outcome::success(); });
}

std::string MysqlPortalStore::read(const app::PortalQuery& query,
                                   std::vector<app::PortalQuarterHour>& out) {
  std::string sql = "SELECT " + detail::identifier_list(column_names(), '`') + " FROM " +
                    bq(detail::kPortalTable) +
                    " WHERE `intervalStart`>=" + std::to_string(detail::clamp_bound(query.from)) +
                    " AND `intervalStart`<" + std::to_string(detail::clamp_bound(query.until));
  if (!query.meter.empty()) sql += " AND `meter`=" + connection_->quoted(query.meter);
  sql += " ORDER BY `meter`,`intervalStart`";
  return connection_->select(sql, [&](const Row& values) {
    app::PortalQuarterHour& row = out.emplace_back();
    row.meter = values.text(0);
    row.metering_point = values.text(1);
    row.start = values.integer(2);
    row.consumption_wh = values.real(3);
    row.grid_draw_wh = values.real(4);
    row.community_wh = values.real(5);
    row.feed_in_wh = values.real(6);
    row.source = values.text(7);
  });
}

Outcome MysqlPortalStore::store(std::span<const app::PortalQuarterHour> rows,
                                std::size_t& changed) {
  changed = 0;
  return serialised("portal store", [&] {
    if (rows.empty()) return Outcome::success();
    std::size_t written = 0;
    const std::string error = connection_->transaction([&] {
      std::vector<app::PortalQuarterHour> stored;
      for (const app::PortalQuery& query : detail::portal_queries_of(rows)) {
        if (auto failure = read(query, stored); !failure.empty()) return failure;
      }
      const auto writes = detail::portal_rows_to_write(stored, rows);
      const auto columns = column_names();
      mysql::Chunker chunks(*connection_, mysql::insert_head(bq(detail::kPortalTable), columns),
                            mysql::upsert_tail({columns.begin() + 1, columns.end()}));
      mysql::Values values(*connection_);
      const auto now = static_cast<std::int64_t>(std::time(nullptr));
      for (const app::PortalQuarterHour& row : writes) {
        values.text(row.meter).text(row.metering_point).number(row.start);
        values.number(row.consumption_wh).number(row.grid_draw_wh).number(row.community_wh);
        values.number(row.feed_in_wh).text(row.source).number(now);
        if (auto failure = chunks.add(values.take()); !failure.empty()) return failure;
      }
      written = writes.size();
      return chunks.flush();
    });
    if (error.empty()) {
      changed = written;
      return Outcome::success();
    }
    disconnect();
    return Outcome::failure("query: " + error);
  });
}

Outcome MysqlPortalStore::rows(const app::PortalQuery& query,
                               std::vector<app::PortalQuarterHour>& out) {
  out.clear();
  return serialised("portal rows", [&] {
    if (auto failure = read(query, out); !failure.empty()) {
      out.clear();
      return fail("portal rows");
    }
    return Outcome::success();
  });
}

Outcome MysqlPortalStore::metering_points(std::vector<app::MeteringPointOfMeter>& out) {
  out.clear();
  return serialised("portal metering points", [&] {
    const std::string failure =
        connection_->select("SELECT DISTINCT `meter`,`meteringPoint` FROM " +
                                bq(detail::kPortalTable) + " ORDER BY `meter`,`meteringPoint`",
                            [&](const Row& row) {
                              out.push_back({row.text(0), row.text(1)});
                            });
    return failure.empty() ? Outcome::success() : fail("portal metering points");
  });
}

void MysqlPortalStore::close() {
  std::lock_guard lock(mutex_);
  disconnect();
}

}  // namespace meter::storage
