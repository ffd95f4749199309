// SPDX-License-Identifier: MIT
#include "meter/storage/sqlite_reading_store.h"

#include <sqlite3.h>

#include <algorithm>
#include <cstring>
#include <deque>
#include <set>
#include <system_error>
#include <utility>

#include "schema.h"
#include "sqlite_open.h"

namespace meter::storage {
namespace {

using app::Outcome;
using detail::ColumnKind;
using detail::TableSpec;

constexpr int kBusyTimeoutMs = 5000;
constexpr std::size_t kPurgeChunkRows = 10000;
constexpr std::size_t kMaxCachedStatements = 16;

// Identifiers were validated ([A-Za-z0-9_]), so quoting cannot be escaped.
std::string q(std::string_view identifier) { return "\"" + std::string(identifier) + "\""; }

const char* column_type(ColumnKind kind) {
  switch (kind) {
    case ColumnKind::kId:
    case ColumnKind::kBigId:
      return "INTEGER PRIMARY KEY";  // the rowid: auto-assigned, ascending
    case ColumnKind::kTimestamp:
      return "INTEGER NOT NULL DEFAULT 0";
    case ColumnKind::kCounter:
    case ColumnKind::kFrameCounter:
    case ColumnKind::kBigint:
    case ColumnKind::kInt:
      return "INTEGER";
    case ColumnKind::kValue:
      return "REAL";
    case ColumnKind::kMeter:
    case ColumnKind::kTag:
    case ColumnKind::kPayload:
      return "TEXT NOT NULL DEFAULT ''";
    case ColumnKind::kShortText:
      return "TEXT";
    case ColumnKind::kBigintRequired:
      return "INTEGER NOT NULL DEFAULT 0";  // ADD COLUMN needs a default for NOT NULL
  }
  return "";
}

std::string column_list(const std::vector<std::string>& columns, std::string_view prefix = {}) {
  std::string out;
  for (const auto& column : columns) {
    if (!out.empty()) out += ',';
    out += prefix;
    out += q(column);
  }
  return out;
}

std::string placeholders(std::size_t rows, std::size_t columns) {
  std::string row = "(";
  for (std::size_t i = 0; i < columns; ++i) row += i == 0 ? "?" : ",?";
  row += ')';
  std::string out;
  out.reserve(rows * (row.size() + 1));
  for (std::size_t i = 0; i < rows; ++i) {
    if (i > 0) out += ',';
    out += row;
  }
  return out;
}

std::string upsert_sql(const std::string& table, const std::vector<std::string>& insert,
                       const std::vector<std::string>& update, std::string_view key,
                       std::size_t rows) {
  std::string sql = "INSERT INTO " + q(table) + " (" + column_list(insert) + ") VALUES " +
                    placeholders(rows, insert.size());
  if (key.empty()) return sql;
  sql += " ON CONFLICT(";
  sql += key;
  if (update.empty()) return sql + ") DO NOTHING";
  sql += ") DO UPDATE SET ";
  for (std::size_t i = 0; i < update.size(); ++i) {
    if (i > 0) sql += ',';
    sql += q(update[i]) + "=excluded." + q(update[i]);
  }
  return sql;
}

class Statement {
 public:
  Statement() = default;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  ~Statement() { sqlite3_finalize(stmt_); }

  bool prepare(sqlite3* db, const std::string& sql) {
    return sqlite3_prepare_v2(db, sql.c_str(), static_cast<int>(sql.size()), &stmt_, nullptr) ==
           SQLITE_OK;
  }
  sqlite3_stmt* get() const { return stmt_; }

 private:
  sqlite3_stmt* stmt_ = nullptr;
};

// Binds consecutive parameters of one statement.
class Binder {
 public:
  explicit Binder(sqlite3_stmt* stmt) : stmt_(stmt) {}

  void integer(std::int64_t value) { check(sqlite3_bind_int64(stmt_, ++index_, value)); }
  void integer(std::optional<std::int64_t> value) {
    if (value) {
      integer(*value);
    } else {
      null();
    }
  }
  void real(std::optional<double> value) {
    if (value) {
      check(sqlite3_bind_double(stmt_, ++index_, *value));
    } else {
      null();
    }
  }
  void text(const std::string& value) {
    // Bound with SQLITE_STATIC: `value` lives until the statement has been stepped.
    check(sqlite3_bind_text64(stmt_, ++index_, value.data(), value.size(), nullptr, SQLITE_UTF8));
  }
  void optional_text(const std::string& value) {
    if (value.empty()) {
      null();
    } else {
      text(value);
    }
  }
  void null() { check(sqlite3_bind_null(stmt_, ++index_)); }
  bool ok() const { return ok_; }

