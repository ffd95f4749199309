// SPDX-License-Identifier: MIT
#include "meter/storage/sqlite_reading_store.h"

#include <algorithm>
#include <optional>
#include <utility>
#include <vector>

#include "schema.h"
#include "sqlite_connection.h"
#include "sqlite_reading_schema.h"

namespace meter::storage {
namespace {

using app::Outcome;
using sqlite::q;
using sqlite::Statement;

// A 5 s busy timeout for readers such as the dashboard; WAL, synchronous=NORMAL.
constexpr sqlite::OpenOptions kOpenOptions{
    .busy_timeout_ms = 5000, .create = true, .create_directory = true, .wal = true};
constexpr std::size_t kPurgeChunkRows = 10000;

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

// INSERT of `rows` rows; on a conflict on `key` the `update` columns are overwritten (nothing
// is done when `update` is empty).
std::string upsert_sql(const std::string& table, const std::vector<std::string>& insert,
                       const std::vector<std::string>& update, std::string_view key,
                       std::size_t rows) {
  std::string sql = "INSERT INTO " + q(table) + " (" + detail::identifier_list(insert, '"') +
                    ") VALUES " + placeholders(rows, insert.size());
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

// WIn and WOut as whole Wh (the original's int columns), the rest as doubles.
void bind_values(Statement& s, const std::array<app::OptionalValue, core::kQuantityCount>& values) {
  for (std::size_t i = 0; i < core::kQuantityCount; ++i) {
    if (i < 2) {
      s.bind(detail::storable_counter(values[i]));
    } else {
      s.bind(detail::storable(values[i]));
    }
  }
}

void bind_reading(Statement& s, const app::Reading& r) {
  s.bind(detail::storable_timestamp(r.timestamp));
  bind_values(s, r.values);
  s.bind(detail::fit_text(r.meter, 16, 64));
  s.bind(static_cast<std::int64_t>(r.frame_counter));
  s.bind_text_or_null(detail::fit_text(r.meter_time, 32, 128));
  s.bind_text_or_null(detail::fit_text(r.meter_number, 32, 128));
  s.bind(r.received_at_ms);
}

void bind_debounced(Statement& s, const app::DebouncedRow& r) {
  s.bind(detail::storable_timestamp(r.bucket_start));
  bind_values(s, r.values);
  s.bind(detail::fit_text(r.meter, 16, 64));
  s.bind(r.bucket_start);
  s.bind(detail::storable_int(r.samples));
  s.bind(detail::storable(r.power_in_min));
  s.bind(detail::storable(r.power_in_max));
  s.bind(detail::storable(r.power_out_min));
  s.bind(detail::storable(r.power_out_max));
}

void bind_raw(Statement& s, const app::RawTelegram& r) {
  s.bind(r.received_at_ms);
  s.bind(detail::fit_text(r.meter, 16, 64));
  s.bind(detail::fit_text(r.error, 32, 128));
  s.bind(detail::fit_text(r.payload, detail::kPayloadMaxBytes, detail::kPayloadMaxBytes));
  s.bind(static_cast<std::int64_t>(r.journal_offset));
}

// A history row selected with detail::reading_select_columns().
app::Reading reading_from(const Statement& s) {
  app::Reading reading;
  reading.meter = s.text(0);
  reading.frame_counter = static_cast<std::uint32_t>(s.integer(1));
  reading.timestamp = s.integer(2);
  reading.meter_time = s.text(3);
  reading.meter_number = s.text(4);
  reading.received_at_ms = s.integer(5);
  for (std::size_t i = 0; i < core::kQuantityCount; ++i) {
    reading.values[i] = s.real(static_cast<int>(detail::kReadingSelectValue0 + i));
  }
  return reading;
}

}  // namespace

SqliteReadingStore::SqliteReadingStore(std::filesystem::path file, std::string table,
                                       std::int64_t debounce_interval_s)
    : file_(std::move(file)),
      table_(std::move(table)),
      debounce_interval_s_(debounce_interval_s),
      invalid_(detail::check_identifier(table_, "table name", detail::kMaxTableName)),
      db_(std::make_unique<sqlite::Connection>()) {}

SqliteReadingStore::~SqliteReadingStore() { close(); }

Outcome SqliteReadingStore::validate() const {
  return invalid_.empty() ? Outcome::success() : Outcome::failure(invalid_);
}

std::string SqliteReadingStore::describe() const { return "sqlite " + file_.string(); }

Outcome SqliteReadingStore::ready() {
  if (!invalid_.empty()) return Outcome::failure(invalid_);
  if (auto opened = db_->open(file_, kOpenOptions); !opened) {
    return opened;
  }
  if (schema_ready_) return Outcome::success();
  if (auto ensured = sqlite::ensure_reading_tables(*db_, table_); !ensured) return ensured;
  schema_ready_ = true;
  return Outcome::success();
}

Outcome SqliteReadingStore::open() {
  return detail::guarded("open", [&] {
    std::lock_guard lock(mutex_);
    schema_ready_ = false;
    return ready();
  });
}

template <typename Rows, typename MakeSql, typename BindRow>
Outcome SqliteReadingStore::insert_rows(const Rows& rows, const std::string& kind,
                                        const MakeSql& make_sql, const BindRow& bind_row) {
  for (std::size_t done = 0; done < rows.size();) {
    const std::size_t n = std::min(detail::kRowsPerStatement, rows.size() - done);
    Statement* insert = db_->cached(kind + std::to_string(n), make_sql(n));
    if (insert == nullptr) return Outcome::failure(db_->error());
    for (std::size_t i = 0; i < n; ++i) bind_row(*insert, rows[done + i]);
    if (!insert->ok()) return Outcome::failure(db_->error());
    const int rc = insert->step();
    Outcome stepped = rc == SQLITE_DONE ? Outcome::success() : db_->fail(kind + " insert");
    insert->reset();
    if (!stepped) return stepped;
    done += n;
  }
  return Outcome::success();
}

Outcome SqliteReadingStore::write_readings(std::span<const app::Reading> rows) {
  const std::string history = table_;
  const auto columns = detail::reading_insert_columns();
  const auto updates = detail::reading_update_columns();
  return insert_rows(
      rows, "readings",
      [&](std::size_t n) {
        return upsert_sql(history, columns, updates, "\"meter\",\"frame_counter\"", n);
      },
      bind_reading);
}

Outcome SqliteReadingStore::write_debounced(std::span<const app::DebouncedRow> rows,
                                            bool overwrite) {
  const std::string debounced = table_ + std::string(detail::kDebouncedSuffix);
  const auto columns = detail::debounced_insert_columns();
  const auto updates = overwrite ? detail::debounced_update_columns() : std::vector<std::string>{};
  return insert_rows(
      rows, overwrite ? "debounced" : "debounced-if-absent",
      [&](std::size_t n) {
        return upsert_sql(debounced, columns, updates, "\"meter\",\"bucket_start\"", n);
      },
      bind_debounced);
}

Outcome SqliteReadingStore::write_raw(std::span<const app::RawTelegram> rows) {
  const std::string raw = table_ + std::string(detail::kRawSuffix);
  const auto columns = detail::raw_insert_columns();
  return insert_rows(
      rows, "raw",
      [&](std::size_t n) {
        return upsert_sql(raw, columns, {}, "\"received_at\",\"journal_offset\"", n);
      },
      bind_raw);
}

Outcome SqliteReadingStore::write(const app::StoredBatch& batch) {
  return detail::guarded("write", [&] {
    std::lock_guard lock(mutex_);
    if (auto up = ready(); !up) return up;
    if (batch.readings.empty() && batch.raw.empty() && batch.debounced.empty()) {
      return Outcome::success();
    }
    Outcome written = db_->transaction([&] {
      Outcome done = write_readings(batch.readings);
      if (done) done = write_debounced(batch.debounced, true);
      if (done) done = write_raw(batch.raw);
      return done;
    });
    if (!written) {
      schema_ready_ = false;  // a table may have been dropped behind our back: check again
      return Outcome::failure("write to " + file_.string() + " failed: " + written.error);
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
    const std::string timed =
        " FROM " + q(table_) + " WHERE meter = ? AND meter_time IS NOT NULL AND \"timestamp\" ";
    // Newest first on the (meter, timestamp) index: one step, whatever the meter's row count.
    const std::string newest_first = " ORDER BY \"timestamp\" DESC LIMIT 1";
    std::size_t computed_rows = 0;
    // BEGIN IMMEDIATE first, so the reads below see every committed reading.
    Outcome refreshed = db_->transaction([&] {
      Statement before = db_->prepare("SELECT \"timestamp\"" + timed + "< ?" + newest_first);
      Statement bucket = db_->prepare(
          "SELECT " + detail::identifier_list(detail::reading_select_columns(), '"', "") + timed +
          ">= ? AND \"timestamp\" < ?");
      std::vector<app::Reading> readings;
      for (const auto& meter : touched) {
        std::optional<std::int64_t> previous;
        std::optional<std::int64_t> newest;
        const auto newest_below = [&](std::int64_t bound, std::optional<std::int64_t>& out) {
          before.reset();
          return before.bind(meter.meter).bind(bound).each([&](const Statement& row) {
            out = row.integer(0);
          });
        };
        if (!newest_below(meter.bucket_starts.front(), previous) ||
            !newest_below(INT64_MAX, newest)) {
          return db_->fail("debounce buckets");
        }
        for (const std::int64_t start :
             app::buckets_to_refresh(meter, previous, newest, interval_s)) {
          bucket.reset();
          const bool read =
              bucket.bind(meter.meter)
                  .bind(start)
                  .bind(start + interval_s)
                  .each([&](const Statement& row) { readings.push_back(reading_from(row)); });
          if (!read) return db_->fail("debounce readings");
        }
      }
      const auto computed = app::debounce_readings(readings, interval_s);
      computed_rows = computed.size();
      return write_debounced(computed, true);
    });
    if (!refreshed) {
      schema_ready_ = false;
      return Outcome::failure("debounce refresh in " + file_.string() +
                              " failed: " + refreshed.error);
    }
    rows = computed_rows;
    return Outcome::success();
  });
}

Outcome SqliteReadingStore::raw_after(std::int64_t after_id, std::size_t limit,
                                      std::vector<app::RawTelegram>& out, std::int64_t& next_id) {
  return detail::guarded("raw_after", [&] {
    std::lock_guard lock(mutex_);
    out.clear();
    if (auto up = ready(); !up) return up;
    Statement select = db_->prepare("SELECT id, received_at, meter, error, payload FROM " +
                                    q(table_ + std::string(detail::kRawSuffix)) +
                                    " WHERE id > ?1 ORDER BY id LIMIT ?2");
    select.bind(after_id).bind(static_cast<std::int64_t>(
        std::min<std::size_t>(limit, static_cast<std::size_t>(INT64_MAX))));
    std::int64_t last = next_id;
    const bool read = select.each([&](const Statement& s) {
      last = s.integer(0);
      out.push_back({s.integer(1), s.text(4), s.text(2), s.text(3)});
    });
    if (!read) {
      out.clear();
      return db_->fail("raw_after");
    }
    next_id = last;
    return Outcome::success();
  });
}

Outcome SqliteReadingStore::purge_raw_before(std::int64_t received_at_ms) {
  return detail::guarded("purge_raw_before", [&] {
    std::lock_guard lock(mutex_);
    if (auto up = ready(); !up) return up;
    const std::string raw = q(table_ + std::string(detail::kRawSuffix));
    // In chunks, so that readers and the writer are not blocked for one long transaction.
    Statement purge = db_->prepare("DELETE FROM " + raw + " WHERE id IN (SELECT id FROM " + raw +
                                   " WHERE received_at < ?1 ORDER BY id LIMIT " +
                                   std::to_string(kPurgeChunkRows) + ")");
    if (!purge) return db_->fail("purge_raw_before");
    for (;;) {
      purge.bind(received_at_ms);
      if (purge.step() != SQLITE_DONE) return db_->fail("purge_raw_before");
      const auto deleted = static_cast<std::size_t>(db_->changes());
      purge.reset();
      if (deleted < kPurgeChunkRows) break;
    }
    return Outcome::success();
  });
}

void SqliteReadingStore::close() {
  std::lock_guard lock(mutex_);
  db_->close();
  schema_ready_ = false;
}

}  // namespace meter::storage
