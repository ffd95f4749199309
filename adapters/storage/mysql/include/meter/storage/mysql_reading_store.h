// SPDX-License-Identifier: MIT
// ReadingStore on MySQL / MariaDB (MariaDB Connector/C), compatible with the tables of the
// original Python system:
//
//   <table>           id, timestamp (meter time, UTC), WIn WOut PIn POut U1-U3 I1-I3 PF (NULL =
//                     not sent), meter, frame_counter, meter_time, meter_number, received_at (ms),
//                     RIn ROut QIn QOut; PRIMARY KEY (id, timestamp), UNIQUE (meter, frame_counter)
//   <table>Debounced  the same columns (timestamp = bucket start) plus bucket_start, samples,
//                     PInMin PInMax POutMin POutMax; UNIQUE (meter, bucket_start)
//   <table>Raw        id, received_at (ms), meter, error, payload
//
// open() creates the schema and the tables when missing and migrates the original's tables in
// place (ALTER TABLE: value columns made NULL-able, new columns and keys added; never a drop or
// a copy). The connection is opened lazily by every call while it is down (connect timeout 3 s,
// read/write timeouts 10 s) and closed after any error, so the next call reconnects. A lost
// connection is noticed by a ping before each write. Connection failures read
// "database unreachable: <server message>". Schema and table must match [A-Za-z0-9_] (table at
// most 55 characters, so that "<table>Debounced" fits MySQL's 64); otherwise every call fails.
// Calls are serialised by a mutex; no exception escapes.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>

#include "meter/app/ports.h"
#include "meter/storage/mysql_settings.h"

namespace meter::storage {

namespace mysql {
class Connection;
}

class MysqlReadingStore final : public app::ReadingStore {
 public:
  explicit MysqlReadingStore(MysqlSettings settings);
  ~MysqlReadingStore() override;
  MysqlReadingStore(const MysqlReadingStore&) = delete;
  MysqlReadingStore& operator=(const MysqlReadingStore&) = delete;

  // Success, or why the settings given to the constructor cannot work (bad schema/table name).
  app::Outcome validate() const;

  app::Outcome open() override;
  app::Outcome write(const app::StoredBatch& batch) override;
  // Under GET_LOCK('<schema>.<table>.debounce', 5 s), in its own transaction (see ReadingStore).
  app::Outcome refresh_debounced(std::span<const app::MeterBuckets> touched,
                                 std::int64_t interval_s, std::size_t& rows) override;
  // Replaces `out`; `next_id` is left unchanged when nothing follows `after_id`.
  app::Outcome raw_after(std::int64_t after_id, std::size_t limit,
                         std::vector<app::RawTelegram>& out, std::int64_t& next_id) override;
  app::Outcome purge_raw_before(std::int64_t received_at_ms) override;
  void close() override;
  std::string describe() const override;

 private:
  // Runs `body` under the lock; an exception closes the connection.
  template <typename Body>
  app::Outcome serialised(const char* operation, Body&& body);
  app::Outcome ready();                           // connected and schema checked
  app::Outcome fail(const std::string& context);  // and disconnects
  // Each "" on success, else the server's message.
  std::string write_readings(std::span<const app::Reading> rows);
  // Existing rows are overwritten when `overwrite`, else kept.
  std::string write_debounced(std::span<const app::DebouncedRow> rows, bool overwrite);
  std::string write_raw(std::span<const app::RawTelegram> rows);
  std::string table_ref(std::string_view suffix) const;

  MysqlSettings settings_;
  std::string invalid_;
  mutable std::mutex mutex_;
  std::unique_ptr<mysql::Connection> connection_;
  bool schema_ready_ = false;
};

}  // namespace meter::storage
