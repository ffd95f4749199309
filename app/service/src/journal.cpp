// SPDX-License-Identifier: MIT
#include "meter/app/journal.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <iterator>
#include <limits>
#include <system_error>

namespace meter::app {
namespace {

constexpr char kMagic[4] = {'\x89', 'S', 'M', 'J'};
constexpr std::string_view kMagicView(kMagic, sizeof kMagic);
// Larger than the largest record of either format, so a chunk always holds a whole record.
constexpr std::size_t kChunkBytes = 1 << 20;
constexpr std::size_t kMaxRecordBytes = Journal::kHeaderBytes + Journal::kMaxPayloadBytes;
constexpr std::size_t kSearchChunkBytes = 64 * 1024;

std::string os_error(const std::string& what) { return what + ": " + std::strerror(errno); }

void put_u32_be(char* out, std::uint32_t value) {
  for (int i = 0; i < 4; ++i) out[i] = static_cast<char>((value >> (24 - 8 * i)) & 0xFF);
}
void put_u64_be(char* out, std::uint64_t value) {
  for (int i = 0; i < 8; ++i) out[i] = static_cast<char>((value >> (56 - 8 * i)) & 0xFF);
}
std::uint64_t get_be(const char* in, int bytes) {
  std::uint64_t value = 0;
  for (int i = 0; i < bytes; ++i) value = value << 8 | static_cast<unsigned char>(in[i]);
  return value;
}

// CRC-32 of the header fields after the magic and of the payload.
std::uint32_t record_crc(const char* fields, std::string_view payload) {
  uLong crc = crc32(0L, Z_NULL, 0);
  crc = crc32(crc, reinterpret_cast<const Bytef*>(fields), 12);
  crc =
      crc32(crc, reinterpret_cast<const Bytef*>(payload.data()), static_cast<uInt>(payload.size()));
  return static_cast<std::uint32_t>(crc);
}

// received_at_ms of the records that fill a damaged stretch in the middle: read past, never
// returned (no telegram is received in 292 million BC).
constexpr std::int64_t kPaddingTime = std::numeric_limits<std::int64_t>::min();

std::string encode_record(std::int64_t received_at_ms, std::string_view payload) {
  std::string record(Journal::kHeaderBytes, '\0');
  std::memcpy(record.data(), kMagic, sizeof kMagic);
  put_u32_be(record.data() + 4, static_cast<std::uint32_t>(payload.size()));
  put_u64_be(record.data() + 8, static_cast<std::uint64_t>(received_at_ms));
  put_u32_be(record.data() + 16, record_crc(record.data() + 4, payload));
  record.append(payload);
  return record;
}

enum class Parsed : std::uint8_t { kRecord, kPadding, kIncomplete, kInvalid };

struct ParseResult {
  Parsed kind = Parsed::kInvalid;
  std::size_t size = 0;
};

ParseResult parse_current(std::string_view bytes, Journal::Record* out) {
  if (bytes.substr(0, kMagicView.size()) != kMagicView.substr(0, bytes.size())) return {};
  if (bytes.size() < Journal::kHeaderBytes) return {Parsed::kIncomplete};
  const auto length = static_cast<std::size_t>(get_be(bytes.data() + 4, 4));
  if (length > Journal::kMaxPayloadBytes) return {};
  if (bytes.size() - Journal::kHeaderBytes < length) return {Parsed::kIncomplete};
  const std::string_view payload = bytes.substr(Journal::kHeaderBytes, length);
  if (record_crc(bytes.data() + 4, payload) != get_be(bytes.data() + 16, 4)) return {};
  const auto received = static_cast<std::int64_t>(get_be(bytes.data() + 8, 8));
  if (received == kPaddingTime) return {Parsed::kPadding, Journal::kHeaderBytes + length};
  if (out != nullptr) {
    out->received_at_ms = received;
    out->payload.assign(payload);
  }
  return {Parsed::kRecord, Journal::kHeaderBytes + length};
}

// "<received_ms> <length> <payload>\n", as older versions wrote them.
ParseResult parse_legacy(std::string_view bytes, Journal::Record* out) {
  const char* data = bytes.data();
  const char* end = data + bytes.size();
  const std::size_t space = bytes.find(' ');
  if (space == std::string_view::npos)
    return {bytes.size() > 24 ? Parsed::kInvalid : Parsed::kIncomplete};
  std::int64_t received = 0;
  if (space == 0 || std::from_chars(data, data + space, received).ptr != data + space) return {};
  const std::size_t second = bytes.find(' ', space + 1);
  if (second == std::string_view::npos) {
    return {bytes.size() - space > 12 ? Parsed::kInvalid : Parsed::kIncomplete};
  }
  std::size_t length = 0;
  if (std::from_chars(data + space + 1, data + second, length).ptr != data + second ||
      second == space + 1 || length > Journal::kMaxPayloadBytes) {
    return {};
  }
  const char* payload = data + second + 1;
  if (static_cast<std::size_t>(end - payload) < length + 1) return {Parsed::kIncomplete};
  if (payload[length] != '\n') return {};
  if (out != nullptr) {
    out->received_at_ms = received;
    out->payload.assign(payload, length);
  }
  return {Parsed::kRecord, static_cast<std::size_t>(payload + length + 1 - data)};
}

// Reads exactly `size` bytes at `offset` (fewer only at the end of the file).
bool read_at(int fd, std::string& buffer, std::size_t size, std::uint64_t offset) {
  buffer.resize(size);
  std::size_t got = 0;
  while (got < size) {
    const ssize_t n =
        ::pread(fd, buffer.data() + got, size - got, static_cast<off_t>(offset + got));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return false;
    if (n == 0) break;
    got += static_cast<std::size_t>(n);
  }
  buffer.resize(got);
  return true;
}

bool write_all(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return false;
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
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
  const auto checkpoint_path = directory_ / "journal.checkpoint";
  log_fd_ = ::open(log_path().c_str(), O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (log_fd_ < 0) return Outcome::failure(os_error("cannot open " + log_path().string()));
  checkpoint_fd_ = ::open(checkpoint_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (checkpoint_fd_ < 0)
    return Outcome::failure(os_error("cannot open " + checkpoint_path.string()));

  struct stat info {};
  if (::fstat(log_fd_, &info) != 0) return Outcome::failure(os_error("cannot stat journal"));
  size_ = static_cast<std::uint64_t>(info.st_size);
  std::string text;
  std::uint64_t checkpoint = 0;
  if (read_at(checkpoint_fd_, text, 32, 0))
    std::from_chars(text.data(), text.data() + text.size(), checkpoint);
  // Beyond the end: the log lost what the checkpoint counted (or was replaced). Reading it all
  // again is safe, since every write is an upsert.
  recovery_ = {};
  recovery_.checkpoint_reset = checkpoint > size_;
  checkpoint_ = checkpoint <= size_ ? checkpoint : 0;

  std::string first;
  if (!read_at(log_fd_, first, 1, 0)) return Outcome::failure(os_error("cannot read the journal"));
  bool legacy = !first.empty() && first[0] >= '0' && first[0] <= '9';
  legacy_end_ = 0;
  holes_.clear();
  std::uint64_t offset = checkpoint_;
  while (offset < size_) {
    Scan scan;
    if (auto parsed = parse(offset, size_, legacy, SIZE_MAX, nullptr, scan); !parsed) return parsed;
    recovery_.pending_records += scan.records;
    if (legacy) legacy_end_ = std::max(legacy_end_, scan.legacy_end);
    if (!scan.damaged) break;
    // Text records cannot be found again after damage; records of this format can.
    legacy = false;
    const std::uint64_t next = next_valid_record(scan.offset + 1, size_);
    recovery_.stretches.push_back({scan.offset, next, next == size_, false});
    if (next < size_) holes_[scan.offset] = next;
    offset = next;
  }
  for (auto& stretch : recovery_.stretches) {
    recovery_.dropped_bytes += stretch.end - stretch.begin;
    keep_aside(stretch);
    // Filled with padding records, the stretch is not found (and reported) again at the next
    // start; the hole stays as the way around it if that fails.
    if (!stretch.at_end && fill_with_padding(stretch.begin, stretch.end)) {
      holes_.erase(stretch.begin);
    }
  }
  if (!recovery_.stretches.empty() && recovery_.stretches.back().at_end) {
    const std::uint64_t cut = recovery_.stretches.back().begin;
    if (::ftruncate(log_fd_, static_cast<off_t>(cut)) != 0) {
      return Outcome::failure(os_error("cannot cut the damaged end of " + log_path().string()));
    }
    size_ = cut;
    ::fdatasync(log_fd_);
  }
  return Outcome::success();
}

Outcome Journal::parse(std::uint64_t offset, std::uint64_t end, bool legacy,
                       std::size_t max_records, std::vector<Record>* out, Scan& scan) const {
  scan.offset = offset;
  std::string buffer;
  while (scan.offset < end && scan.records < max_records) {
    const auto chunk =
        static_cast<std::size_t>(std::min<std::uint64_t>(end - scan.offset, kChunkBytes));
    if (!read_at(log_fd_, buffer, chunk, scan.offset))
      return Outcome::failure(os_error("cannot read " + log_path().string()));
    if (buffer.size() < chunk) {  // shorter than we were told: cut off
      scan.damaged = true;
      return Outcome::success();
    }
    const std::string_view bytes(buffer);
    const bool last_chunk = scan.offset + chunk == end;
    std::size_t position = 0;
    while (position < bytes.size() && scan.records < max_records) {
      Record record;
      Record* into = out != nullptr ? &record : nullptr;
      const std::string_view rest = bytes.substr(position);
      ParseResult result = parse_current(rest, into);
      const bool is_legacy = legacy && result.kind == Parsed::kInvalid;
      if (is_legacy) result = parse_legacy(rest, into);
      if (result.kind == Parsed::kIncomplete && !last_chunk && position > 0) break;  // next chunk
      if (result.kind == Parsed::kPadding) {
        legacy = false;
        position += result.size;
        continue;
      }
      if (result.kind != Parsed::kRecord) {
        scan.offset += position;
        scan.damaged = true;
        return Outcome::success();
      }
      if (!is_legacy) legacy = false;
      position += result.size;
      ++scan.records;
      if (is_legacy) scan.legacy_end = scan.offset + position;
      if (out != nullptr) {
        record.end_offset = scan.offset + position;
        out->push_back(std::move(record));
      }
    }
    scan.offset += position;
  }
  return Outcome::success();
}

std::uint64_t Journal::next_valid_record(std::uint64_t from, std::uint64_t end) const {
  std::string buffer;
  std::string candidate;
  for (std::uint64_t position = from; position < end;) {
    const auto chunk =
        static_cast<std::size_t>(std::min<std::uint64_t>(end - position, kSearchChunkBytes));
    if (!read_at(log_fd_, buffer, chunk, position) || buffer.size() < kMagicView.size()) break;
    for (std::size_t hit = buffer.find(kMagicView); hit != std::string::npos;
         hit = buffer.find(kMagicView, hit + 1)) {
      const std::uint64_t at = position + hit;
      const auto length =
          static_cast<std::size_t>(std::min<std::uint64_t>(end - at, kMaxRecordBytes));
      if (!read_at(log_fd_, candidate, length, at)) continue;
      const Parsed kind = parse_current(candidate, nullptr).kind;
      if (kind == Parsed::kRecord || kind == Parsed::kPadding) return at;
    }
    if (position + chunk >= end) break;
    position += chunk - (kMagicView.size() - 1);  // a magic across the chunk boundary
  }
  return end;
}

bool Journal::fill_with_padding(std::uint64_t begin, std::uint64_t end) {
  if (end - begin < kHeaderBytes) return false;
  // Not log_fd_: with O_APPEND, Linux's pwrite() appends.
  const int fd = ::open(log_path().c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return false;
  bool ok = true;
  for (std::uint64_t at = begin; ok && at < end;) {
    const std::uint64_t left = end - at;
    std::size_t payload =
        static_cast<std::size_t>(std::min<std::uint64_t>(left - kHeaderBytes, kMaxPayloadBytes));
    const std::uint64_t after = left - kHeaderBytes - payload;
    if (after > 0 && after < kHeaderBytes) payload -= kHeaderBytes;  // room for one more header
    const std::string record = encode_record(kPaddingTime, std::string(payload, '\0'));
    ok = ::pwrite(fd, record.data(), record.size(), static_cast<off_t>(at)) ==
         static_cast<ssize_t>(record.size());
    at += record.size();
  }
  ok = ok && ::fdatasync(fd) == 0;
  ::close(fd);
  return ok;
}

void Journal::keep_aside(JournalRecovery::Stretch& stretch) {
  const int fd = ::open(damaged_path().c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd < 0 && recovery_.keep_aside_error.empty())
    recovery_.keep_aside_error = std::strerror(errno);
  const std::string title = "--- " + log_path().filename().string() + " bytes " +
                            std::to_string(stretch.begin) + "-" + std::to_string(stretch.end) +
                            " (" + std::to_string(stretch.end - stretch.begin) + " bytes) ---\n";
  bool writing = fd >= 0 && recovery_.kept_aside_bytes < kMaxKeptAsideBytes;
  if (writing && !write_all(fd, title)) writing = false;
  stretch.zeros = true;
  std::string buffer;
  for (std::uint64_t position = stretch.begin; position < stretch.end;) {
    const auto chunk =
        static_cast<std::size_t>(std::min<std::uint64_t>(stretch.end - position, kChunkBytes));
    if (!read_at(log_fd_, buffer, chunk, position) || buffer.empty()) break;
    if (buffer.find_first_not_of('\0') != std::string::npos) stretch.zeros = false;
    const auto room = kMaxKeptAsideBytes - recovery_.kept_aside_bytes;
    const std::string_view keep(buffer.data(), std::min<std::uint64_t>(buffer.size(), room));
    if (writing && !keep.empty()) {
      if (write_all(fd, keep)) {
        recovery_.kept_aside_bytes += keep.size();
      } else {
        writing = false;
      }
    }
    if (keep.size() < buffer.size()) writing = false;  // the limit: the rest is only counted
    position += buffer.size();
  }
  const bool kept = writing && write_all(fd, "\n") && ::fdatasync(fd) == 0;
  if (!kept && fd >= 0 && recovery_.keep_aside_error.empty()) {
    recovery_.keep_aside_error =
        recovery_.kept_aside_bytes >= kMaxKeptAsideBytes ? "limit reached" : std::strerror(errno);
  }
  if (fd >= 0) ::close(fd);
}

Outcome Journal::append(std::int64_t received_at_ms, std::string_view payload) {
  if (payload.size() > kMaxPayloadBytes)
    return Outcome::failure("payload too large for the journal");
  const std::string record = encode_record(received_at_ms, payload);
  std::lock_guard lock(mutex_);
  std::size_t written = 0;
  while (written < record.size()) {
    const ssize_t n = ::write(log_fd_, record.data() + written, record.size() - written);
    if (n < 0) {
      if (errno == EINTR) continue;
      const bool full = errno == ENOSPC || errno == EDQUOT;
      const auto message =
          (full ? "disk full: " : "") + os_error("cannot append to " + log_path().string());
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
  std::uint64_t legacy_end;
  std::map<std::uint64_t, std::uint64_t> holes;
  {
    std::lock_guard lock(mutex_);
    end = size_;
    legacy_end = legacy_end_;
    holes = holes_;
  }
  while (offset < end && out.size() < max_records) {
    auto next_hole = holes.upper_bound(offset);
    if (next_hole != holes.begin() && std::prev(next_hole)->second > offset) {
      offset = std::prev(next_hole)->second;  // inside what open() found damaged
      continue;
    }
    const std::uint64_t until = next_hole == holes.end() ? end : std::min(end, next_hole->first);
    Scan scan;
    if (auto parsed =
            parse(offset, until, offset < legacy_end, max_records - out.size(), &out, scan);
        !parsed) {
      return parsed;
    }
    if (scan.damaged) {
      return Outcome::failure(log_path().string() + " is damaged at byte " +
                              std::to_string(scan.offset) + " (restart the service to skip it)");
    }
    if (scan.offset == offset) break;
    offset = scan.offset;
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
    // The truncation reaches the disk before the checkpoint 0 does, and that one before any new
    // record: a stale checkpoint of the old file can then never skip records of the new one.
    ::fdatasync(log_fd_);
    size_ = 0;
    checkpoint_ = 0;
    legacy_end_ = 0;
    holes_.clear();
    write_checkpoint(0);
    ::fdatasync(checkpoint_fd_);
    return 0;
  }
  checkpoint_ = offset;
  write_checkpoint(offset);
  while (!holes_.empty() && holes_.begin()->second <= offset) holes_.erase(holes_.begin());
  return offset;
}

std::string describe_recovery(const JournalRecovery& recovery, const Journal& journal) {
  std::string text = journal.log_path().string() + " was damaged (a power cut or a disk fault)";
  if (!recovery.stretches.empty()) {
    text += ": dropped " + std::to_string(recovery.dropped_bytes) + " bytes at";
    constexpr std::size_t kListed = 5;
    for (std::size_t i = 0; i < recovery.stretches.size() && i < kListed; ++i) {
      const auto& s = recovery.stretches[i];
      text += (i == 0 ? " " : ", ") + std::to_string(s.begin) + "-" + std::to_string(s.end);
      if (s.at_end || s.zeros) {
        text += std::string(" (") + (s.at_end ? "end of file" : "") +
                (s.at_end && s.zeros ? ", " : "") + (s.zeros ? "all zero bytes" : "") + ")";
      }
    }
    if (recovery.stretches.size() > kListed) {
      text += " and " + std::to_string(recovery.stretches.size() - kListed) + " more stretches";
    }
    text += "; kept in " + journal.damaged_path().string();
    if (!recovery.keep_aside_error.empty()) {
      text += " (" + std::to_string(recovery.kept_aside_bytes) +
              " bytes only: " + recovery.keep_aside_error + ")";
    }
  }
  if (recovery.checkpoint_reset) {
    text += "; its checkpoint pointed beyond the end, so it is read again from the start";
  }
  text += "; " + std::to_string(recovery.pending_records) + " complete records are stored as usual";
  return text;
}

}  // namespace meter::app
