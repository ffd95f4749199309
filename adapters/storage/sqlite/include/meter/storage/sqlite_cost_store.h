// SPDX-License-Identifier: MIT
// CostStore on the service's SQLite file: its own connection (5 s busy timeout), the table
// costQuarterHour and the views costDaily and costMonthly (names in app/cost_store.h, columns in
// cost_schema.h). Calls are serialised by a mutex; no exception escapes.
#pragma once

#include <filesystem>
#include <memory>
#include <mutex>
#include <string>

#include "meter/app/cost_store.h"

namespace meter::storage {

namespace sqlite {
class Connection;
}

class SqliteCostStore final : public app::CostStore {
 public:
  explicit SqliteCostStore(std::filesystem::path file,
                           const std::string& history_table = "history");
  ~SqliteCostStore() override;
  SqliteCostStore(const SqliteCostStore&) = delete;
  SqliteCostStore& operator=(const SqliteCostStore&) = delete;

  app::Outcome open() override;
  app::Outcome store(std::span<const app::StoredCost> rows) override;
  app::Outcome quarter_hours(const std::string& meter, std::int64_t from, std::int64_t until,
                             std::vector<app::StoredCost>& out) override;
  app::Outcome totals(const app::CostQuery& query, std::vector<app::CostTotal>& out) override;
  app::Outcome meters(std::vector<std::string>& out) override;
  void close() override;
  std::string describe() const override;

 private:
  app::Outcome ready();

  std::filesystem::path file_;
  app::CostTableNames tables_;
  std::string invalid_;
  mutable std::mutex mutex_;
  std::unique_ptr<sqlite::Connection> db_;
  bool schema_ready_ = false;
};

}  // namespace meter::storage
