// SPDX-License-Identifier: MIT
// PortalStore on MySQL / MariaDB: table `<schema>.portalQuarterHour` (columns in
// portal_schema.h; InnoDB, PRIMARY KEY (meter, intervalStart)), apart from the readings, on a
// connection of its own from the same settings as MysqlReadingStore. Creates the schema and the
// table when missing; a connection the server closed is opened again. Calls are serialised by a
// mutex; no exception escapes.
#pragma once

#include <memory>
#include <mutex>
#include <string>

#include "meter/app/portal.h"
#include "meter/storage/mysql_settings.h"

namespace meter::storage {

namespace mysql {
class Connection;
}

class MysqlPortalStore final : public app::PortalStore {
 public:
  explicit MysqlPortalStore(MysqlSettings settings);
  ~MysqlPortalStore() override;
  MysqlPortalStore(const MysqlPortalStore&) = delete;
  MysqlPortalStore& operator=(const MysqlPortalStore&) = delete;

  app::Outcome open() override;
  app::Outcome store(std::span<const app::PortalQuarterHour> rows, std::size_t& changed) override;
  app::Outcome rows(const app::PortalQuery& query,
                    std::vector<app::PortalQuarterHour>& out) override;
  app::Outcome metering_points(std::vector<app::MeteringPointOfMeter>& out) override;
  void close() override;
  std::string describe() const override;

 private:
  template <typename Body>
  app::Outcome serialised(const char* operation, Body&& body);
  app::Outcome ready();
  app::Outcome fail(const std::string& context);  // and disconnects
  std::string read(const app::PortalQuery& query, std::vector<app::PortalQuarterHour>& out);
  void disconnect();

  MysqlSettings settings_;
  std::string invalid_;
  mutable std::mutex mutex_;
  std::unique_ptr<mysql::Connection> connection_;
  bool schema_ready_ = false;
};

}  // namespace meter::storage
