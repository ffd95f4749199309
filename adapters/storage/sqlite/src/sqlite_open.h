// SPDX-License-Identifier: MIT
// Opening the SQLite database file as the service's own: a file that does not exist yet is
// created with mode 0600 (readable by the service's user only, like the journal); SQLite gives
// its -wal and -shm files the mode of the database file. An existing file keeps its mode.
#pragma once

#include <fcntl.h>
#include <sqlite3.h>
#include <unistd.h>

#include <filesystem>

namespace meter::storage::detail {

// sqlite3_open_v2(file, db, READWRITE | CREATE) with a new file created 0600 first.
inline int open_sqlite_private(const std::filesystem::path& file, sqlite3** db) {
  if (file != ":memory:") {
    // O_EXCL: an existing file (or one another connection just created) is left alone.
    const int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd >= 0) ::close(fd);
  }
  return sqlite3_open_v2(file.c_str(), db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
}

}  // namespace meter::storage::detail
