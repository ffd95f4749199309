// SPDX-License-Identifier: MIT
// PriceStore on MySQL / MariaDB (MariaDB Connector/C): its own connection from the same
// settings as the other stores, the `prices` table in the settings' schema (InnoDB, PRIMARY KEY
// (market, product, intervalStart); columns in price_schema.h). Creates the schema and the table
// when missing; a connection lost between calls is noticed by a ping and opened again. Calls
// are serialised by a mutex; no exception escapes.
#pragma once

#include <memory>
#include <string>

#include "meter/app/prices.h"
#include "meter/storage/mysql_settings.h"

namespace meter::storage {

namespace mysql {
class Session;
}

class MysqlPriceStore final : public app::PriceStore {
 public:
  explicit MysqlPriceStore(MysqlSettings settings);
  ~MysqlPriceStore() override;
  MysqlPriceStore(const MysqlPriceStore&) = delete;
  MysqlPriceStore& operator=(const MysqlPriceStore&) = delete;

  app::Outcome open() override;
  app::Outcome store(std::span<const app::PricePoint> points, std::size_t& changed) override;
  app::Outcome prices(const app::PriceQuery& query, std::vector<app::PricePoint>& out) override;
  app::Outcome changed_since(const app::PriceQuery& query, std::int64_t updated_since_ms,
                             std::vector<app::PricePoint>& out) override;
  app::Outcome summaries(std::vector<app::PriceSummary>& out) override;
  void close() override;
  std::string describe() const override;

 private:
  app::Outcome select(const app::PriceQuery& query, std::int64_t updated_since_ms,
                      std::vector<app::PricePoint>& out);
  std::string write(std::span<const app::PricePoint> points, std::size_t& changed);

  std::unique_ptr<mysql::Session> session_;
};

}  // namespace meter::storage