 private:
  void check(int rc) { ok_ = ok_ && rc == SQLITE_OK; }

  sqlite3_stmt* stmt_;
  int index_ = 0;
  bool ok_ = true;
};

// WIn and WOut as whole Wh (the original's int columns), the rest as doubles.
void bind_values(Binder& b, const std::array<app::OptionalValue, core::kQuantityCount>& values) {
  for (std::size_t i = 0; i < core::kQuantityCount; ++i) {
    if (i < 2) {
      b.integer(detail::storable_counter(values[i]));
    } else {
      b.real(detail::storable(values[i]));
    }
  }
}

std::string column_text(sqlite3_stmt* stmt, int column) {
  const unsigned char* text = sqlite3_column_text(stmt, column);
  if (text == nullptr) return {};
  return {reinterpret_cast<const char*>(text),
          static_cast<std::size_t>(sqlite3_column_bytes(stmt, column))};
}

app::OptionalValue column_value(sqlite3_stmt* stmt, int column) {
  if (sqlite3_column_type(stmt, column) == SQLITE_NULL) return std::nullopt;
  return sqlite3_column_double(stmt, column);
}

// A history row selected as meter, frame_counter, timestamp, meter_time, meter_number,
// received_at and the quantities.
app::Reading reading_from(sqlite3_stmt* s) {
  app::Reading reading;
  reading.meter = column_text(s, 0);
  reading.frame_counter = static_cast<std::uint32_t>(sqlite3_column_int64(s, 1));
  reading.timestamp = sqlite3_column_int64(s, 2);
  reading.meter_time = column_text(s, 3);
  reading.meter_number = column_text(s, 4);
  reading.received_at_ms = sqlite3_column_int64(s, 5);
  for (std::size_t i = 0; i < core::kQuantityCount; ++i) {
    reading.values[i] = column_value(s, static_cast<int>(6 + i));
  }
  return reading;
}

void bind_debounced(Binder& b, std::deque<std::string>& texts, const app::DebouncedRow& r) {
  b.integer(detail::storable_timestamp(r.bucket_start));
  bind_values(b, r.values);
  texts.push_back(detail::fit_text(r.meter, 16, 64));
  b.text(texts.back());
  b.integer(r.bucket_start);
  b.integer(detail::storable_int(r.samples));
  b.real(detail::storable(r.power_in_min));
  b.real(detail::storable(r.power_in_max));
  b.real(detail::storable(r.power_out_min));
  b.real(detail::storable(r.power_out_max));
}

struct ExistingColumn {
  std::string name;
  bool not_null = false;
};

// ---- dropping NOT NULL from columns in a CREATE TABLE text (SQLite cannot ALTER a column).

// Index of the character after the quoted part starting at `at`, or npos.
std::size_t skip_quoted(std::string_view sql, std::size_t at) {
  const char open = sql[at];
  const char close = open == '[' ? ']' : open;
  for (std::size_t i = at + 1; i < sql.size(); ++i) {
    if (sql[i] != close) continue;
    if (close != ']' && i + 1 < sql.size() && sql[i + 1] == close) {
      ++i;  // doubled quote inside
      continue;
    }
    return i + 1;
  }
  return std::string_view::npos;
}

bool is_quote(char c) { return c == '\'' || c == '"' || c == '`' || c == '['; }
bool is_word(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
}

bool keyword_at(std::string_view sql, std::size_t at, std::string_view word) {
  if (word.size() > sql.size() - at) return false;
  if (!detail::same_name(sql.substr(at, word.size()), word)) return false;
  if (at > 0 && is_word(sql[at - 1])) return false;
  return at + word.size() == sql.size() || !is_word(sql[at + word.size()]);
}

// One column definition without its NOT NULL constraint(s).
std::string without_not_null(std::string_view definition) {
  std::string out;
  std::size_t i = 0;
  while (i < definition.size()) {
    if (is_quote(definition[i])) {
      const std::size_t end = skip_quoted(definition, i);
      const std::size_t stop = end == std::string_view::npos ? definition.size() : end;
      out += definition.substr(i, stop - i);
      i = stop;
      continue;
    }
    if (keyword_at(definition, i, "not")) {
      std::size_t j = i + 3;
      while (j < definition.size() && (definition[j] == ' ' || definition[j] == '\t' ||
                                       definition[j] == '\n' || definition[j] == '\r')) {
        ++j;
      }
      if (j > i + 3 && keyword_at(definition, j, "null")) {
        i = j + 4;
        continue;
      }
    }
    out += definition[i++];
  }
  return out;
}

// The column name a definition starts with ("" for a table constraint or anything unexpected).
std::string leading_name(std::string_view definition) {
  std::size_t i = 0;
  while (i < definition.size() && (definition[i] == ' ' || definition[i] == '\t' ||
                                   definition[i] == '\n' || definition[i] == '\r')) {
    ++i;
  }
  if (i == definition.size()) return {};
  if (is_quote(definition[i]) && definition[i] != '\'') {
    const std::size_t end = skip_quoted(definition, i);
    if (end == std::string_view::npos) return {};
    return std::string(definition.substr(i + 1, end - i - 2));
  }
  std::size_t j = i;
  while (j < definition.size() && is_word(definition[j])) ++j;
  return std::string(definition.substr(i, j - i));
}

// `create_sql` with NOT NULL removed from the definitions of `columns` (lower case); nullopt
// when the text does not look like a CREATE TABLE with a parenthesised column list.
std::optional<std::string> drop_not_null(std::string_view create_sql,
                                         const std::set<std::string>& columns) {
  const std::size_t open = create_sql.find('(');
  if (open == std::string_view::npos) return std::nullopt;
  std::string out(create_sql.substr(0, open + 1));
  std::size_t depth = 0;
  std::size_t start = open + 1;
  std::size_t i = open + 1;
  const auto flush = [&](std::size_t end) {
    const std::string_view definition = create_sql.substr(start, end - start);
    if (columns.count(detail::lower(leading_name(definition))) != 0) {
      out += without_not_null(definition);
    } else {
      out += definition;
    }
  };
  while (i < create_sql.size()) {
    const char c = create_sql[i];
    if (is_quote(c)) {
      const std::size_t end = skip_quoted(create_sql, i);
      if (end == std::string_view::npos) return std::nullopt;
      i = end;
      continue;
    }
    if (c == '(') ++depth;
    if (c == ')' && depth == 0) {
      flush(i);
      out += create_sql.substr(i);
      return out;
    }
    if (c == ')') --depth;
    if (c == ',' && depth == 0) {
      flush(i);
      out += ',';
      start = i + 1;
    }
    ++i;
  }
  return std::nullopt;
}

}  // namespace

SqliteReadingStore::SqliteReadingStore(std::filesystem::path file, std::string table,
                                       std::int64_t debounce_interval_s)
    : file_(std::move(file)),
      table_(std::move(table)),
      debounce_interval_s_(debounce_interval_s),
      invalid_(detail::check_identifier(table_, "table name", detail::kMaxTableName)) {}

SqliteReadingStore::~SqliteReadingStore() { close(); }

Outcome SqliteReadingStore::validate() const {
  return invalid_.empty() ? Outcome::success() : Outcome::failure(invalid_);
}

std::string SqliteReadingStore::describe() const { return "sqlite " + file_.string(); }

Outcome SqliteReadingStore::fail(const std::string& context) {
  std::string message = context + ": " + (db_ != nullptr ? sqlite3_errmsg(db_) : "not open");
  return Outcome::failure(std::move(message));
}

Outcome SqliteReadingStore::exec(const std::string& sql) {
  char* error = nullptr;
  if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &error) == SQLITE_OK) {
    return Outcome::success();
  }
  std::string message = error != nullptr ? error : sqlite3_errmsg(db_);
  sqlite3_free(error);
  return Outcome::failure(std::move(message));
}

