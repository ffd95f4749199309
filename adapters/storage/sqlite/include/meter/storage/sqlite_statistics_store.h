// SPDX-License-Identifier: MIT
// StatisticsStore on the service's SQLite file: its own connection (5 s busy timeout, so it
// waits for the service's writer), reads `<table>` (history) and upserts the statistics tables
// (see app/statistics_store.h for their names; columns in stats_schema.h). Calls are serialised by
// a mutex; no exception escapes.
#pragma once

#include <filesystem>
#include <memory>
#include <mutex>
#include <string>

#include "meter/app/statistics_store.h"

namespace meter::storage {

namespace sqlite {
class Connection;
}

class SqliteStatisticsStore final : public app::StatisticsStore {
 public:
  explicit SqliteStatisticsStore(std::filesystem::path file, std::string history_table = "history");
  ~SqliteStatisticsStore() override;
  SqliteStatisticsStore(const SqliteStatisticsStore&) = delete;
  SqliteStatisticsStore& operator=(const SqliteStatisticsStore&) = delete;

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
  app::Outcome ready();
  app::Outcome upsert_interval(std::span<const app::StatsRow> rows, app::StatsInterval interval);

  std::filesystem::path file_;
  std::string history_table_;
  app::StatsTableNames tables_;
  std::string invalid_;
  mutable std::mutex mutex_;
  std::unique_ptr<sqlite::Connection> db_;
  bool schema_ready_ = false;
};

}  // namespace meter::storage
