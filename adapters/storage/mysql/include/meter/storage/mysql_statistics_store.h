// SPDX-License-Identifier: MIT
// StatisticsStore on MySQL / MariaDB (MariaDB Connector/C): its own connection from the same
// settings as MysqlReadingStore, reads `<schema>.<table>` (history) and upserts the statistics
// tables (names in app/statistics_store.h, columns in stats_schema.h; InnoDB, PRIMARY KEY
// (meter, intervalStart)). Creates the schema and the tables when missing. A connection lost
// between calls is noticed by a ping and opened again. Calls are serialised by a mutex; no
// exception escapes.
#pragma once

#include <memory>
#include <string>

#include "meter/app/statistics_store.h"
#include "meter/storage/mysql_settings.h"

namespace meter::storage {

namespace mysql {
class Session;
}

class MysqlStatisticsStore final : public app::StatisticsStore {
 public:
  explicit MysqlStatisticsStore(MysqlSettings settings);
  ~MysqlStatisticsStore() override;
  MysqlStatisticsStore(const MysqlStatisticsStore&) = delete;
  MysqlStatisticsStore& operator=(const MysqlStatisticsStore&) = delete;

  app::Outcome open() override;
  app::Outcome meters(std::vector<std::string>& out) override;
  app::Outcome meters_since(std::int64_t after_id, std::vector<std::string>& out,
                            std::vector<std::int64_t>& oldest, std::int64_t& newest_id) override;
  app::Outcome reading_span(const std::string& meter,
                            std::optional<std::pair<std::int64_t, std::int64_t>>& out) override;
  app::Outcome readings(const std::string& meter, std::int64_t from, std::int64_t until,
                        std::vector<app::Reading>& out) override;
  app::Outcome newest_row_start(const std::string& meter, app::StatsInterval interval,
                                std::optional<std::int64_t>& out) override;
  app::Outcome upsert(std::span<const app::StatsRow> rows) override;
  app::Outcome rows(const app::StatsQuery& query, std::vector<app::StatsRow>& out) override;
  void close() override;
  std::string describe() const override;

 private:
  app::Outcome history_exists(bool& exists);
  std::string upsert_interval(std::span<const app::StatsRow> rows, app::StatsInterval interval);

  app::StatsTableNames tables_;
  std::unique_ptr<mysql::Session> session_;  // after tables_: its callback reads them
};

}  // namespace meter::storage