Outcome SqliteReadingStore::connect() {
  if (!invalid_.empty()) return Outcome::failure(invalid_);
  if (db_ != nullptr) return Outcome::success();
  const bool in_memory = file_ == ":memory:";
  if (!in_memory && file_.has_parent_path()) {
    std::error_code error;
    std::filesystem::create_directories(file_.parent_path(), error);
    if (error) {
      return Outcome::failure("cannot create directory " + file_.parent_path().string() + ": " +
                              error.message());
    }
  }
  const int rc = detail::open_sqlite_private(file_, &db_);
  if (rc != SQLITE_OK) {
    Outcome outcome = fail("cannot open " + file_.string());
    sqlite3_close(db_);
    db_ = nullptr;
    return outcome;
  }
  sqlite3_busy_timeout(db_, kBusyTimeoutMs);
  sqlite3_extended_result_codes(db_, 1);
  for (const char* pragma : {"PRAGMA journal_mode=WAL", "PRAGMA synchronous=NORMAL"}) {
    if (in_memory) break;
    if (auto done = exec(pragma); !done) {
      std::string message = file_.string() + ": " + pragma + ": " + done.error;
      sqlite3_close(db_);
      db_ = nullptr;
      return Outcome::failure(std::move(message));
    }
  }
  return Outcome::success();
}

