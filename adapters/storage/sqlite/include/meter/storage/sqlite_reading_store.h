// SPDX-License-Identifier: MIT
// ReadingStore on an embedded SQLite file: WAL journal, synchronous=NORMAL (a committed batch
// survives a process crash; a power cut may lose the last batches, which the service's journal
// still holds), a 5 s busy timeout for readers such as the dashboard.
//
// Tables `<table>`, `<table>Debounced`, `<table>Raw` as in the MySQL adapter (columns of the
// original Python system plus meter, frame_counter, ...). open() creates the data directory and
// the tables, or brings tables of an older version up to date in place (new columns and keys
// added); nothing is ever dropped or copied. A table whose value columns are NOT NULL (not one
// this service created: the original system wrote MySQL only) is refused with the reason.
//
// The table name must match [A-Za-z0-9_]{1,55}; otherwise every call fails and says why.
// `file` may be ":memory:" for tests. Calls are serialised by a mutex; no exception escapes.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <span>
#include <string>

#include "meter/app/ports.h"

namespace meter::storage {

namespace sqlite {
class Connection;
}

class SqliteReadingStore final : public app::ReadingStore {
 public:
  // `debounce_interval_s` is used by refresh_debounced() when it is given an interval <= 0.
  explicit SqliteReadingStore(std::filesystem::path file, std::string table = "history",
                              std::int64_t debounce_interval_s = 300);
  ~SqliteReadingStore() override;
  SqliteReadingStore(const SqliteReadingStore&) = delete;
  SqliteReadingStore& operator=(const SqliteReadingStore&) = delete;

  // Success, or why the settings given to the constructor cannot work (bad table name).
  app::Outcome validate() const;

  app::Outcome open() override;
  app::Outcome write(const app::StoredBatch& batch) override;
  // In a BEGIN IMMEDIATE transaction of its own (see ReadingStore).
  app::Outcome refresh_debounced(std::span<const app::MeterBuckets> touched,
                                 std::int64_t interval_s, std::size_t& rows) override;
  // Replaces `out`; `next_id` is left unchanged when nothing follows `after_id`.
  app::Outcome raw_after(std::int64_t after_id, std::size_t limit,
                         std::vector<app::RawTelegram>& out, std::int64_t& next_id) override;
  app::Outcome purge_raw_before(std::int64_t received_at_ms) override;
  void close() override;
  std::string describe() const override;

 private:
  app::Outcome ready();  // connected and schema checked
  app::Outcome write_readings(std::span<const app::Reading> rows);
  // Existing rows are overwritten when `overwrite`, else kept.
  app::Outcome write_debounced(std::span<const app::DebouncedRow> rows, bool overwrite);
  app::Outcome write_raw(std::span<const app::RawTelegram> rows);
  // Runs `bind_row` for each of `rows` in chunks of multi-row statements made by `make_sql`.
  template <typename Rows, typename MakeSql, typename BindRow>
  app::Outcome insert_rows(const Rows& rows, const std::string& kind, const MakeSql& make_sql,
                           const BindRow& bind_row);

  std::filesystem::path file_;
  std::string table_;
  std::int64_t debounce_interval_s_;
  std::string invalid_;  // why the settings cannot work, empty when they can
  mutable std::mutex mutex_;
  std::unique_ptr<sqlite::Connection> db_;
  bool schema_ready_ = false;
};

}  // namespace meter::storage
