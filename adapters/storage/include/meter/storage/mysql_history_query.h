// SPDX-License-Identifier: MIT
// HistoryQuery on MySQL / MariaDB: its own connection (Connector/C, connect timeout 3 s, read
// timeout 10 s), opened on first use and again after an error. A schema or table that does not
// exist yet reads as empty. Calls are serialised.
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "meter/app/history_query.h"
#include "meter/storage/mysql_reading_store.h"

namespace meter::storage {

class MysqlHistoryQuery final : public app::HistoryQuery {
 public:
  explicit MysqlHistoryQuery(MysqlSettings settings);
  ~MysqlHistoryQuery() override;
  MysqlHistoryQuery(const MysqlHistoryQuery&) = delete;
  MysqlHistoryQuery& operator=(const MysqlHistoryQuery&) = delete;

  app::Outcome meters(std::vector<app::MeterSummary>& out) override;
  app::Outcome power(const std::string& meter, std::int64_t from, std::int64_t to,
                     std::int64_t step_s, std::vector<app::PowerPoint>& out) override;
  app::Outcome counters(const std::string& meter, std::int64_t from, std::int64_t to,
                        std::int64_t step_s, std::vector<app::CounterBucket>& out) override;
  std::string describe() const override;

 private:
  using Row = std::vector<std::optional<std::string>>;
  // Runs `sql`; rows as text (NULL: nullopt). A missing schema or table gives no rows.
  app::Outcome select(const std::string& sql, std::vector<Row>& rows);
  // Aligned buckets of one meter in [from, to): start, readings, then the four `aggregates`.
  template <typename Bucket>
  app::Outcome buckets(const char* what, const std::string& aggregates, const std::string& meter,
                       std::int64_t from, std::int64_t to, std::int64_t step_s,
                       std::vector<Bucket>& out);
  app::Outcome connect();
  std::string quoted(const std::string& text);
  void disconnect();

  MysqlSettings settings_;
  std::string invalid_;
  std::string table_ref_;
  std::mutex mutex_;
  st_mysql* connection_ = nullptr;
};

}  // namespace meter::storage