Outcome SqliteReadingStore::ready() {
  if (auto connected = connect(); !connected) return connected;
  if (schema_ready_) return Outcome::success();
  return ensure_schema();
}

Outcome SqliteReadingStore::open() {
  return detail::guarded("open", [&] {
    std::lock_guard lock(mutex_);
    schema_ready_ = false;
    return ready();
  });
}

Outcome SqliteReadingStore::ensure_schema() {
  for (const TableSpec& spec : detail::table_specs(table_)) {
    // Existing columns.
    std::vector<ExistingColumn> existing;
    {
      Statement info;
      if (!info.prepare(db_, "SELECT name, \"notnull\" FROM pragma_table_info(?)")) {
        return fail("reading the columns of " + spec.name);
      }
      sqlite3_bind_text(info.get(), 1, spec.name.c_str(), -1, nullptr);
      int rc = SQLITE_ROW;
      while ((rc = sqlite3_step(info.get())) == SQLITE_ROW) {
        existing.push_back({column_text(info.get(), 0), sqlite3_column_int(info.get(), 1) != 0});
      }
      if (rc != SQLITE_DONE) return fail("reading the columns of " + spec.name);
    }

    if (existing.empty()) {
      std::string sql = "CREATE TABLE IF NOT EXISTS " + q(spec.name) + " (";
      for (std::size_t i = 0; i < spec.columns.size(); ++i) {
        if (i > 0) sql += ", ";
        sql += q(spec.columns[i].name) + " " + column_type(spec.columns[i].kind);
      }
      sql += ")";
      if (auto created = exec(sql); !created) {
        return Outcome::failure("creating table " + spec.name + ": " + created.error);
      }
    } else {
      // Value columns of the original are NOT NULL DEFAULT 0: absent registers read as 0.
      std::set<std::string> relax;
      std::vector<const detail::ColumnSpec*> missing;
      for (const auto& column : spec.columns) {
        const auto found = std::find_if(existing.begin(), existing.end(), [&](const auto& e) {
          return detail::same_name(e.name, column.name);
        });
        if (found == existing.end()) {
          if (column.kind != ColumnKind::kId && column.kind != ColumnKind::kBigId) {
            missing.push_back(&column);
          }
        } else if (found->not_null && detail::must_be_nullable(column.kind)) {
          relax.insert(detail::lower(column.name));
        }
      }
      if (!relax.empty()) {
        if (auto relaxed = relax_not_null(spec.name, relax); !relaxed) return relaxed;
      }
      for (const auto* column : missing) {
        const std::string sql = "ALTER TABLE " + q(spec.name) + " ADD COLUMN " + q(column->name) +
                                " " + column_type(column->kind);
        if (auto added = exec(sql); !added) {
          return Outcome::failure("adding column " + spec.name + "." + column->name + ": " +
                                  added.error);
        }
      }
    }

    // Indexes.
    std::vector<detail::ExistingIndex> indexes;
    {
      Statement list;
      if (!list.prepare(db_,
                        "SELECT il.name, il.\"unique\", ii.name FROM pragma_index_list(?1) AS il "
                        "JOIN pragma_index_info(il.name) AS ii ORDER BY il.name, ii.seqno")) {
        return fail("reading the indexes of " + spec.name);
      }
      sqlite3_bind_text(list.get(), 1, spec.name.c_str(), -1, nullptr);
      std::string current;
      int rc = SQLITE_ROW;
      while ((rc = sqlite3_step(list.get())) == SQLITE_ROW) {
        std::string name = column_text(list.get(), 0);
        if (indexes.empty() || name != current) {
          indexes.push_back({sqlite3_column_int(list.get(), 1) != 0, {}});
          current = std::move(name);
        }
        indexes.back().columns.push_back(column_text(list.get(), 2));
      }
      if (rc != SQLITE_DONE) return fail("reading the indexes of " + spec.name);
    }
    for (const auto& index : spec.indexes) {
      if (detail::index_present(index, indexes)) continue;
      const std::string sql = std::string(index.unique ? "CREATE UNIQUE INDEX " : "CREATE INDEX ") +
                              "IF NOT EXISTS " + q(spec.name + "_" + index.name) + " ON " +
                              q(spec.name) + " (" + column_list(index.columns) + ")";
      if (auto created = exec(sql); !created) {
        return Outcome::failure("creating index " + index.name + " on " + spec.name + ": " +
                                created.error);
      }
    }
  }
  schema_ready_ = true;
  return Outcome::success();
}

