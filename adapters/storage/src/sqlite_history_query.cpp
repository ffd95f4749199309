// SPDX-License-Identifier: MIT
#include "meter/storage/sqlite_history_query.h"

#include <sqlite3.h>

#include <algorithm>
#include <functional>
#include <utility>

#include "schema.h"

namespace meter::storage {
namespace {

using app::Outcome;

constexpr int kBusyTimeoutMs = 2000;
constexpr std::size_t kMaxMeters = 64;

// A prepared statement with its parameters bound in order; finalized on scope exit.
class Query {
 public:
  Query(sqlite3* db, const std::string& sql) {
    ok_ = sqlite3_prepare_v2(db, sql.c_str(), static_cast<int>(sql.size()), &stmt_, nullptr) ==
          SQLITE_OK;
  }
  ~Query() { sqlite3_finalize(stmt_); }
  Query(const Query&) = delete;
  Query& operator=(const Query&) = delete;

  Query& bind(std::int64_t value) {
    ok_ = ok_ && sqlite3_bind_int64(stmt_, ++index_, value) == SQLITE_OK;
    return *this;
  }
  Query& bind(const std::string& value) {
    ok_ = ok_ && sqlite3_bind_text64(stmt_, ++index_, value.data(), value.size(), SQLITE_TRANSIENT,
                                     SQLITE_UTF8) == SQLITE_OK;
    return *this;
  }
  // Calls `row` for each result row; false on an error.
  bool each(const std::function<void(sqlite3_stmt*)>& row) {
    if (!ok_) return false;
    for (;;) {
      const int rc = sqlite3_step(stmt_);
      if (rc == SQLITE_DONE) return true;
      if (rc != SQLITE_ROW) return false;
      row(stmt_);
    }
  }

 private:
  sqlite3_stmt* stmt_ = nullptr;
  int index_ = 0;
  bool ok_ = false;
};

app::OptionalValue value_at(sqlite3_stmt* stmt, int column) {
  if (sqlite3_column_type(stmt, column) == SQLITE_NULL) return std::nullopt;
  return sqlite3_column_double(stmt, column);
}

std::string text_at(sqlite3_stmt* stmt, int column) {
  const unsigned char* text = sqlite3_column_text(stmt, column);
  if (text == nullptr) return {};
  return {reinterpret_cast<const char*>(text),
          static_cast<std::size_t>(sqlite3_column_bytes(stmt, column))};
}

// Readings of one meter in [from, to), grouped into aligned buckets of `?` seconds.
std::string bucket_sql(const std::string& table, const std::string& aggregates) {
  return "SELECT (\"timestamp\" / ?1) * ?1 AS bucket, COUNT(*), " + aggregates + " FROM \"" +
         table + "\" WHERE meter = ?2 AND \"timestamp\" >= ?3 AND \"timestamp\" < ?4 " +
         "GROUP BY bucket ORDER BY bucket";
}

}  // namespace

SqliteHistoryQuery::SqliteHistoryQuery(std::filesystem::path file, std::string table)
    : file_(std::move(file)), table_(std::move(table)) {
  invalid_ = detail::check_identifier(table_, "SMARTMETER_DB_TABLE", detail::kMaxTableName);
}

SqliteHistoryQuery::~SqliteHistoryQuery() { close(); }

void SqliteHistoryQuery::close() {
  sqlite3_close(db_);
  db_ = nullptr;
}

Outcome SqliteHistoryQuery::fail(const std::string& context) {
  std::string message = context + ": " + (db_ != nullptr ? sqlite3_errmsg(db_) : "not open");
  close();  // opened again by the next call
  return Outcome::failure(std::move(message));
}

Outcome SqliteHistoryQuery::open(bool& ready) {
  ready = false;
  if (!invalid_.empty()) return Outcome::failure(invalid_);
  if (db_ == nullptr) {
    std::error_code error;
    if (file_ != ":memory:" && !std::filesystem::exists(file_, error)) return Outcome::success();
    // Read-write without CREATE: a WAL reader may need to create the -shm file.
    if (sqlite3_open_v2(file_.c_str(), &db_, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK) {
      return fail("cannot open " + file_.string());
    }
    sqlite3_busy_timeout(db_, kBusyTimeoutMs);
    if (sqlite3_exec(db_, "PRAGMA query_only=1", nullptr, nullptr, nullptr) != SQLITE_OK) {
      return fail("query_only");
    }
  }
  bool exists = false;
  Query check(db_, "SELECT 1 FROM sqlite_master WHERE type='table' AND name=?1");
  if (!check.bind(table_).each([&](sqlite3_stmt*) { exists = true; })) {
    return fail("reading the table list");
  }
  ready = exists;
  return Outcome::success();
}

Outcome SqliteHistoryQuery::meters(std::vector<app::MeterSummary>& out) {
  return detail::guarded("meters", [&] {
    std::lock_guard lock(mutex_);
    out.clear();
    bool ready = false;
    if (auto opened = open(ready); !opened || !ready) return opened;
    // One index seek per meter instead of a scan of the whole table.
    const std::string t = "\"" + table_ + "\"";
    std::string after;
    while (out.size() < kMaxMeters) {
      std::optional<std::string> next;
      Query find(db_, "SELECT meter FROM " + t + " WHERE meter > ?1 ORDER BY meter LIMIT 1");
      if (!find.bind(after).each([&](sqlite3_stmt* s) { next = text_at(s, 0); })) {
        return fail("listing meters");
      }
      if (!next) break;
      app::MeterSummary meter{*next, "", 0, 0};
      Query range(db_,
                  "SELECT MIN(\"timestamp\"), MAX(\"timestamp\") FROM " + t + " WHERE meter = ?1");
      Query number(db_, "SELECT meter_number FROM " + t +
                            " WHERE meter = ?1 ORDER BY \"timestamp\" DESC LIMIT 1");
      const bool ok = range.bind(*next).each([&](sqlite3_stmt* s) {
        meter.first_timestamp = sqlite3_column_int64(s, 0);
        meter.last_timestamp = sqlite3_column_int64(s, 1);
      }) && number.bind(*next).each([&](sqlite3_stmt* s) { meter.meter_number = text_at(s, 0); });
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

// PowerPoint and CounterBucket alike: bucket start, readings, four aggregates.
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
    Query query(db_, bucket_sql(table_, aggregates));
    const bool ok = query.bind(step_s).bind(meter).bind(from).bind(to).each([&](sqlite3_stmt* s) {
      out.push_back({sqlite3_column_int64(s, 0), sqlite3_column_int64(s, 1), value_at(s, 2),
                     value_at(s, 3), value_at(s, 4), value_at(s, 5)});
    });
    return ok ? Outcome::success() : fail(std::string("reading ") + what);
  });
}

Outcome SqliteHistoryQuery::power(const std::string& meter, std::int64_t from, std::int64_t to,
                                  std::int64_t step_s, std::vector<app::PowerPoint>& out) {
  return buckets("power", "AVG(PIn), MAX(PIn), AVG(POut), MAX(POut)", meter, from, to, step_s, out);
}

Outcome SqliteHistoryQuery::counters(const std::string& meter, std::int64_t from, std::int64_t to,
                                     std::int64_t step_s, std::vector<app::CounterBucket>& out) {
  return buckets("energy counters", "MIN(WIn), MAX(WIn), MIN(WOut), MAX(WOut)", meter, from, to,
                 step_s, out);
}

std::string SqliteHistoryQuery::describe() const { return "sqlite " + file_.string(); }

}  // namespace meter::storage
