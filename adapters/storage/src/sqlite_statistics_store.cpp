// SPDX-License-Identifier: MIT
#include "meter/storage/sqlite_statistics_store.h"

#include <sqlite3.h>

#include "schema.h"
#include "sqlite_open.h"
#include "stats_schema.h"

namespace meter::storage {
namespace {

using app::Outcome;
using detail::kStatsColumns;
using detail::StatsColumnKind;

constexpr int kBusyTimeoutMs = 5000;

std::string q(std::string_view identifier) { return "\"" + std::string(identifier) + "\""; }

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

std::string column_list() {
  std::string out;
  for (const auto& column : kStatsColumns) out += (out.empty() ? "" : ",") + q(column.name);
  return out;
}

// A prepared statement that finalises itself.
class Statement {
 public:
  Statement(sqlite3* db, const std::string& sql) {
    ok_ = sqlite3_prepare_v2(db, sql.c_str(), static_cast<int>(sql.size()), &stmt_, nullptr) ==
          SQLITE_OK;
  }
  ~Statement() { sqlite3_finalize(stmt_); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  explicit operator bool() const { return ok_; }
  sqlite3_stmt* get() const { return stmt_; }
  void bind(int index, std::int64_t value) { check(sqlite3_bind_int64(stmt_, index, value)); }
  void bind(int index, const std::string& value) {
    check(sqlite3_bind_text64(stmt_, index, value.data(), value.size(), SQLITE_TRANSIENT,
                              SQLITE_UTF8));
  }
  void bind(int index, const app::OptionalValue& value) {
    check(value ? sqlite3_bind_double(stmt_, index, *value) : sqlite3_bind_null(stmt_, index));
  }
  bool bound() const { return ok_; }
  int step() { return sqlite3_step(stmt_); }
  void reset() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
  std::int64_t integer(int column) const { return sqlite3_column_int64(stmt_, column); }
  bool null(int column) const { return sqlite3_column_type(stmt_, column) == SQLITE_NULL; }
  app::OptionalValue value(int column) const {
    if (null(column)) return std::nullopt;
    return sqlite3_column_double(stmt_, column);
  }
  std::string text(int column) const {
    const unsigned char* text = sqlite3_column_text(stmt_, column);
    return text == nullptr
               ? std::string()
               : std::string(reinterpret_cast<const char*>(text),
                             static_cast<std::size_t>(sqlite3_column_bytes(stmt_, column)));
  }

 private:
  void check(int rc) { ok_ = ok_ && rc == SQLITE_OK; }

  sqlite3_stmt* stmt_ = nullptr;
  bool ok_ = false;
};

}  // namespace

SqliteStatisticsStore::SqliteStatisticsStore(std::filesystem::path file, std::string history_table)
    : file_(std::move(file)),
      history_table_(std::move(history_table)),
      tables_(app::stats_table_names(history_table_)) {
  invalid_ = detail::check_identifier(history_table_, "SMARTMETER_DB_TABLE", detail::kMaxTableName);
}

SqliteStatisticsStore::~SqliteStatisticsStore() { close(); }

std::string SqliteStatisticsStore::describe() const {
  return "sqlite " + file_.string() + " (" + tables_.quarter_hour + ", " + tables_.daily + ")";
}

Outcome SqliteStatisticsStore::fail(const std::string& context) {
  return Outcome::failure(context + ": " + (db_ != nullptr ? sqlite3_errmsg(db_) : "no database"));
}

Outcome SqliteStatisticsStore::exec(const std::string& sql) {
  char* message = nullptr;
  if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &message) == SQLITE_OK) {
    return Outcome::success();
  }
  std::string text = message != nullptr ? message : "unknown error";
  sqlite3_free(message);
  return Outcome::failure(text);
}

Outcome SqliteStatisticsStore::ready() {
  if (!invalid_.empty()) return Outcome::failure(invalid_);
  if (db_ == nullptr) {
    if (detail::open_sqlite_private(file_, &db_) != SQLITE_OK) {
      Outcome failed = fail("cannot open " + file_.string());
      sqlite3_close_v2(db_);
      db_ = nullptr;
      return failed;
    }
    sqlite3_busy_timeout(db_, kBusyTimeoutMs);
    schema_ready_ = false;
  }
  if (schema_ready_) return Outcome::success();
  for (const std::string& table : {tables_.quarter_hour, tables_.daily}) {
    std::string sql = "CREATE TABLE IF NOT EXISTS " + q(table) + " (";
    for (const auto& column : kStatsColumns) {
      sql += q(column.name) + " " + sqlite_type(column.kind) + ",";
    }
    sql += "PRIMARY KEY (\"meter\",\"intervalStart\"))";
    if (auto created = exec(sql); !created) return created;
  }
  schema_ready_ = true;
  return Outcome::success();
}

