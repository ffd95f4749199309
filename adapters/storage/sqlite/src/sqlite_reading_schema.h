// SPDX-License-Identifier: MIT
// The reading store's tables on SQLite (history, debounced, raw; detail::table_specs): created
// when missing, brought up to date in place (missing columns and indexes added) when present.
#pragma once

#include <string>

#include "meter/app/ports.h"
#include "sqlite_connection.h"

namespace meter::storage::sqlite {

app::Outcome ensure_reading_tables(Connection& db, const std::string& table);

}  // namespace meter::storage::sqlite
