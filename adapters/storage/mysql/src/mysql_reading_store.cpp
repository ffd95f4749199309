// SPDX-License-Identifier: MIT
#include "meter/storage/mysql_reading_store.h"

#include <optional>
#include <utility>
#include <vector>

#include "mysql_connection.h"
#include "mysql_reading_schema.h"
#include "schema.h"

namespace meter::storage {
namespace {

using app::Outcome;
using mysql::bq;
using mysql::Chunker;
using mysql::Values;

constexpr mysql::Timeouts kTimeouts{.read_s = 10, .write_s = 10};
constexpr std::size_t kPurgeChunkRows = 10000;

// WIn and WOut as whole Wh (the original's int columns), the rest as doubles.
void bind_values(Values& v, const std::array<app::OptionalValue, core::kQuantityCount>& values) {
  for (std::size_t i = 0; i < core::kQuantityCount; ++i) {
    if (i < 2) {
      v.number(detail::storable_counter(values[i]));
    } else {
      v.number(detail::storable(values[i]));
    }
  }
}

// Each row through `to_values` into `chunks`; "" on success, else "<what>: <error>".
template <typename Rows, typename ToValues>
std::string insert_all(Chunker& chunks, const Rows& rows, const char* what,
                       const ToValues& to_values) {
  std::string error;
  for (const auto& row : rows) {
    if (error = chunks.add(to_values(row)); !error.empty()) break;
  }
  if (error.empty()) error = chunks.flush();
  return error.empty() ? error : what + (": " + error);
}

// A history row selected with detail::reading_select_columns().
app::Reading reading_from(const mysql::Row& row) {
  app::Reading reading;
  reading.meter = row.text(0);
  reading.frame_counter = static_cast<std::uint32_t>(row.integer(1));
  reading.timestamp = row.integer(2);
  reading.meter_time = row.text(3);
  reading.meter_number = row.text(4);
  reading.received_at_ms = row.integer(5);
  for (std::size_t i = 0; i < core::kQuantityCount; ++i) {
    reading.values[i] = row.real(detail::kReadingSelectValue0 + i);
  }
  return reading;
}

}  // namespace

MysqlReadingStore::MysqlReadingStore(MysqlSettings settings)
    : settings_(std::move(settings)), connection_(std::make_unique<mysql::Connection>()) {
  invalid_ = detail::check_identifier(settings_.schema, "schema name", detail::kMaxSchemaName);
  if (invalid_.empty()) {
    invalid_ = detail::check_identifier(settings_.table, "table name", detail::kMaxTableName);
  }
}

MysqlReadingStore::~MysqlReadingStore() { close(); }

Outcome MysqlReadingStore::validate() const {
  return invalid_.empty() ? Outcome::success() : Outcome::failure(invalid_);
}

std::string MysqlReadingStore::describe() const {
  std::string where = settings_.unix_socket.empty()
                          ? (settings_.host.empty() ? "localhost" : settings_.host) + ":" +
                                std::to_string(settings_.port)
                          : settings_.unix_socket;
  return "mysql " + settings_.user + "@" + where + "/" + settings_.schema + "." + settings_.table;
}

std::string MysqlReadingStore::table_ref(std::string_view suffix) const {
  return bq(settings_.schema) + "." + bq(settings_.table + std::string(suffix));
}

Outcome MysqlReadingStore::fail(const std::string& context) {
  if (!connection_->is_open()) return Outcome::failure(context + ": not connected");
  std::string message = context + ": " + connection_->error();
  // The tables were dropped or replaced behind our back: check them again before the next call.
  if (connection_->schema_gone()) schema_ready_ = false;
  connection_->close();
  return Outcome::failure(std::move(message));
}

Outcome MysqlReadingStore::ready() {
  if (!invalid_.empty()) return Outcome::failure(invalid_);
  // A connection the server closed (restart, wait_timeout) is only noticed when used: find
  // out before the call, so that one server restart does not cost a failed batch.
  if (!connection_->alive()) {
    if (auto opened = connection_->open(settings_, kTimeouts); !opened) return opened;
  }
  if (schema_ready_) return Outcome::success();
  if (auto ensured = mysql::ensure_reading_tables(settings_); !ensured) return ensured;
  schema_ready_ = true;
  return Outcome::success();
}

template <typename Body>
Outcome MysqlReadingStore::serialised(const char* operation, Body&& body) {
  return detail::guarded(
      operation,
      [&] {
        std::lock_guard lock(mutex_);
        return body();
      },
      [&] {
        std::lock_guard lock(mutex_);
        connection_->close();
      });
}

Outcome MysqlReadingStore::open() {
  return serialised("open", [&] {
    schema_ready_ = false;
    return ready();
  });
}

std::string MysqlReadingStore::write_readings(std::span<const app::Reading> rows) {
  Chunker chunks(*connection_, mysql::insert_head(table_ref(""), detail::reading_insert_columns()),
                 mysql::upsert_tail(detail::reading_update_columns()));
  Values values(*connection_);
  return insert_all(chunks, rows, "readings", [&](const app::Reading& r) {
    values.number(detail::storable_timestamp(r.timestamp));
    bind_values(values, r.values);
    values.text(detail::fit_text(r.meter, 16, 64));
    values.number(static_cast<std::int64_t>(r.frame_counter));
    values.text_or_null(detail::fit_text(r.meter_time, 32, 128));
    values.text_or_null(detail::fit_text(r.meter_number, 32, 128));
    values.number(r.received_at_ms);
    return values.take();
  });
}

std::string MysqlReadingStore::write_debounced(std::span<const app::DebouncedRow> rows,
                                               bool overwrite) {
  Chunker chunks(
      *connection_,
      mysql::insert_head(table_ref(detail::kDebouncedSuffix), detail::debounced_insert_columns()),
      mysql::upsert_tail(overwrite ? detail::debounced_update_columns()
                                   : std::vector<std::string>{}));
  Values values(*connection_);
  return insert_all(chunks, rows, "debounced rows", [&](const app::DebouncedRow& r) {
    values.number(detail::storable_timestamp(r.bucket_start));
    bind_values(values, r.values);
    values.text(detail::fit_text(r.meter, 16, 64));
    values.number(r.bucket_start);
    values.number(detail::storable_int(r.samples));
    for (const auto* value :
         {&r.power_in_min, &r.power_in_max, &r.power_out_min, &r.power_out_max}) {
      values.number(detail::storable(*value));
    }
    return values.take();
  });
}

std::string MysqlReadingStore::write_raw(std::span<const app::RawTelegram> rows) {
  // Archived already: the first row stays.
  Chunker chunks(*connection_,
                 mysql::insert_head(table_ref(detail::kRawSuffix), detail::raw_insert_columns()),
                 mysql::upsert_tail({}));
  Values values(*connection_);
  return insert_all(chunks, rows, "raw telegrams", [&](const app::RawTelegram& r) {
    values.number(r.received_at_ms);
    values.text(detail::fit_text(r.meter, 16, 64));
    values.text(detail::fit_text(r.error, 32, 128));
    values.text(detail::fit_text(r.payload, detail::kPayloadMaxBytes, detail::kPayloadMaxBytes));
    values.number(static_cast<std::int64_t>(r.journal_offset));
    return values.take();
  });
}

Outcome MysqlReadingStore::write(const app::StoredBatch& batch) {
  return serialised("write", [&] {
    if (auto up = ready(); !up) return up;
    if (batch.readings.empty() && batch.raw.empty() && batch.debounced.empty()) {
      return Outcome::success();
    }
    const std::string error = connection_->transaction([&] {
      std::string failure = write_readings(batch.readings);
      if (failure.empty()) failure = write_debounced(batch.debounced, true);
      if (failure.empty()) failure = write_raw(batch.raw);
      return failure;
    });
    if (error.empty()) return Outcome::success();
    if (connection_->schema_gone()) schema_ready_ = false;
    connection_->close();
    return Outcome::failure("write to " + settings_.schema + "." + settings_.table +
                            " failed: " + error);
  });
}

Outcome MysqlReadingStore::refresh_debounced(std::span<const app::MeterBuckets> touched,
                                             std::int64_t interval_s, std::size_t& rows) {
  return serialised("refresh_debounced", [&] {
    rows = 0;
    if (touched.empty()) return Outcome::success();
    if (auto up = ready(); !up) return up;
    const std::string history = table_ref("");
    // One refresh at a time across all writers of this table, and its snapshot taken after the
    // lock: it sees every reading committed before, and the next refresh sees its rows.
    const std::string lock_name =
        connection_->quoted((settings_.schema + "." + settings_.table + ".debounce").substr(0, 64));
    std::int64_t locked = 0;
    std::string error =
        connection_->select("SELECT GET_LOCK(" + lock_name + ", 5)",
                            [&](const mysql::Row& row) { locked = row.integer(0); });
    if (error.empty() && locked != 1) error = "the debounce lock is busy";
    std::size_t computed_rows = 0;
    if (error.empty()) {
      error = connection_->transaction([&] {
        // Per meter: its newest reading before the first touched bucket, and its newest.
        const std::string timed = " AND `meter_time` IS NOT NULL ";
        std::string sql;
        for (const auto& meter : touched) {
          const std::string m = connection_->quoted(meter.meter);
          if (!sql.empty()) sql += " UNION ALL ";
          sql += "SELECT (SELECT `timestamp` FROM " + history + " WHERE `meter` = " + m +
                 " AND `timestamp` < ";
          detail::append_number(sql, meter.bucket_starts.front());
          sql += timed + "ORDER BY `timestamp` DESC LIMIT 1), (SELECT `timestamp` FROM " + history +
                 " WHERE `meter` = " + m + timed + "ORDER BY `timestamp` DESC LIMIT 1)";
        }
        std::vector<std::pair<std::optional<std::int64_t>, std::optional<std::int64_t>>> spans;
        std::string failure = connection_->select(sql, [&](const mysql::Row& row) {
          spans.emplace_back(row.optional_integer(0), row.optional_integer(1));
        });
        if (failure.empty() && spans.size() != touched.size()) failure = "unexpected row count";
        if (!failure.empty()) return failure;

        // The readings of the complete buckets among them, computed and upserted.
        sql = "SELECT " + detail::identifier_list(detail::reading_select_columns(), '`', "") +
              " FROM " + history + " WHERE `meter_time` IS NOT NULL AND (";
        bool any = false;
        for (std::size_t i = 0; i < touched.size(); ++i) {
          const std::string m = connection_->quoted(touched[i].meter);
          for (const std::int64_t bucket :
               app::buckets_to_refresh(touched[i], spans[i].first, spans[i].second, interval_s)) {
            sql += std::string(any ? " OR " : "") + "(`meter` = " + m + " AND `timestamp` >= ";
            detail::append_number(sql, bucket);
            sql += " AND `timestamp` < ";
            detail::append_number(sql, bucket + interval_s);
            sql += ')';
            any = true;
          }
        }
        if (!any) return failure;
        std::vector<app::Reading> readings;
        failure = connection_->select(
            sql + ')', [&](const mysql::Row& row) { readings.push_back(reading_from(row)); });
        if (!failure.empty()) return failure;
        const auto computed = app::debounce_readings(readings, interval_s);
        computed_rows = computed.size();
        return write_debounced(computed, true);
      });
    }
    if (error.empty()) error = connection_->run("DO RELEASE_LOCK(" + lock_name + ")");
    if (!error.empty()) {
      // Closing the connection also releases the lock.
      if (connection_->schema_gone()) schema_ready_ = false;
      connection_->close();
      return Outcome::failure("debounce refresh in " + settings_.schema + "." + settings_.table +
                              " failed: " + error);
    }
    rows = computed_rows;
    return Outcome::success();
  });
}

Outcome MysqlReadingStore::raw_after(std::int64_t after_id, std::size_t limit,
                                     std::vector<app::RawTelegram>& out, std::int64_t& next_id) {
  return serialised("raw_after", [&] {
    out.clear();
    if (auto up = ready(); !up) return up;
    std::string sql = "SELECT `id`, `received_at`, `meter`, `error`, `payload` FROM " +
                      table_ref(detail::kRawSuffix) + " WHERE `id` > ";
    detail::append_number(sql, after_id);
    sql += " ORDER BY `id` LIMIT " + std::to_string(limit);
    std::int64_t last = next_id;
    const std::string error = connection_->select(sql, [&](const mysql::Row& row) {
      last = row.integer(0);
      out.push_back({row.integer(1), row.text(4), row.text(2), row.text(3)});
    });
    if (!error.empty()) {
      out.clear();
      return fail("raw_after");
    }
    next_id = last;
    return Outcome::success();
  });
}

Outcome MysqlReadingStore::purge_raw_before(std::int64_t received_at_ms) {
  return serialised("purge_raw_before", [&] {
    if (auto up = ready(); !up) return up;
    // In chunks: one huge DELETE would hold locks and undo log for a long time.
    std::string sql = "DELETE FROM " + table_ref(detail::kRawSuffix) + " WHERE `received_at` < ";
    detail::append_number(sql, received_at_ms);
    sql += " ORDER BY `id` LIMIT " + std::to_string(kPurgeChunkRows);
    for (;;) {
      if (!connection_->run(sql).empty()) return fail("purge_raw_before");
      if (connection_->affected_rows() < kPurgeChunkRows) break;
    }
    return Outcome::success();
  });
}

void MysqlReadingStore::close() {
  std::lock_guard lock(mutex_);
  connection_->close();
  schema_ready_ = false;
}

}  // namespace meter::storage
