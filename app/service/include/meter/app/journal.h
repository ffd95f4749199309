// SPDX-License-Identifier: MIT
// The durable spool between MQTT and the database: every received telegram is appended here
// as soon as the MQTT client hands it over, and the writer thread moves records into the
// database from the checkpoint on. A crash, a database outage or a restart loses nothing: what
// is not committed is read again (writes are upserts, so reading twice stores once).
//
//   journal.log          records, one after the other:
//     0  magic     89 53 4D 4A ("\x89SMJ": never in hex text, like PNG's first byte)
//     4  length    u32 big-endian, payload bytes (at most kMaxPayloadBytes)
//     8  received  i64 big-endian, epoch milliseconds
//     16 crc32     u32 big-endian, zlib CRC-32 of bytes 4..15 and the payload
//     20 payload
//   journal.checkpoint   byte offset in journal.log up to which everything is in the database
//   journal.log.damaged  bytes dropped by open() (see below), kept for inspection
//
// Older versions wrote "<received_ms> <length> <payload>\n" records. A journal that begins with
// such a record is read as it is (its pending records are stored); the records appended after
// it have the format above.
//
// open() keeps every complete record: a damaged, zero-filled or cut-off tail (a power cut
// before the data reached the disk) is cut at the last complete record, damage in the middle
// is skipped up to the next valid record (and overwritten with padding records, which have
// received = INT64_MIN and are never returned, so the next start does not find it again). What
// was dropped is described in recovery() and copied to journal.log.damaged; a damaged journal
// never stops the service.
//
// append() returns once the record is in the kernel's page cache, which survives the process
// being killed; sync() (called every 200 ms by the service) makes it survive a power cut.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "meter/app/ports.h"

namespace meter::app {

// What open() found damaged and dropped.
struct JournalRecovery {
  struct Stretch {
    std::uint64_t begin = 0;
    std::uint64_t end = 0;
    bool at_end = false;  // the tail: cut off
    bool zeros = false;   // all NUL bytes (what a power cut typically leaves)
  };
  std::vector<Stretch> stretches;
  std::uint64_t dropped_bytes = 0;
  std::uint64_t pending_records = 0;  // complete records kept after the checkpoint
  bool checkpoint_reset = false;      // it pointed beyond the end: read again from the start
  std::uint64_t kept_aside_bytes = 0;
  std::string keep_aside_error;  // why the dropped bytes could not be kept, if so

  bool damaged() const { return !stretches.empty() || checkpoint_reset; }
};

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

  // Creates the directory and files and recovers from damage (see above). Fails only when the
  // files cannot be opened or read.
  Outcome open();
  const JournalRecovery& recovery() const { return recovery_; }
  Outcome append(std::int64_t received_at_ms, std::string_view payload);
  Outcome sync();

  // Complete records from `offset` on, at most `max_records`; skips what open() found damaged.
  Outcome read(std::uint64_t offset, std::size_t max_records, std::vector<Record>& out) const;
  std::uint64_t checkpoint() const;
  // Everything before `offset` is in the database. Returns the offset to read on from: 0 when
  // the log was all committed and got truncated.
  std::uint64_t commit(std::uint64_t offset);
  std::uint64_t size() const;
  std::uint64_t pending_bytes() const;

  std::filesystem::path log_path() const { return directory_ / "journal.log"; }
  std::filesystem::path damaged_path() const { return directory_ / "journal.log.damaged"; }

  static constexpr std::uint64_t kTruncateAbove = 4 * 1024 * 1024;
  static constexpr std::size_t kMaxPayloadBytes = 64 * 1024;
  static constexpr std::size_t kHeaderBytes = 20;
  // open() copies at most this much damage to journal.log.damaged (the rest is only counted).
  static constexpr std::uint64_t kMaxKeptAsideBytes = 16 * 1024 * 1024;

 private:
  struct Scan {
    std::uint64_t offset = 0;      // where parsing stopped
    bool damaged = false;          // at a record that is not valid (or cut off at `end`)
    std::uint64_t records = 0;     // complete records parsed
    std::uint64_t legacy_end = 0;  // the end of the last text record parsed
  };
  // Parses records in [offset, end); stops at `max_records`, at `end` or at damage.
  Outcome parse(std::uint64_t offset, std::uint64_t end, bool legacy, std::size_t max_records,
                std::vector<Record>* out, Scan& scan) const;
  // The offset of the first valid record (current format) after `from`, or `end`.
  std::uint64_t next_valid_record(std::uint64_t from, std::uint64_t end) const;
  // Overwrites [begin, end) with records that read() passes over; false if it could not.
  bool fill_with_padding(std::uint64_t begin, std::uint64_t end);
  void keep_aside(JournalRecovery::Stretch& stretch);  // also tells whether it is all zeros
  void write_checkpoint(std::uint64_t offset);

  std::filesystem::path directory_;
  int log_fd_ = -1;
  int checkpoint_fd_ = -1;
  mutable std::mutex mutex_;
  std::uint64_t size_ = 0;
  std::uint64_t checkpoint_ = 0;
  std::uint64_t legacy_end_ = 0;                  // records before this offset are text records
  std::map<std::uint64_t, std::uint64_t> holes_;  // damaged [begin, end) left in the file
  JournalRecovery recovery_;
};

// One line for the log: which file, which byte ranges, how many bytes, where they were kept.
std::string describe_recovery(const JournalRecovery& recovery, const Journal& journal);

}  // namespace meter::app
