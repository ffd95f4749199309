// SPDX-License-Identifier: MIT
// The durable spool between MQTT and the database: every received telegram is appended here
// as soon as the MQTT client hands it over, and the writer thread moves records into the
// database from the checkpoint on. A crash, a database outage or a restart loses nothing: what
// is not committed is read again (writes are upserts, so reading twice stores once).
//
//   journal.log        "<received_ms> <payload length> <payload bytes>\n" ...
//   journal.checkpoint byte offset in journal.log up to which everything is in the database
//
// append() returns once the record is in the kernel's page cache, which survives the process
// being killed; sync() (called every 200 ms by the service) makes it survive a power cut.
#pragma once

#include <cstdint>
#include <filesystem>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "meter/app/ports.h"

namespace meter::app {

class Journal {
 public:
  struct Record {
    std::int64_t received_at_ms = 0;
    std::string payload;
    std::uint64_t end_offset = 0;  // offset just after this record
  };

  explicit Journal(std::filesystem::path directory);
  ~Journal();
  Journal(const Journal&) = delete;
  Journal& operator=(const Journal&) = delete;

  // Creates the directory and files; drops a torn record left at the end by a crash.
  Outcome open();
  Outcome append(std::int64_t received_at_ms, std::string_view payload);
  Outcome sync();

  // Complete records from `offset` on, at most `max_records`.
  Outcome read(std::uint64_t offset, std::size_t max_records, std::vector<Record>& out) const;
  std::uint64_t checkpoint() const;
  // Everything before `offset` is in the database. Returns the offset to read on from: 0 when
  // the log was all committed and got truncated.
  std::uint64_t commit(std::uint64_t offset);
  std::uint64_t size() const;
  std::uint64_t pending_bytes() const;

  static constexpr std::uint64_t kTruncateAbove = 4 * 1024 * 1024;
  static constexpr std::size_t kMaxPayloadBytes = 64 * 1024;

 private:
  void write_checkpoint(std::uint64_t offset);

  std::filesystem::path directory_;
  int log_fd_ = -1;
  int checkpoint_fd_ = -1;
  mutable std::mutex mutex_;
  std::uint64_t size_ = 0;
  std::uint64_t checkpoint_ = 0;
};

}  // namespace meter::app
