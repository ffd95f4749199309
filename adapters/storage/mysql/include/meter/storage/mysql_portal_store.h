// SPDX-License-Identifier: MIT
// PortalStore on MySQL / MariaDB: table `<schema>.portalQuarterHour` (columns in
// portal_schema.h; InnoDB, PRIMARY KEY (meter, intervalStart)), apart from the readings, on a
// connection of its own from the same settings as MysqlReadingStore. Creates the schema and the
// table when missing; a connection the server closed is opened again. Calls are serialised by a
// mutex; no exception escapes.
#pragma once

#include <memory>
#include <string>

#include "meter/app/portal.h"
#include "meter/storage/mysql_settings.h"

namespace meter::storage {

namespace mysql {
class Session;
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
  std::string read(const app::PortalQuery& query, std::vector<app::PortalQuarterHour>& out);

  std::unique_ptr<mysql::Session> session_;
};

}  // namespace meter::storage