// SQLite has no ALTER COLUMN. Removing a NOT NULL constraint does not change how rows are
// stored, so it is done in place by editing the table's CREATE statement in sqlite_schema,
// following "Making Other Kinds Of Table Schema Changes" in https://sqlite.org/lang_altertable.html
// (no copy of the table, which may hold years of readings). The new text is first tried on an
// in-memory database, and the change is committed only if the integrity check passes.
Outcome SqliteReadingStore::relax_not_null(const std::string& table,
                                           const std::set<std::string>& columns) {
  std::string create_sql;
  {
    Statement read;
    if (!read.prepare(db_, "SELECT sql FROM sqlite_schema WHERE type='table' AND name=?")) {
      return fail("reading the definition of " + table);
    }
    sqlite3_bind_text(read.get(), 1, table.c_str(), -1, nullptr);
    if (sqlite3_step(read.get()) != SQLITE_ROW) return fail("reading the definition of " + table);
    create_sql = column_text(read.get(), 0);
  }
  const auto relaxed = drop_not_null(create_sql, columns);
  if (!relaxed) {
    return Outcome::failure("cannot migrate " + table + ": unexpected definition " + create_sql);
  }

  // Dry run: the new definition must parse and leave exactly those columns NULL-able.
  sqlite3* probe = nullptr;
  std::string problem;
  if (sqlite3_open(":memory:", &probe) != SQLITE_OK) {
    problem = "cannot open an in-memory database";
  } else if (sqlite3_exec(probe, relaxed->c_str(), nullptr, nullptr, nullptr) != SQLITE_OK) {
    problem = sqlite3_errmsg(probe);
  } else {
    sqlite3_stmt* info = nullptr;
    sqlite3_prepare_v2(probe, "SELECT name FROM pragma_table_info(?) WHERE \"notnull\"", -1, &info,
                       nullptr);
    sqlite3_bind_text(info, 1, table.c_str(), -1, nullptr);
    while (sqlite3_step(info) == SQLITE_ROW) {
      if (columns.count(detail::lower(column_text(info, 0))) != 0) {
        problem = "column " + column_text(info, 0) + " is still NOT NULL";
      }
    }
    sqlite3_finalize(info);
  }
  sqlite3_close(probe);
  if (!problem.empty()) {
    return Outcome::failure("cannot migrate " + table + ": new definition rejected: " + problem);
  }

  if (auto begun = exec("BEGIN IMMEDIATE"); !begun) {
    return Outcome::failure("migrating " + table + ": " + begun.error);
  }
  std::string error;
  int schema_version = 0;
  {
    Statement version;
    if (version.prepare(db_, "PRAGMA schema_version") &&
        sqlite3_step(version.get()) == SQLITE_ROW) {
      schema_version = sqlite3_column_int(version.get(), 0);
    } else {
      error = sqlite3_errmsg(db_);
    }
  }
  if (error.empty()) {
    if (auto on = exec("PRAGMA writable_schema=ON"); !on) error = on.error;
  }
  if (error.empty()) {
    Statement update;
    if (!update.prepare(db_, "UPDATE sqlite_schema SET sql=? WHERE type='table' AND name=?")) {
      error = sqlite3_errmsg(db_);
    } else {
      sqlite3_bind_text(update.get(), 1, relaxed->c_str(), -1, nullptr);
      sqlite3_bind_text(update.get(), 2, table.c_str(), -1, nullptr);
      if (sqlite3_step(update.get()) != SQLITE_DONE) error = sqlite3_errmsg(db_);
    }
  }
  if (error.empty()) {
    if (auto bumped = exec("PRAGMA schema_version=" + std::to_string(schema_version + 1));
        !bumped) {
      error = bumped.error;
    }
  }
  exec("PRAGMA writable_schema=OFF");
  if (error.empty()) {
    Statement check;
    if (!check.prepare(db_, "PRAGMA quick_check(" + q(table) + ")") ||
        sqlite3_step(check.get()) != SQLITE_ROW) {
      error = sqlite3_errmsg(db_);
    } else if (const std::string verdict = column_text(check.get(), 0); verdict != "ok") {
      error = "integrity check: " + verdict;
    }
  }
  if (error.empty()) {
    if (auto committed = exec("COMMIT"); !committed) error = committed.error;
  }
  if (!error.empty()) {
    exec("ROLLBACK");
    return Outcome::failure("migrating " + table + " (dropping NOT NULL): " + error);
  }
  return Outcome::success();
}

