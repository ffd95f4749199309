// SPDX-License-Identifier: MIT
#include "meter/app/journal.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <system_error>

namespace meter::app {
namespace {

std::string os_error(const std::string& what) { return what + ": " + std::strerror(errno); }

// Parses one record at `data`; returns its size, 0 if incomplete, SIZE_MAX if malformed.
std::size_t parse_record(const char* data, std::size_t size, Journal::Record& out) {
  const char* end = data + size;
  const char* space = static_cast<const char*>(std::memchr(data, ' ', size));
  if (space == nullptr) return size > 24 ? SIZE_MAX : 0;
  std::int64_t received = 0;
  if (std::from_chars(data, space, received).ptr != space) return SIZE_MAX;
  const char* length_begin = space + 1;
  const char* second_space = static_cast<const char*>(
      std::memchr(length_begin, ' ', static_cast<std::size_t>(end - length_begin)));
  if (second_space == nullptr) return end - length_begin > 12 ? SIZE_MAX : 0;
  std::size_t length = 0;
  if (std::from_chars(length_begin, second_space, length).ptr != second_space ||
      length > Journal::kMaxPayloadBytes) {
    return SIZE_MAX;
  }
  const char* payload = second_space + 1;
  if (static_cast<std::size_t>(end - payload) < length + 1) return 0;
  if (payload[length] != '\n') return SIZE_MAX;
  out.received_at_ms = received;
  out.payload.assign(payload, length);
  return static_cast<std::size_t>(payload + length + 1 - data);
}

}  // namespace

Journal::Journal(std::filesystem::path directory) : directory_(std::move(directory)) {}

Journal::~Journal() {
  if (log_fd_ >= 0) ::close(log_fd_);
  if (checkpoint_fd_ >= 0) ::close(checkpoint_fd_);
}

Outcome Journal::open() {
  std::error_code error;
  std::filesystem::create_directories(directory_, error);
  if (error)
    return Outcome::failure("cannot create " + directory_.string() + ": " + error.message());
  const auto log_path = directory_ / "journal.log";
  const auto checkpoint_path = directory_ / "journal.checkpoint";
  log_fd_ = ::open(log_path.c_str(), O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (log_fd_ < 0) return Outcome::failure(os_error("cannot open " + log_path.string()));
  checkpoint_fd_ = ::open(checkpoint_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (checkpoint_fd_ < 0)
    return Outcome::failure(os_error("cannot open " + checkpoint_path.string()));

  struct stat info {};
  if (::fstat(log_fd_, &info) != 0) return Outcome::failure(os_error("cannot stat journal"));
  size_ = static_cast<std::uint64_t>(info.st_size);
  char text[32] = {};
  const ssize_t got = ::pread(checkpoint_fd_, text, sizeof text - 1, 0);
  std::uint64_t checkpoint = 0;
  if (got > 0) std::from_chars(text, text + got, checkpoint);
  checkpoint_ = checkpoint <= size_ ? checkpoint : 0;

  // Keep whole records only: a crash mid-append leaves a torn tail that later appends must not
  // follow.
  std::uint64_t offset = checkpoint_;
  std::vector<Record> records;
  for (;;) {
    records.clear();
    if (auto read_outcome = read(offset, 4096, records); !read_outcome) return read_outcome;
    if (records.empty()) break;
    offset = records.back().end_offset;
  }
  if (offset < size_) {
    if (::ftruncate(log_fd_, static_cast<off_t>(offset)) != 0) {
      return Outcome::failure(os_error("cannot truncate the journal's torn tail"));
    }
    size_ = offset;
  }
  return Outcome::success();
}

Outcome Journal::append(std::int64_t received_at_ms, std::string_view payload) {
  if (payload.size() > kMaxPayloadBytes)
    return Outcome::failure("payload too large for the journal");
  std::string record = std::to_string(received_at_ms) + " " + std::to_string(payload.size()) + " ";
  record.append(payload);
  record.push_back('\n');
  std::lock_guard lock(mutex_);
  std::size_t written = 0;
  while (written < record.size()) {
    const ssize_t n = ::write(log_fd_, record.data() + written, record.size() - written);
    if (n < 0) {
      if (errno == EINTR) continue;
      const auto message = os_error("cannot append to the journal");
      // Never leave half a record behind.
      if (written > 0 && ::ftruncate(log_fd_, static_cast<off_t>(size_)) != 0) {
        return Outcome::failure(message + " (and cannot undo the partial write)");
      }
      return Outcome::failure(message);
    }
    written += static_cast<std::size_t>(n);
  }
  size_ += record.size();
  return Outcome::success();
}

Outcome Journal::sync() {
  if (::fdatasync(log_fd_) != 0) return Outcome::failure(os_error("cannot sync the journal"));
  return Outcome::success();
}

Outcome Journal::read(std::uint64_t offset, std::size_t max_records,
                      std::vector<Record>& out) const {
  std::uint64_t end;
  {
    std::lock_guard lock(mutex_);
    end = size_;
  }
  std::string buffer;
  while (offset < end && out.size() < max_records) {
    const std::size_t chunk =
        static_cast<std::size_t>(std::min<std::uint64_t>(end - offset, 1 << 20));
    buffer.resize(chunk);
    const ssize_t got = ::pread(log_fd_, buffer.data(), chunk, static_cast<off_t>(offset));
    if (got < 0) {
      if (errno == EINTR) continue;
      return Outcome::failure(os_error("cannot read the journal"));
    }
    if (got == 0) break;
    std::size_t position = 0;
    const auto available = static_cast<std::size_t>(got);
    while (position < available && out.size() < max_records) {
      Record record;
      const std::size_t used = parse_record(buffer.data() + position, available - position, record);
      if (used == SIZE_MAX) {
        return Outcome::failure("journal is damaged at byte " + std::to_string(offset + position));
      }
      if (used == 0) break;
      position += used;
      record.end_offset = offset + position;
      out.push_back(std::move(record));
    }
    if (position == 0) {
      if (available == chunk && chunk == (1u << 20)) {
        return Outcome::failure("journal record too large at byte " + std::to_string(offset));
      }
      break;  // an incomplete record: wait for the rest
    }
    offset += position;
  }
  return Outcome::success();
}

std::uint64_t Journal::checkpoint() const {
  std::lock_guard lock(mutex_);
  return checkpoint_;
}

std::uint64_t Journal::size() const {
  std::lock_guard lock(mutex_);
  return size_;
}

std::uint64_t Journal::pending_bytes() const {
  std::lock_guard lock(mutex_);
  return size_ - checkpoint_;
}

void Journal::write_checkpoint(std::uint64_t offset) {
  char text[32];
  const auto [end, error] = std::to_chars(text, text + sizeof text, offset);
  const auto length = static_cast<std::size_t>(end - text);
  // A lost checkpoint only means records are read again; no fsync needed.
  if (::pwrite(checkpoint_fd_, text, length, 0) == static_cast<ssize_t>(length)) {
    if (::ftruncate(checkpoint_fd_, static_cast<off_t>(length)) != 0) return;
  }
}

std::uint64_t Journal::commit(std::uint64_t offset) {
  std::lock_guard lock(mutex_);
  if (offset > size_) offset = size_;
  if (offset == size_ && size_ > kTruncateAbove && ::ftruncate(log_fd_, 0) == 0) {
    size_ = 0;
    checkpoint_ = 0;
    write_checkpoint(0);
    return 0;
  }
  checkpoint_ = offset;
  write_checkpoint(offset);
  return offset;
}

}  // namespace meter::app
