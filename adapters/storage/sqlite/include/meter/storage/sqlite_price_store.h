// SPDX-License-Identifier: MIT
// PriceStore on the service's SQLite file: its own connection (5 s busy timeout, so that it
// waits for the service's writer) and the `prices` table (columns in price_schema.h). Calls are
// serialised by a mutex; no exception escapes.
#pragma once

#include <filesystem>
#include <memory>
#include <mutex>
#include <string>

#include "meter/app/prices.h"

namespace meter::storage {

namespace sqlite {
class Connection;
}

class SqlitePriceStore final : public app::PriceStore {
 public:
  explicit SqlitePriceStore(std::filesystem::path file);
  ~SqlitePriceStore() override;
  SqlitePriceStore(const SqlitePriceStore&) = delete;
  SqlitePriceStore& operator=(const SqlitePriceStore&) = delete;

  app::Outcome open() override;
  app::Outcome store(std::span<const app::PricePoint> points, std::size_t& changed) override;
  app::Outcome prices(const app::PriceQuery& query, std::vector<app::PricePoint>& out) override;
  app::Outcome changed_since(const app::PriceQuery& query, std::int64_t updated_since_ms,
                             std::vector<app::PricePoint>& out) override;
  app::Outcome summaries(std::vector<app::PriceSummary>& out) override;
  void close() override;
  std::string describe() const override;

 private:
  app::Outcome ready();
  app::Outcome select(const app::PriceQuery& query, std::int64_t updated_since_ms,
                      std::vector<app::PricePoint>& out);

  std::filesystem::path file_;
  mutable std::mutex mutex_;
  std::unique_ptr<sqlite::Connection> db_;
  bool schema_ready_ = false;
};

}  // namespace meter::storage
