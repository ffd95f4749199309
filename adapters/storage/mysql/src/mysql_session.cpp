// SPDX-License-Identifier: MIT
#include "mysql_session.h"

namespace meter::storage::mysql {
namespace {

constexpr Timeouts kTimeouts{.read_s = 30, .write_s = 30};

std::string invalid_settings(const MysqlSettings& settings, Session::Names names) {
  if (names == Session::Names::kTableAndSchema) {
    std::string invalid =
        detail::check_identifier(settings.table, "SMARTMETER_DB_TABLE", detail::kMaxTableName);
    if (!invalid.empty()) return invalid;
  }
  return detail::check_identifier(settings.schema, "SMARTMETER_DB_SCHEMA", detail::kMaxSchemaName);
}

}  // namespace

Session::Session(MysqlSettings settings, Names names, CreateTables create_tables)
    : settings_(std::move(settings)),
      invalid_(invalid_settings(settings_, names)),
      create_tables_(std::move(create_tables)) {}

std::string Session::describe(std::string_view tables) const {
  return "mysql " + settings_.host + ":" + std::to_string(settings_.port) + "/" + settings_.schema +
         " (" + std::string(tables) + ")";
}

app::Outcome Session::fail(const std::string& context) {
  app::Outcome failed = app::Outcome::failure(context + ": " + connection_.error());
  disconnect();  // the next call starts on a fresh connection
  return failed;
}

void Session::disconnect() {
  connection_.close();
  schema_ready_ = false;
}

void Session::close() {
  std::lock_guard lock(mutex_);
  disconnect();
}

app::Outcome Session::ready() {
  if (!invalid_.empty()) return app::Outcome::failure(invalid_);
  if (!connection_.alive()) {
    schema_ready_ = false;
    if (auto opened = connection_.open(settings_, kTimeouts); !opened) return opened;
  }
  if (schema_ready_) return app::Outcome::success();
  if (!connection_
           .run("CREATE DATABASE IF NOT EXISTS " + bq(settings_.schema) +
                " DEFAULT CHARACTER SET utf8mb4")
           .empty()) {
    return fail("query");
  }
  if (!connection_.use_schema(settings_.schema).empty()) return fail("use schema");
  if (auto created = create_tables_(*this); !created) return created;
  schema_ready_ = true;
  return app::Outcome::success();
}

}  // namespace meter::storage::mysql
