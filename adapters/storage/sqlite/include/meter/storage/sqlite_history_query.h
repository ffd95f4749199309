// SPDX-License-Identifier: MIT
// HistoryQuery on the service's SQLite file: its own read connection (query_only, 2 s busy
// timeout; WAL lets it read while the writer writes), opened on first use and again after an
// error. A file or table that does not exist yet reads as empty. Calls are serialised.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>

#include "meter/app/history_query.h"

namespace meter::storage {

namespace sqlite {
class Connection;
}

class SqliteHistoryQuery final : public app::HistoryQuery {
 public:
  explicit SqliteHistoryQuery(std::filesystem::path file, std::string table = "history");
  ~SqliteHistoryQuery() override;
  SqliteHistoryQuery(const SqliteHistoryQuery&) = delete;
  SqliteHistoryQuery& operator=(const SqliteHistoryQuery&) = delete;

  app::Outcome meters(std::vector<app::MeterSummary>& out) override;
  app::Outcome power(const std::string& meter, std::int64_t from, std::int64_t to,
                     std::int64_t step_s, std::vector<app::PowerPoint>& out) override;
  app::Outcome counters(const std::string& meter, std::int64_t from, std::int64_t to,
                        std::int64_t step_s, std::vector<app::CounterBucket>& out) override;
  app::Outcome phases(const std::string& meter, std::int64_t from, std::int64_t to,
                      std::int64_t step_s, std::vector<app::PhasePoint>& out) override;
  std::string describe() const override;

 private:
  // Success with `ready` false while there is nothing to read yet.
  app::Outcome open(bool& ready);
  app::Outcome fail(const std::string& context);  // and closes: opened again by the next call
  // Aligned buckets of one meter in [from, to): start, readings, then the `aggregates` (four; six
  // for phases).
  template <typename Bucket>
  app::Outcome buckets(const char* what, const std::string& aggregates, const std::string& meter,
                       std::int64_t from, std::int64_t to, std::int64_t step_s,
                       std::vector<Bucket>& out);

  std::filesystem::path file_;
  std::string table_;
  std::string invalid_;
  std::mutex mutex_;
  std::unique_ptr<sqlite::Connection> db_;
};

}  // namespace meter::storage