sqlite3_stmt* SqliteReadingStore::cached(const std::string& key, const std::string& sql) {
  if (auto found = statements_.find(key); found != statements_.end()) {
    sqlite3_reset(found->second);
    sqlite3_clear_bindings(found->second);
    return found->second;
  }
  if (statements_.size() >= kMaxCachedStatements) finalize_cached();
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v3(db_, sql.c_str(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT,
                         &stmt, nullptr) != SQLITE_OK) {
    sqlite3_finalize(stmt);
    return nullptr;
  }
  statements_.emplace(key, stmt);
  return stmt;
}

void SqliteReadingStore::finalize_cached() {
  for (auto& [key, stmt] : statements_) sqlite3_finalize(stmt);
  statements_.clear();
}

Outcome SqliteReadingStore::write(const app::StoredBatch& batch) {
  return detail::guarded("write", [&] {
    std::lock_guard lock(mutex_);
    if (auto up = ready(); !up) return up;
    if (batch.readings.empty() && batch.raw.empty() && batch.debounced.empty()) {
      return Outcome::success();
    }
    const auto specs = detail::table_specs(table_);
    const std::string& history = specs[0].name;
    const std::string& debounced = specs[1].name;
    const std::string& raw = specs[2].name;

    if (auto begun = exec("BEGIN IMMEDIATE"); !begun) {
      return Outcome::failure("write: " + begun.error);
    }
    // Runs `bind_row` for each row of `rows` in chunks of multi-row statements.
    const auto insert_all = [&](auto rows, const std::string& kind, const auto& make_sql,
                                const auto& bind_row) -> std::string {
      for (std::size_t done = 0; done < rows.size();) {
        const std::size_t n = std::min(detail::kRowsPerStatement, rows.size() - done);
        sqlite3_stmt* stmt = cached(kind + std::to_string(n), make_sql(n));
        if (stmt == nullptr) return sqlite3_errmsg(db_);
        Binder binder(stmt);
        std::deque<std::string> texts;  // keeps bound text in place until the step
        for (std::size_t i = 0; i < n; ++i) bind_row(binder, texts, rows[done + i]);
        if (!binder.ok()) return sqlite3_errmsg(db_);
        const int rc = sqlite3_step(stmt);
        std::string error = rc == SQLITE_DONE ? "" : sqlite3_errmsg(db_);
        sqlite3_reset(stmt);
        sqlite3_clear_bindings(stmt);
        if (!error.empty()) return kind + " insert: " + error;
        done += n;
      }
      return {};
    };

    const auto reading_columns = detail::reading_insert_columns();
    const auto reading_updates = detail::reading_update_columns();
    std::string error = insert_all(
        batch.readings, "readings",
        [&](std::size_t n) {
          return upsert_sql(history, reading_columns, reading_updates,
                            "\"meter\",\"frame_counter\"", n);
        },
        [](Binder& b, std::deque<std::string>& texts, const app::Reading& r) {
          b.integer(detail::storable_timestamp(r.timestamp));
          bind_values(b, r.values);
          texts.push_back(detail::fit_text(r.meter, 16, 64));
          b.text(texts.back());
          b.integer(static_cast<std::int64_t>(r.frame_counter));
          texts.push_back(detail::fit_text(r.meter_time, 32, 128));
          b.optional_text(texts.back());
          texts.push_back(detail::fit_text(r.meter_number, 32, 128));
          b.optional_text(texts.back());
          b.integer(r.received_at_ms);
        });

    const auto debounced_columns = detail::debounced_insert_columns();
    const auto debounced_updates = detail::debounced_update_columns();
    if (error.empty()) {
      error = insert_all(
          batch.debounced, "debounced",
          [&](std::size_t n) {
            return upsert_sql(debounced, debounced_columns, debounced_updates,
                              "\"meter\",\"bucket_start\"", n);
          },
          [](Binder& b, std::deque<std::string>& texts, const app::DebouncedRow& r) {
            bind_debounced(b, texts, r);
          });
    }

    const auto raw_columns = detail::raw_insert_columns();
    if (error.empty()) {
      error = insert_all(
          batch.raw, "raw",
          [&](std::size_t n) {
            return upsert_sql(raw, raw_columns, {}, "\"received_at\",\"journal_offset\"", n);
          },
          [](Binder& b, std::deque<std::string>& texts, const app::RawTelegram& r) {
            b.integer(r.received_at_ms);
            texts.push_back(detail::fit_text(r.meter, 16, 64));
            b.text(texts.back());
            texts.push_back(detail::fit_text(r.error, 32, 128));
            b.text(texts.back());
            texts.push_back(
                detail::fit_text(r.payload, detail::kPayloadMaxBytes, detail::kPayloadMaxBytes));
            b.text(texts.back());
            b.integer(static_cast<std::int64_t>(r.journal_offset));
          });
    }

    if (error.empty()) {
      if (auto committed = exec("COMMIT"); !committed) error = "commit: " + committed.error;
    }
    if (!error.empty()) {
      exec("ROLLBACK");
      schema_ready_ = false;  // a table may have been dropped behind our back: check again
      return Outcome::failure("write to " + file_.string() + " failed: " + error);
    }
    return Outcome::success();
  });
}