Outcome SqliteStatisticsStore::open() {
  std::lock_guard lock(mutex_);
  return detail::guarded("open statistics", [&] { return ready(); });
}

bool SqliteStatisticsStore::history_exists() {
  Statement stmt(db_, "SELECT 1 FROM sqlite_master WHERE type='table' AND name=?");
  stmt.bind(1, history_table_);
  return stmt && stmt.bound() && stmt.step() == SQLITE_ROW;
}

Outcome SqliteStatisticsStore::meters(std::vector<std::string>& out) {
  std::lock_guard lock(mutex_);
  return detail::guarded("statistics meters", [&] {
    out.clear();
    if (auto ok = ready(); !ok) return ok;
    if (!history_exists()) return Outcome::success();
    // One index lookup per meter instead of a scan of all readings.
    Statement stmt(db_, "SELECT MIN(\"meter\") FROM " + q(history_table_) + " WHERE \"meter\" > ?");
    if (!stmt) return fail("meters");
    std::string after;
    for (;;) {
      stmt.bind(1, after);
      if (stmt.step() != SQLITE_ROW) return fail("meters");
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
    if (!history_exists()) return Outcome::success();
    Statement newest(db_, "SELECT MAX(\"id\") FROM " + q(history_table_));
    if (!newest || newest.step() != SQLITE_ROW) return fail("changed meters");
    if (newest.null(0) || newest.integer(0) <= after_id) return Outcome::success();
    newest_id = newest.integer(0);
    // A range of the primary key: only the rows added since.
    Statement stmt(db_, "SELECT \"meter\", MIN(\"timestamp\") FROM " + q(history_table_) +
                            " WHERE \"id\" > ? AND \"id\" <= ? GROUP BY \"meter\"");
    stmt.bind(1, after_id);
    stmt.bind(2, newest_id);
    if (!stmt || !stmt.bound()) return fail("changed meters");
    for (;;) {
      const int step = stmt.step();
      if (step == SQLITE_DONE) break;
      if (step != SQLITE_ROW) return fail("changed meters");
      out.push_back(stmt.text(0));
      oldest.push_back(stmt.integer(1));
    }
    return Outcome::success();
  });
}

Outcome SqliteStatisticsStore::reading_span(
    const std::string& meter, std::optional<std::pair<std::int64_t, std::int64_t>>& out) {
  std::lock_guard lock(mutex_);
  return detail::guarded("statistics reading span", [&] {
    out.reset();
    if (auto ok = ready(); !ok) return ok;
    if (!history_exists()) return Outcome::success();
    std::int64_t bounds[2] = {};
    const char* aggregates[2] = {"MIN", "MAX"};
    for (int i = 0; i < 2; ++i) {
      Statement stmt(db_, std::string("SELECT ") + aggregates[i] + "(\"timestamp\") FROM " +
                              q(history_table_) + " WHERE \"meter\"=?");
      stmt.bind(1, meter);
      if (!stmt || !stmt.bound() || stmt.step() != SQLITE_ROW) return fail("reading span");
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
    if (!history_exists()) return Outcome::success();
    Statement stmt(db_, "SELECT \"timestamp\",\"WIn\",\"WOut\",\"PIn\",\"POut\" FROM " +
                            q(history_table_) +
                            " WHERE \"meter\"=? AND \"timestamp\">=? AND \"timestamp\"<? "
                            "ORDER BY \"timestamp\"");
    stmt.bind(1, meter);
    stmt.bind(2, detail::clamp_bound(from));
    stmt.bind(3, detail::clamp_bound(until));
    if (!stmt || !stmt.bound()) return fail("readings");
    using core::Quantity;
    int rc = SQLITE_ROW;
    while ((rc = stmt.step()) == SQLITE_ROW) {
      app::Reading& reading = out.emplace_back();
      reading.meter = meter;
      reading.timestamp = stmt.integer(0);
      int column = 1;
      for (const Quantity quantity : {Quantity::kEnergyImport, Quantity::kEnergyExport,
                                      Quantity::kPowerImport, Quantity::kPowerExport}) {
        reading.values[static_cast<std::size_t>(quantity)] = stmt.value(column++);
      }
    }
    return rc == SQLITE_DONE ? Outcome::success() : fail("readings");
  });
}

Outcome SqliteStatisticsStore::newest_row_start(const std::string& meter,
                                                app::StatsInterval interval,
                                                std::optional<std::int64_t>& out) {
  std::lock_guard lock(mutex_);
  return detail::guarded("statistics newest row", [&] {
    out.reset();
    if (auto ok = ready(); !ok) return ok;
    Statement stmt(db_, "SELECT MAX(\"intervalStart\") FROM " + q(tables_.of(interval)) +
                            " WHERE \"meter\"=?");
    stmt.bind(1, meter);
    if (!stmt || !stmt.bound() || stmt.step() != SQLITE_ROW) return fail("newest row");
    if (!stmt.null(0)) out = stmt.integer(0);
    return Outcome::success();
  });
}

Outcome SqliteStatisticsStore::upsert(std::span<const app::StatsRow> rows) {
  std::lock_guard lock(mutex_);
  return detail::guarded(
      "statistics upsert",
      [&] {
        if (auto ok = ready(); !ok) return ok;
        if (rows.empty()) return Outcome::success();
        if (auto begun = exec("BEGIN IMMEDIATE"); !begun) return begun;
        for (const app::StatsInterval interval :
             {app::StatsInterval::kQuarterHour, app::StatsInterval::kDay}) {
          std::string placeholders;
          for (std::size_t i = 0; i < kStatsColumns.size(); ++i) placeholders += i ? ",?" : "?";
          Statement stmt(db_, "INSERT OR REPLACE INTO " + q(tables_.of(interval)) + " (" +
                                  column_list() + ") VALUES (" + placeholders + ")");
          if (!stmt) {
            Outcome failed = fail("upsert");
            (void)exec("ROLLBACK");
            return failed;
          }
          for (const app::StatsRow& row : rows) {
            if (row.interval != interval) continue;
            int index = 1;
            stmt.bind(index++, row.meter);
            stmt.bind(index++, row.start);
            stmt.bind(index++, row.end);
            stmt.bind(index++, app::vienna_iso(row.start));
            for (const app::OptionalValue* value : detail::stats_values(row)) {
              stmt.bind(index++, *value);
            }
            stmt.bind(index++, row.samples);
            stmt.bind(index++, app::OptionalValue(row.coverage));
            stmt.bind(index++, std::int64_t{row.gap ? 1 : 0});
            stmt.bind(index++, std::int64_t{row.complete ? 1 : 0});
            if (!stmt.bound() || stmt.step() != SQLITE_DONE) {
              Outcome failed = fail("upsert");
              (void)exec("ROLLBACK");
              return failed;
            }
            stmt.reset();
          }
        }
        return exec("COMMIT");
      },
      [&] { (void)exec("ROLLBACK"); });
}

Outcome SqliteStatisticsStore::rows(const app::StatsQuery& query, std::vector<app::StatsRow>& out) {
  std::lock_guard lock(mutex_);
  return detail::guarded("statistics rows", [&] {
    out.clear();
    if (auto ok = ready(); !ok) return ok;
    Statement stmt(db_, "SELECT " + column_list() + " FROM " + q(tables_.of(query.interval)) +
                            " WHERE (?='' OR \"meter\"=?) AND \"intervalStart\">=? AND "
                            "\"intervalStart\"<? ORDER BY \"meter\",\"intervalStart\"");
    stmt.bind(1, query.meter);
    stmt.bind(2, query.meter);
    stmt.bind(3, detail::clamp_bound(query.from));
    stmt.bind(4, detail::clamp_bound(query.until));
    if (!stmt || !stmt.bound()) return fail("rows");
    int rc = SQLITE_ROW;
    while ((rc = stmt.step()) == SQLITE_ROW) {
      app::StatsRow& row = out.emplace_back();
      row.interval = query.interval;
      row.meter = stmt.text(0);
      row.start = stmt.integer(1);
      row.end = stmt.integer(2);
      int column = static_cast<int>(detail::kStatsFirstValueColumn);
      for (app::OptionalValue* value : detail::stats_values(row)) *value = stmt.value(column++);
      row.samples = stmt.integer(column++);
      row.coverage = stmt.value(column++).value_or(0);
      row.gap = stmt.integer(column++) != 0;
      row.complete = stmt.integer(column++) != 0;
    }
    return rc == SQLITE_DONE ? Outcome::success() : fail("rows");
  });
}

void SqliteStatisticsStore::close() {
  std::lock_guard lock(mutex_);
  if (db_ != nullptr) sqlite3_close_v2(db_);
  db_ = nullptr;
  schema_ready_ = false;
}

}  // namespace meter::storage
