// SPDX-License-Identifier: MIT
#include "meter/storage/sqlite_statistics_store.h"

#include "schema.h"
#include "sqlite_connection.h"
#include "stats_schema.h"

namespace meter::storage {
namespace {

using app::Outcome;
using detail::kStatsColumns;
using detail::StatsColumnKind;
using sqlite::q;
using sqlite::Statement;

// A 5 s busy timeout, so that it waits for the service's writer.
constexpr sqlite::OpenOptions kOpenOptions{.busy_timeout_ms = 5000, .create = true};

const char* sqlite_type(StatsColumnKind kind) {
  switch (kind) {
    case StatsColumnKind::kMeter:
    case StatsColumnKind::kLocalTime:
      return "TEXT NOT NULL";
    case StatsColumnKind::kTime:
    case StatsColumnKind::kCount:
    case StatsColumnKind::kFlag:
      return "INTEGER NOT NULL";
    case StatsColumnKind::kValue:
      return "REAL";
    case StatsColumnKind::kRatio:
      return "REAL NOT NULL";
  }
  return "";
}

std::string column_list() { return detail::identifier_list(detail::stats_column_names(), '"'); }

}  // namespace

SqliteStatisticsStore::SqliteStatisticsStore(std::filesystem::path file, std::string history_table)
    : file_(std::move(file)),
      history_table_(std::move(history_table)),
      tables_(app::stats_table_names(history_table_)),
      db_(std::make_unique<sqlite::Connection>()) {
  invalid_ = detail::check_identifier(history_table_, "SMARTMETER_DB_TABLE", detail::kMaxTableName);
}

SqliteStatisticsStore::~SqliteStatisticsStore() { close(); }

std::string SqliteStatisticsStore::describe() const {
  return "sqlite " + file_.string() + " (" + tables_.quarter_hour + ", " + tables_.daily + ")";
}

Outcome SqliteStatisticsStore::ready() {
  if (!invalid_.empty()) return Outcome::failure(invalid_);
  if (!db_->is_open()) {
    if (auto opened = db_->open(file_, kOpenOptions); !opened) return opened;
    schema_ready_ = false;
  }
  if (schema_ready_) return Outcome::success();
  for (const std::string& table : {tables_.quarter_hour, tables_.daily}) {
    std::string sql = "CREATE TABLE IF NOT EXISTS " + q(table) + " (";
    for (const auto& column : kStatsColumns) {
      sql += q(column.name) + " " + sqlite_type(column.kind) + ",";
    }
    sql += "PRIMARY KEY (\"meter\",\"intervalStart\"))";
    if (auto created = db_->exec(sql); !created) return created;
  }
  schema_ready_ = true;
  return Outcome::success();
}

Outcome SqliteStatisticsStore::open() {
  std::lock_guard lock(mutex_);
  return detail::guarded("open statistics", [&] { return ready(); });
}

Outcome SqliteStatisticsStore::meters(std::vector<std::string>& out) {
  std::lock_guard lock(mutex_);
  return detail::guarded("statistics meters", [&] {
    out.clear();
    if (auto ok = ready(); !ok) return ok;
    if (!db_->table_exists(history_table_)) return Outcome::success();
    // One index lookup per meter instead of a scan of all readings.
    Statement stmt =
        db_->prepare("SELECT MIN(\"meter\") FROM " + q(history_table_) + " WHERE \"meter\" > ?");
    if (!stmt) return db_->fail("meters");
    std::string after;
    for (;;) {
      stmt.bind(after);
      if (stmt.step() != SQLITE_ROW) return db_->fail("meters");
      if (stmt.null(0)) break;
      after = stmt.text(0);
      out.push_back(after);
      stmt.reset();
    }
    return Outcome::success();
  });
}

Outcome SqliteStatisticsStore::meters_since(std::int64_t after_id, std::vector<std::string>& out,
                                            std::vector<std::int64_t>& oldest,
                                            std::int64_t& newest_id) {
  std::lock_guard lock(mutex_);
  return detail::guarded("statistics changed meters", [&] {
    out.clear();
    oldest.clear();
    newest_id = after_id;
    if (auto ok = ready(); !ok) return ok;
    if (!db_->table_exists(history_table_)) return Outcome::success();
    Statement newest = db_->prepare("SELECT MAX(\"id\") FROM " + q(history_table_));
    if (!newest || newest.step() != SQLITE_ROW) return db_->fail("changed meters");
    if (newest.null(0) || newest.integer(0) <= after_id) return Outcome::success();
    newest_id = newest.integer(0);
    // A range of the primary key: only the rows added since.
    Statement stmt = db_->prepare("SELECT \"meter\", MIN(\"timestamp\") FROM " + q(history_table_) +
                                  " WHERE \"id\" > ? AND \"id\" <= ? GROUP BY \"meter\"");
    const bool read = stmt.bind(after_id).bind(newest_id).each([&](const Statement& row) {
      out.push_back(row.text(0));
      oldest.push_back(row.integer(1));
    });
    return read ? Outcome::success() : db_->fail("changed meters");
  });
}

Outcome SqliteStatisticsStore::reading_span(
    const std::string& meter, std::optional<std::pair<std::int64_t, std::int64_t>>& out) {
  std::lock_guard lock(mutex_);
  return detail::guarded("statistics reading span", [&] {
    out.reset();
    if (auto ok = ready(); !ok) return ok;
    if (!db_->table_exists(history_table_)) return Outcome::success();
    std::int64_t bounds[2] = {};
    const char* aggregates[2] = {"MIN", "MAX"};
    for (int i = 0; i < 2; ++i) {
      Statement stmt =
          db_->prepare(std::string("SELECT ") + aggregates[i] + "(\"timestamp\") FROM " +
                       q(history_table_) + " WHERE \"meter\"=?");
      if (!stmt.bind(meter).ok() || stmt.step() != SQLITE_ROW) return db_->fail("reading span");
      if (stmt.null(0)) return Outcome::success();
      bounds[i] = stmt.integer(0);
    }
    out.emplace(bounds[0], bounds[1]);
    return Outcome::success();
  });
}

Outcome SqliteStatisticsStore::readings(const std::string& meter, std::int64_t from,
                                        std::int64_t until, std::vector<app::Reading>& out) {
  std::lock_guard lock(mutex_);
  return detail::guarded("statistics readings", [&] {
    out.clear();
    if (auto ok = ready(); !ok) return ok;
    if (!db_->table_exists(history_table_)) return Outcome::success();
    Statement stmt = db_->prepare(
        "SELECT " + detail::identifier_list(detail::stats_reading_columns(), '"') + " FROM " +
        q(history_table_) +
        " WHERE \"meter\"=? AND \"timestamp\">=? AND \"timestamp\"<? ORDER BY \"timestamp\"");
    stmt.bind(meter).bind(detail::clamp_bound(from)).bind(detail::clamp_bound(until));
    using core::Quantity;
    const bool read = stmt.each([&](const Statement& row) {
      app::Reading& reading = out.emplace_back();
      reading.meter = meter;
      reading.timestamp = row.integer(0);
      int column = 1;
      for (const Quantity quantity : {Quantity::kEnergyImport, Quantity::kEnergyExport,
                                      Quantity::kPowerImport, Quantity::kPowerExport}) {
        reading.values[static_cast<std::size_t>(quantity)] = row.real(column++);
      }
    });
    return read ? Outcome::success() : db_->fail("readings");
  });
}

Outcome SqliteStatisticsStore::newest_row_start(const std::string& meter,
                                                app::StatsInterval interval,
                                                std::optional<std::int64_t>& out) {
  std::lock_guard lock(mutex_);
  return detail::guarded("statistics newest row", [&] {
    out.reset();
    if (auto ok = ready(); !ok) return ok;
    Statement stmt = db_->prepare("SELECT MAX(\"intervalStart\") FROM " + q(tables_.of(interval)) +
                                  " WHERE \"meter\"=?");
    if (!stmt.bind(meter).ok() || stmt.step() != SQLITE_ROW) return db_->fail("newest row");
    if (!stmt.null(0)) out = stmt.integer(0);
    return Outcome::success();
  });
}

Outcome SqliteStatisticsStore::upsert_interval(std::span<const app::StatsRow> rows,
                                               app::StatsInterval interval) {
  std::string placeholders;
  for (std::size_t i = 0; i < kStatsColumns.size(); ++i) placeholders += i ? ",?" : "?";
  Statement stmt = db_->prepare("INSERT OR REPLACE INTO " + q(tables_.of(interval)) + " (" +
                                column_list() + ") VALUES (" + placeholders + ")");
  if (!stmt) return db_->fail("upsert");
  for (const app::StatsRow& row : rows) {
    if (row.interval != interval) continue;
    stmt.bind(row.meter).bind(row.start).bind(row.end).bind(app::vienna_iso(row.start));
    for (const app::OptionalValue* value : detail::stats_values(row)) stmt.bind(*value);
    stmt.bind(std::int64_t{row.samples});
    stmt.bind(std::optional<double>(row.coverage));
    stmt.bind(std::int64_t{row.gap ? 1 : 0});
    stmt.bind(std::int64_t{row.complete ? 1 : 0});
    if (!stmt.ok() || stmt.step() != SQLITE_DONE) return db_->fail("upsert");
    stmt.reset();
  }
  return Outcome::success();
}

Outcome SqliteStatisticsStore::upsert(std::span<const app::StatsRow> rows) {
  std::lock_guard lock(mutex_);
  return detail::guarded("statistics upsert", [&] {
    if (auto ok = ready(); !ok) return ok;
    if (rows.empty()) return Outcome::success();
    return db_->transaction([&] {
      Outcome done = upsert_interval(rows, app::StatsInterval::kQuarterHour);
      if (done) done = upsert_interval(rows, app::StatsInterval::kDay);
      return done;
    });
  });
}

Outcome SqliteStatisticsStore::rows(const app::StatsQuery& query, std::vector<app::StatsRow>& out) {
  std::lock_guard lock(mutex_);
  return detail::guarded("statistics rows", [&] {
    out.clear();
    if (auto ok = ready(); !ok) return ok;
    Statement stmt =
        db_->prepare("SELECT " + column_list() + " FROM " + q(tables_.of(query.interval)) +
                     " WHERE (?='' OR \"meter\"=?) AND \"intervalStart\">=? AND "
                     "\"intervalStart\"<? ORDER BY \"meter\",\"intervalStart\"");
    stmt.bind(query.meter).bind(query.meter);
    stmt.bind(detail::clamp_bound(query.from)).bind(detail::clamp_bound(query.until));
    const bool read = stmt.each([&](const Statement& s) {
      app::StatsRow& row = out.emplace_back();
      row.interval = query.interval;
      row.meter = s.text(0);
      row.start = s.integer(1);
      row.end = s.integer(2);
      int column = static_cast<int>(detail::kStatsFirstValueColumn);
      for (app::OptionalValue* value : detail::stats_values(row)) *value = s.real(column++);
      row.samples = s.integer(column++);
      row.coverage = s.real(column++).value_or(0);
      row.gap = s.integer(column++) != 0;
      row.complete = s.integer(column++) != 0;
    });
    return read ? Outcome::success() : db_->fail("rows");
  });
}

void SqliteStatisticsStore::close() {
  std::lock_guard lock(mutex_);
  db_->close();
  schema_ready_ = false;
}

}  // namespace meter::storage
