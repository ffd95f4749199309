// SPDX-License-Identifier: MIT
#include "meter/storage/sqlite_cost_store.h"

#include "cost_schema.h"
#include "meter/app/statistics.h"
#include "schema.h"
#include "sqlite_connection.h"
#include "stats_schema.h"

namespace meter::storage {
namespace {

using app::Outcome;
using detail::CostColumnKind;
using detail::kCostColumns;
using sqlite::q;
using sqlite::Statement;

constexpr sqlite::OpenOptions kOpenOptions{.busy_timeout_ms = 5000, .create = true};

const char* sqlite_type(CostColumnKind kind) {
  switch (kind) {
    case CostColumnKind::kMeter:
    case CostColumnKind::kLocalTime:
    case CostColumnKind::kText:
      return "TEXT NOT NULL";
    case CostColumnKind::kTime:
    case CostColumnKind::kFlags:
      return "INTEGER NOT NULL";
    case CostColumnKind::kValue:
      return "REAL";
    case CostColumnKind::kMoney:
      return "REAL NOT NULL";
  }
  return "";
}

}  // namespace

SqliteCostStore::SqliteCostStore(std::filesystem::path file, const std::string& history_table)
    : file_(std::move(file)),
      tables_(app::cost_table_names(history_table)),
      db_(std::make_unique<sqlite::Connection>()) {
  invalid_ = detail::check_identifier(history_table, "SMARTMETER_DB_TABLE", detail::kMaxTableName);
}

SqliteCostStore::~SqliteCostStore() { close(); }

std::string SqliteCostStore::describe() const {
  return "sqlite " + file_.string() + " (" + tables_.quarter_hour + ")";
}

Outcome SqliteCostStore::ready() {
  if (!invalid_.empty()) return Outcome::failure(invalid_);
  if (!db_->is_open()) {
    if (auto opened = db_->open(file_, kOpenOptions); !opened) return opened;
    schema_ready_ = false;
  }
  if (schema_ready_) return Outcome::success();
  std::string sql = "CREATE TABLE IF NOT EXISTS " + q(tables_.quarter_hour) + " (";
  for (const auto& column : kCostColumns) {
    sql += q(column.name) + " " + sqlite_type(column.kind) + ",";
  }
  sql += "PRIMARY KEY (\"meter\",\"intervalStart\"));";
  for (const char* group : {"dayStart", "monthStart"}) {
    sql += "CREATE INDEX IF NOT EXISTS " + q(tables_.quarter_hour + "_" + group) + " ON " +
           q(tables_.quarter_hour) + " (\"meter\"," + q(group) + ");";
  }
  // The views are made anew, so that a newer definition replaces an older one.
  const std::pair<const std::string*, const char*> views[] = {{&tables_.daily, "dayStart"},
                                                              {&tables_.monthly, "monthStart"}};
  for (const auto& [view, group] : views) {
    sql += "DROP VIEW IF EXISTS " + q(*view) + ";CREATE VIEW " + q(*view) + " AS " +
           detail::cost_totals_select(tables_.quarter_hour, group, '"') + ";";
  }
  if (auto created = db_->transaction([&] { return db_->exec(sql); }); !created) return created;
  schema_ready_ = true;
  return Outcome::success();
}

Outcome SqliteCostStore::open() {
  std::lock_guard lock(mutex_);
  return detail::guarded("open costs", [&] { return ready(); });
}

Outcome SqliteCostStore::store(std::span<const app::StoredCost> rows) {
  std::lock_guard lock(mutex_);
  return detail::guarded("store costs", [&] {
    if (auto ok = ready(); !ok) return ok;
    if (rows.empty()) return Outcome::success();
    std::string placeholders;
    for (std::size_t i = 0; i < kCostColumns.size(); ++i) placeholders += i ? ",?" : "?";
    return db_->transaction([&] {
      Statement stmt = db_->prepare("INSERT OR REPLACE INTO " + q(tables_.quarter_hour) + " (" +
                                    detail::identifier_list(detail::cost_column_names(), '"') +
                                    ") VALUES (" + placeholders + ")");
      if (!stmt) return db_->fail("store costs");
      for (const app::StoredCost& row : rows) {
        const app::CostQuarterHour& c = row.cost;
        stmt.bind(c.meter).bind(c.start).bind(c.end).bind(app::vienna_iso(c.start));
        stmt.bind(app::cost_interval_start(app::CostInterval::kDay, c.start));
        stmt.bind(app::cost_interval_start(app::CostInterval::kMonth, c.start));
        stmt.bind(detail::storable(c.import_wh)).bind(detail::storable(c.export_wh));
        stmt.bind(detail::storable(c.spot_eur_per_mwh));
        for (const double money : detail::cost_money(c)) {
          stmt.bind(std::optional<double>(detail::storable(money).value_or(0)));
        }
        stmt.bind(std::int64_t{c.flags}).bind(c.tariff).bind(row.fingerprint);
        if (!stmt.ok() || stmt.step() != SQLITE_DONE) return db_->fail("store costs");
        stmt.reset();
      }
      return Outcome::success();
    });
  });
}

Outcome SqliteCostStore::quarter_hours(const std::string& meter, std::int64_t from,
                                       std::int64_t until, std::vector<app::StoredCost>& out) {
  std::lock_guard lock(mutex_);
  return detail::guarded("cost quarter-hours", [&] {
    out.clear();
    if (auto ok = ready(); !ok) return ok;
    Statement stmt =
        db_->prepare("SELECT " + detail::identifier_list(detail::cost_column_names(), '"') +
                     " FROM " + q(tables_.quarter_hour) +
                     " WHERE \"meter\"=? AND \"intervalStart\">=? AND \"intervalStart\"<? "
                     "ORDER BY \"intervalStart\"");
    stmt.bind(meter).bind(detail::clamp_bound(from)).bind(detail::clamp_bound(until));
    const bool read =
        stmt.each([&](const Statement& s) { out.push_back(detail::read_stored_cost<int>(s)); });
    return read ? Outcome::success() : db_->fail("cost quarter-hours");
  });
}

Outcome SqliteCostStore::totals(const app::CostQuery& query, std::vector<app::CostTotal>& out) {
  std::lock_guard lock(mutex_);
  return detail::guarded("cost totals", [&] {
    out.clear();
    if (auto ok = ready(); !ok) return ok;
    const std::string where =
        "(?='' OR \"meter\"=?) AND \"intervalStart\">=? AND \"intervalStart\"<?";
    const std::string sql =
        query.interval == app::CostInterval::kQuarterHour
            ? detail::cost_totals_select(tables_.quarter_hour, "intervalStart", '"', where)
            : "SELECT * FROM " + q(detail::cost_source(tables_, query.interval)) + " WHERE " +
                  where;
    Statement stmt = db_->prepare(sql + " ORDER BY \"meter\",\"intervalStart\"");
    stmt.bind(query.meter).bind(query.meter);
    stmt.bind(detail::clamp_bound(query.from)).bind(detail::clamp_bound(query.until));
    const bool read = stmt.each([&](const Statement& s) {
      out.push_back(detail::read_cost_total<int>(s, query.interval));
    });
    return read ? Outcome::success() : db_->fail("cost totals");
  });
}

Outcome SqliteCostStore::meters(std::vector<std::string>& out) {
  std::lock_guard lock(mutex_);
  return detail::guarded("cost meters", [&] {
    out.clear();
    if (auto ok = ready(); !ok) return ok;
    Statement stmt =
        db_->prepare("SELECT DISTINCT \"meter\" FROM " + q(tables_.quarter_hour) + " ORDER BY 1");
    const bool read = stmt.each([&](const Statement& s) { out.push_back(s.text(0)); });
    return read ? Outcome::success() : db_->fail("cost meters");
  });
}

void SqliteCostStore::close() {
  std::lock_guard lock(mutex_);
  db_->close();
  schema_ready_ = false;
}

}  // namespace meter::storage
