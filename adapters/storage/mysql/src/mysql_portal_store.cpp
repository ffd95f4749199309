// SPDX-License-Identifier: MIT
#include "meter/storage/mysql_portal_store.h"

#include <ctime>

#include "mysql_connection.h"
#include "mysql_session.h"
#include "portal_schema.h"
#include "schema.h"
#include "stats_schema.h"

namespace meter::storage {
namespace {

using app::Outcome;
using mysql::bq;
using mysql::Row;

std::vector<std::string> column_names() {
  return {detail::kPortalColumns.begin(), detail::kPortalColumns.end()};
}

Outcome create_portal_table(mysql::Session& session) {
  if (!session.connection()
           .run("CREATE TABLE IF NOT EXISTS " + bq(detail::kPortalTable) +
                " (`meter` varchar(16) NOT NULL, `meteringPoint` varchar(33) NOT NULL, "
                "`intervalStart` bigint NOT NULL, `consumption` double NULL, `gridDraw` double "
                "NULL, `community` double NULL, `feedIn` double NULL, `source` varchar(512) NOT "
                "NULL, `imported` bigint NOT NULL, PRIMARY KEY (`meter`,`intervalStart`)) "
                "ENGINE=InnoDB DEFAULT CHARSET=utf8mb4")
           .empty()) {
    return session.fail("query");
  }
  return Outcome::success();
}

}  // namespace

MysqlPortalStore::MysqlPortalStore(MysqlSettings settings)
    : session_(std::make_unique<mysql::Session>(std::move(settings), mysql::Session::Names::kSchema,
                                                create_portal_table)) {}

MysqlPortalStore::~MysqlPortalStore() { close(); }

std::string MysqlPortalStore::describe() const { return session_->describe(detail::kPortalTable); }

Outcome MysqlPortalStore::open() {
  return session_->serialised("open portal table", [] { return Outcome::success(); });
}

std::string MysqlPortalStore::read(const app::PortalQuery& query,
                                   std::vector<app::PortalQuarterHour>& out) {
  mysql::Connection& connection = session_->connection();
  std::string sql = "SELECT " + detail::identifier_list(column_names(), '`') + " FROM " +
                    bq(detail::kPortalTable) +
                    " WHERE `intervalStart`>=" + std::to_string(detail::clamp_bound(query.from)) +
                    " AND `intervalStart`<" + std::to_string(detail::clamp_bound(query.until));
  if (!query.meter.empty()) sql += " AND `meter`=" + connection.quoted(query.meter);
  sql += " ORDER BY `meter`,`intervalStart`";
  return connection.select(sql, [&](const Row& values) {
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
  return session_->serialised("portal store", [&] {
    if (rows.empty()) return Outcome::success();
    std::size_t written = 0;
    Outcome done = session_->transaction("query", [&] {
      mysql::Connection& connection = session_->connection();
      std::vector<app::PortalQuarterHour> stored;
      for (const app::PortalQuery& query : detail::portal_queries_of(rows)) {
        if (auto failure = read(query, stored); !failure.empty()) return failure;
      }
      const auto writes = detail::portal_rows_to_write(stored, rows);
      const auto columns = column_names();
      mysql::Chunker chunks(connection, mysql::insert_head(bq(detail::kPortalTable), columns),
                            mysql::upsert_tail({columns.begin() + 1, columns.end()}));
      mysql::Values values(connection);
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
    if (done) changed = written;
    return done;
  });
}

Outcome MysqlPortalStore::rows(const app::PortalQuery& query,
                               std::vector<app::PortalQuarterHour>& out) {
  out.clear();
  return session_->serialised("portal rows", [&] {
    if (auto failure = read(query, out); !failure.empty()) {
      out.clear();
      return session_->fail("portal rows");
    }
    return Outcome::success();
  });
}

Outcome MysqlPortalStore::metering_points(std::vector<app::MeteringPointOfMeter>& out) {
  out.clear();
  return session_->serialised("portal metering points", [&] {
    return session_->query("portal metering points",
                           "SELECT DISTINCT `meter`,`meteringPoint` FROM " +
                               bq(detail::kPortalTable) + " ORDER BY `meter`,`meteringPoint`",
                           [&](const Row& row) {
                             out.push_back({row.text(0), row.text(1)});
                           });
  });
}

void MysqlPortalStore::close() { session_->close(); }

}  // namespace meter::storage
