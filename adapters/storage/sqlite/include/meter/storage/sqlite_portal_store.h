// SPDX-License-Identifier: MIT
// PortalStore on the service's SQLite file: table `portalQuarterHour` (columns in
// portal_schema.h), apart from the readings. Its own connection (5 s busy timeout, so that it
// waits for the service's writer); calls serialised by a mutex; no exception escapes.
#pragma once

#include <filesystem>
#include <memory>
#include <mutex>
#include <string>

#include "meter/app/portal.h"

namespace meter::storage {

namespace sqlite {
class Connection;
}

class SqlitePortalStore final : public app::PortalStore {
 public:
  explicit SqlitePortalStore(std::filesystem::path file);
  ~SqlitePortalStore() override;
  SqlitePortalStore(const SqlitePortalStore&) = delete;
  SqlitePortalStore& operator=(const SqlitePortalStore&) = delete;

  app::Outcome open() override;
  app::Outcome store(std::span<const app::PortalQuarterHour> rows, std::size_t& changed) override;
  app::Outcome rows(const app::PortalQuery& query,
                    std::vector<app::PortalQuarterHour>& out) override;
  app::Outcome metering_points(std::vector<app::MeteringPointOfMeter>& out) override;
  void close() override;
  std::string describe() const override;

 private:
  app::Outcome ready();
  app::Outcome read(const app::PortalQuery& query, std::vector<app::PortalQuarterHour>& out);

  std::filesystem::path file_;
  mutable std::mutex mutex_;
  std::unique_ptr<sqlite::Connection> db_;
  bool schema_ready_ = false;
};

}  // namespace meter::storage
