// SPDX-License-Identifier: MIT
// The reading store's schema and tables on MySQL / MariaDB (detail::table_specs): created when
// missing, and the original Python system's tables (PROTOCOL.md 1.6) migrated in place: value
// columns made NULL-able, new columns and keys added in one ALTER TABLE per table; never a drop
// or a copy. Runs on a connection of its own that waits for long DDL.
#pragma once

#include "meter/app/ports.h"
#include "meter/storage/mysql_settings.h"

namespace meter::storage::mysql {

app::Outcome ensure_reading_tables(const MysqlSettings& settings);

}  // namespace meter::storage::mysql
