// SPDX-License-Identifier: MIT
// CostStore on MySQL / MariaDB: its own connection from the same settings as the reading store,
// the table costQuarterHour (InnoDB, PRIMARY KEY (meter, intervalStart)) and the views costDaily
// and costMonthly (names in app/cost_store.h, columns in cost_schema.h). A connection lost
// between calls is opened again. Calls are serialised by a mutex; no exception escapes.
#pragma once

#include <memory>
#include <string>

#include "meter/app/cost_store.h"
#include "meter/storage/mysql_settings.h"

namespace meter::storage {

namespace mysql {
class Session;
}

class MysqlCostStore final : public app::CostStore {
 public:
  explicit MysqlCostStore(MysqlSettings settings);
  ~MysqlCostStore() override;
  MysqlCostStore(const MysqlCostStore&) = delete;
  MysqlCostStore& operator=(const MysqlCostStore&) = delete;

  app::Outcome open() override;
  app::Outcome store(std::span<const app::StoredCost> rows) override;
  app::Outcome quarter_hours(const std::string& meter, std::int64_t from, std::int64_t until,
                             std::vector<app::StoredCost>& out) override;
  app::Outcome totals(const app::CostQuery& query, std::vector<app::CostTotal>& out) override;
  app::Outcome meters(std::vector<std::string>& out) override;
  void close() override;
  std::string describe() const override;

 private:
  app::CostTableNames tables_;
  std::unique_ptr<mysql::Session> session_;  // after tables_: its callback reads them
};

}  // namespace meter::storage