Outcome SqliteReadingStore::refresh_debounced(std::span<const app::MeterBuckets> touched,
                                              std::int64_t interval_s, std::size_t& rows) {
  return detail::guarded("refresh_debounced", [&] {
    std::lock_guard lock(mutex_);
    rows = 0;
    if (touched.empty()) return Outcome::success();
    if (auto up = ready(); !up) return up;
    if (interval_s <= 0) interval_s = debounce_interval_s_;
    const auto specs = detail::table_specs(table_);
    const std::string history = q(specs[0].name);
    const std::string timed = " WHERE meter = ?1 AND meter_time IS NOT NULL AND \"timestamp\" ";
    std::string columns =
        "meter, frame_counter, \"timestamp\", meter_time, meter_number, "
        "received_at";
    for (const auto& quantity : core::kQuantities) columns += ", " + q(quantity.key);
    // Room for the four statements below, so that none evicts another while they are in use.
    if (statements_.size() + 4 > kMaxCachedStatements) finalize_cached();
    // Newest first on the (meter, timestamp) index: one step, whatever the meter's row count.
    const std::string newest_first = " ORDER BY \"timestamp\" DESC LIMIT 1";
    sqlite3_stmt* before = cached(
        "debounce-before", "SELECT \"timestamp\" FROM " + history + timed + "< ?2" + newest_first);
    sqlite3_stmt* newest = cached(
        "debounce-newest", "SELECT \"timestamp\" FROM " + history + timed + "< ?2" + newest_first);
    sqlite3_stmt* bucket = cached("debounce-bucket", "SELECT " + columns + " FROM " + history +
                                                         timed + ">= ?2 AND \"timestamp\" < ?3");
    sqlite3_stmt* upsert =
        cached("debounce-upsert",
               upsert_sql(specs[1].name, detail::debounced_insert_columns(),
                          detail::debounced_update_columns(), "\"meter\",\"bucket_start\"", 1));
    if (before == nullptr || newest == nullptr || bucket == nullptr || upsert == nullptr) {
      return fail("refresh_debounced");
    }
    // The write lock first, so the reads below see every committed reading.
    if (auto begun = exec("BEGIN IMMEDIATE"); !begun) {
      return Outcome::failure("refresh_debounced: " + begun.error);
    }
    // One row of `stmt` with meter ?1 and bounds ?2, ?3: steps it and resets it.
    const auto max_timestamp = [&](sqlite3_stmt* stmt, const std::string& meter, std::int64_t bound,
                                   std::optional<std::int64_t>& out) {
      sqlite3_bind_text64(stmt, 1, meter.data(), meter.size(), nullptr, SQLITE_UTF8);
      sqlite3_bind_int64(stmt, 2, bound);
      const int rc = sqlite3_step(stmt);
      out.reset();
      if (rc == SQLITE_ROW) out = sqlite3_column_int64(stmt, 0);
      sqlite3_reset(stmt);
      return rc == SQLITE_ROW || rc == SQLITE_DONE;
    };
    std::vector<app::Reading> readings;
    bool ok = true;
    for (const auto& meter : touched) {
      std::optional<std::int64_t> previous;
      std::optional<std::int64_t> last;
      ok = max_timestamp(before, meter.meter, meter.bucket_starts.front(), previous) &&
           max_timestamp(newest, meter.meter, INT64_MAX, last);
      if (!ok) break;
      for (const std::int64_t start : app::buckets_to_refresh(meter, previous, last, interval_s)) {
        sqlite3_bind_text64(bucket, 1, meter.meter.data(), meter.meter.size(), nullptr,
                            SQLITE_UTF8);
        sqlite3_bind_int64(bucket, 2, start);
        sqlite3_bind_int64(bucket, 3, start + interval_s);
        int rc = SQLITE_ROW;
        while ((rc = sqlite3_step(bucket)) == SQLITE_ROW) readings.push_back(reading_from(bucket));
        sqlite3_reset(bucket);
        if (!(ok = rc == SQLITE_DONE)) break;
      }
      if (!ok) break;
    }
    std::string error = ok ? "" : std::string(sqlite3_errmsg(db_));
    const auto computed = app::debounce_readings(readings, interval_s);
    for (std::size_t i = 0; error.empty() && i < computed.size(); ++i) {
      Binder binder(upsert);
      std::deque<std::string> texts;
      bind_debounced(binder, texts, computed[i]);
      const int rc = binder.ok() ? sqlite3_step(upsert) : SQLITE_ERROR;
      if (rc != SQLITE_DONE) error = sqlite3_errmsg(db_);
      sqlite3_reset(upsert);
      sqlite3_clear_bindings(upsert);
    }
    if (error.empty()) {
      if (auto committed = exec("COMMIT"); !committed) error = "commit: " + committed.error;
    }
    if (!error.empty()) {
      exec("ROLLBACK");
      schema_ready_ = false;
      return Outcome::failure("debounce refresh in " + file_.string() + " failed: " + error);
    }
    rows = computed.size();
    return Outcome::success();
  });
}

