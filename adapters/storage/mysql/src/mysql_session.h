// SPDX-License-Identifier: MIT
// The connection life cycle the price, portal, cost and statistics stores share: the settings
// and what is wrong with them, one Connection (timeouts 30 s each way), the schema made ready
// once per connection (CREATE DATABASE IF NOT EXISTS, USE, then the store's own tables through
// the callback it passes), reopened when the server closed it, and calls serialised by a mutex
// with no exception escaping. A failure disconnects, so the next call starts on a fresh
// connection.
#pragma once

#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>

#include "meter/app/ports.h"
#include "meter/storage/mysql_settings.h"
#include "mysql_connection.h"
#include "schema.h"

namespace meter::storage::mysql {

class Session {
 public:
  // Which settings name identifiers the store uses: the schema, or the table and the schema.
  enum class Names { kSchema, kTableAndSchema };
  // Creates the store's tables in the schema, on session.connection(); session.fail() on error.
  using CreateTables = std::function<app::Outcome(Session& session)>;

  Session(MysqlSettings settings, Names names, CreateTables create_tables);
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  const MysqlSettings& settings() const { return settings_; }
  Connection& connection() { return connection_; }
  // "mysql host:port/schema (<tables>)"
  std::string describe(std::string_view tables) const;

  // Locks, makes ready and runs `body`; an exception disconnects.
  template <typename Body>
  app::Outcome serialised(const char* operation, Body&& body);
  // "<context>: <connection error>", and disconnects.
  app::Outcome fail(const std::string& context);
  // Runs a SELECT, `on_row` for each row; fail(context) on an error.
  template <typename OnRow>
  app::Outcome query(const char* context, const std::string& sql, OnRow&& on_row);
  // Connection::transaction; on failure disconnects and answers "<context>: <error>".
  template <typename Body>
  app::Outcome transaction(const char* context, Body&& body);
  void disconnect();
  void close();  // locks and disconnects

 private:
  app::Outcome ready();

  MysqlSettings settings_;
  std::string invalid_;
  CreateTables create_tables_;
  std::mutex mutex_;
  Connection connection_;
  bool schema_ready_ = false;
};

template <typename Body>
app::Outcome Session::serialised(const char* operation, Body&& body) {
  std::lock_guard lock(mutex_);
  return detail::guarded(
      operation,
      [&] {
        if (auto ok = ready(); !ok) return ok;
        return body();
      },
      [&] { disconnect(); });
}

template <typename OnRow>
app::Outcome Session::query(const char* context, const std::string& sql, OnRow&& on_row) {
  if (connection_.select(sql, std::forward<OnRow>(on_row)).empty()) return app::Outcome::success();
  return fail(context);
}

template <typename Body>
app::Outcome Session::transaction(const char* context, Body&& body) {
  const std::string error = connection_.transaction(std::forward<Body>(body));
  if (error.empty()) return app::Outcome::success();
  disconnect();
  return app::Outcome::failure(std::string(context) + ": " + error);
}

}  // namespace meter::storage::mysql
