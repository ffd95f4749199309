// SPDX-License-Identifier: MIT
// HistoryQuery on MySQL / MariaDB: its own connection (Connector/C, connect timeout 3 s, read
// timeout 10 s), opened on first use and again after an error. A schema or table that does not
// exist yet reads as empty. Calls are serialised.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "meter/app/history_query.h"
#include "meter/storage/mysql_settings.h"

namespace meter::storage {

namespace mysql {
class Connection;
}

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
  app::Outcome phases(const std::string& meter, std::int64_t from, std::int64_t to,
                      std::int64_t step_s, std::vector<app::PhasePoint>& out) override;
  std::string describe() const override;

 private:
  // Runs `sql`, calling `on_row` with each row. A missing schema or table gives no rows.
  template <typename OnRow>
  app::Outcome select(const std::string& sql, OnRow&& on_row);
  // Aligned buckets of one meter in [from, to): start, readings, then the `aggregates` (four; six
  // for phases).
  template <typename Bucket>
  app::Outcome buckets(const char* what, const std::string& aggregates, const std::string& meter,
                       std::int64_t from, std::int64_t to, std::int64_t step_s,
                       std::vector<Bucket>& out);
  app::Outcome connect();

  MysqlSettings settings_;
  std::string invalid_;
  std::string table_ref_;
  std::mutex mutex_;
  std::unique_ptr<mysql::Connection> connection_;
};

}  // namespace meter::storage