Outcome SqliteReadingStore::raw_after(std::int64_t after_id, std::size_t limit,
                                      std::vector<app::RawTelegram>& out, std::int64_t& next_id) {
  return detail::guarded("raw_after", [&] {
    std::lock_guard lock(mutex_);
    out.clear();
    if (auto up = ready(); !up) return up;
    const auto specs = detail::table_specs(table_);
    Statement select;
    if (!select.prepare(db_, "SELECT id, received_at, meter, error, payload FROM " +
                                 q(specs[2].name) + " WHERE id > ?1 ORDER BY id LIMIT ?2")) {
      return fail("raw_after");
    }
    sqlite3_bind_int64(select.get(), 1, after_id);
    sqlite3_bind_int64(select.get(), 2,
                       static_cast<std::int64_t>(
                           std::min<std::size_t>(limit, static_cast<std::size_t>(INT64_MAX))));
    std::int64_t last = next_id;
    int rc = SQLITE_ROW;
    while ((rc = sqlite3_step(select.get())) == SQLITE_ROW) {
      sqlite3_stmt* s = select.get();
      last = sqlite3_column_int64(s, 0);
      out.push_back(
          {sqlite3_column_int64(s, 1), column_text(s, 4), column_text(s, 2), column_text(s, 3)});
    }
    if (rc != SQLITE_DONE) {
      out.clear();
      return fail("raw_after");
    }
    next_id = last;
    return Outcome::success();
  });
}

Outcome SqliteReadingStore::purge_raw_before(std::int64_t received_at_ms) {
  return detail::guarded("purge_raw_before", [&] {
    std::lock_guard lock(mutex_);
    if (auto up = ready(); !up) return up;
    const auto specs = detail::table_specs(table_);
    const std::string raw = q(specs[2].name);
    // In chunks, so that readers and the writer are not blocked for one long transaction.
    Statement purge;
    if (!purge.prepare(db_, "DELETE FROM " + raw + " WHERE id IN (SELECT id FROM " + raw +
                                " WHERE received_at < ?1 ORDER BY id LIMIT " +
                                std::to_string(kPurgeChunkRows) + ")")) {
      return fail("purge_raw_before");
    }
    for (;;) {
      sqlite3_bind_int64(purge.get(), 1, received_at_ms);
      if (sqlite3_step(purge.get()) != SQLITE_DONE) return fail("purge_raw_before");
      const auto deleted = static_cast<std::size_t>(sqlite3_changes(db_));
      sqlite3_reset(purge.get());
      if (deleted < kPurgeChunkRows) break;
    }
    return Outcome::success();
  });
}

void SqliteReadingStore::close() {
  std::lock_guard lock(mutex_);
  finalize_cached();
  if (db_ != nullptr) {
    sqlite3_close(db_);
    db_ = nullptr;
  }
  schema_ready_ = false;
}

}  // namespace meter::storage
