// SPDX-License-Identifier: MIT
// Crash test of the journal: a writer process (journal_crash_writer) is killed with SIGKILL at
// a random point of its append loop, hundreds of times. Every other time the kill is made a
// power cut as well: what the writer had not synced is cut at a random byte, and zeros or
// random bytes follow (what a disk may hold after losing power). After each kill the journal
// is opened and read from its checkpoint like the service's writer does, and the records are
// "stored" and committed. Every record the writer acknowledged as durable must be stored
// exactly once, intact.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <random>
#include <sstream>
#include <string>
#include <thread>

#include "journal_crash_record.h"
#include "meter/app/journal.h"

namespace meter::app {
namespace {

constexpr int kIterations = 300;

struct Killed {
  std::uint64_t durable_number = 0;  // the newest record acknowledged as durable, if any
  std::uint64_t durable_size = 0;
  bool acknowledged = false;
};

// Runs the writer from `first` on and kills it after `run_for`; what it acknowledged.
Killed run_and_kill(const std::filesystem::path& dir, std::uint64_t first, unsigned seed,
                    std::chrono::microseconds run_for) {
  int out[2];
  if (::pipe(out) != 0) return {};
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(out[1], STDOUT_FILENO);
    ::close(out[0]);
    ::close(out[1]);
    const std::string first_text = std::to_string(first);
    const std::string seed_text = std::to_string(seed);
    ::execl(METER_JOURNAL_CRASH_WRITER, METER_JOURNAL_CRASH_WRITER, dir.c_str(), first_text.c_str(),
            seed_text.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ::close(out[1]);
  // The random kill time counts from the writer's first acknowledgement, so that a slow start
  // (a sanitizer build, a busy machine) does not turn most runs into kills before any write.
  std::string text;
  char buffer[4096];
  pollfd ready{out[0], POLLIN, 0};
  while (text.find('\n') == std::string::npos && ::poll(&ready, 1, 20'000) > 0) {
    const ssize_t n = ::read(out[0], buffer, sizeof buffer);
    if (n <= 0) break;
    text.append(buffer, static_cast<std::size_t>(n));
  }
  EXPECT_NE(text.find('\n'), std::string::npos) << "the writer acknowledged nothing in 20 s";
  std::this_thread::sleep_for(run_for);
  ::kill(pid, SIGKILL);
  int status = 0;
  ::waitpid(pid, &status, 0);
  for (ssize_t n; (n = ::read(out[0], buffer, sizeof buffer)) > 0;) {
    text.append(buffer, static_cast<std::size_t>(n));
  }
  ::close(out[0]);
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
      << "the writer ended by itself, status " << status;
  Killed killed;
  std::istringstream lines(text);
  std::string word;
  std::uint64_t number = 0;
  std::uint64_t size = 0;
  while (lines >> word >> number >> size) {
    killed = {number, size, true};
  }
  return killed;
}

// The disk after a power cut: everything synced, then an unknown part of the rest, then maybe
// zeros or garbage where the file had grown but its data was not written.
void cut_power(const std::filesystem::path& log, std::uint64_t synced, std::mt19937& random) {
  const auto size = std::filesystem::file_size(log);
  if (size < synced) {
    ADD_FAILURE() << "the journal is shorter (" << size << ") than what was synced (" << synced
                  << ")";
    return;
  }
  const std::uint64_t keep = synced + random() % (size - synced + 1);
  std::filesystem::resize_file(log, keep);
  std::string tail;
  switch (random() % 3) {
    case 0:
      tail.assign(4096, '\0');
      break;
    case 1:
      tail.resize(300);
      for (char& c : tail) c = static_cast<char>(random());
      break;
    default:
      break;
  }
  const int fd = ::open(log.c_str(), O_WRONLY | O_APPEND);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::write(fd, tail.data(), tail.size()), static_cast<ssize_t>(tail.size()));
  ::close(fd);
}

TEST(JournalCrash, EveryRecordAcknowledgedAsDurableIsStoredExactlyOnce) {
  const std::filesystem::path base =
      std::filesystem::exists("/dev/shm") ? "/dev/shm" : std::filesystem::temp_directory_path();
  const auto dir = base / ("smartmeter-journal-crash-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::mt19937 random(20261202);
  std::vector<int> stored(1, 0);  // record number -> times stored
  std::uint64_t next = 1;
  std::uint64_t durable = 0;  // all records up to this one were acknowledged as durable
  std::uint64_t checked = 0;  // records up to this one were found stored
  std::uint64_t size_after_recovery = 0;
  int acknowledged_runs = 0;
  int power_cuts = 0;
  int damaged_opens = 0;
  for (int i = 0; i < kIterations && !HasFailure(); ++i) {
    const auto run_for = std::chrono::microseconds(random() % 8000);
    const Killed killed = run_and_kill(dir, next, static_cast<unsigned>(random()), run_for);
    if (killed.acknowledged) {
      ++acknowledged_runs;
      durable = killed.durable_number;
    }
    if (i % 2 == 1 && std::filesystem::exists(dir / "journal.log")) {
      cut_power(dir / "journal.log",
                killed.acknowledged ? killed.durable_size : size_after_recovery, random);
      ++power_cuts;
    }

    Journal journal(dir);
    ASSERT_TRUE(journal.open());
    if (journal.recovery().damaged()) ++damaged_opens;
    std::uint64_t offset = journal.checkpoint();
    for (;;) {
      std::vector<Journal::Record> records;
      ASSERT_TRUE(journal.read(offset, 500, records));
      if (records.empty()) break;
      for (const auto& record : records) {
        const auto colon = record.payload.find(':');
        ASSERT_NE(colon, std::string::npos) << record.payload.substr(0, 40);
        const std::uint64_t number = std::stoull(record.payload.substr(7, colon - 7));
        ASSERT_EQ(record.payload, test::crash_record_payload(number)) << "record " << number;
        ASSERT_EQ(record.received_at_ms, test::crash_record_time(number));
        if (stored.size() <= number) stored.resize(number + 1, 0);
        EXPECT_EQ(stored[number]++, 0) << "record " << number << " stored twice";
        next = std::max(next, number + 1);
      }
      offset = journal.commit(records.back().end_offset);
    }
    for (std::uint64_t n = checked + 1; n <= durable; ++n) {
      ASSERT_TRUE(n < stored.size() && stored[n] == 1)
          << "record " << n << " was acknowledged as durable (up to " << durable
          << ") but is not stored, iteration " << i;
    }
    checked = std::max(checked, durable);
    size_after_recovery = journal.size();
  }
  std::printf(
      "%d runs, %d with acknowledged records, %d power cuts, %d opens found damage; "
      "%zu records stored, the newest durable one %llu\n",
      kIterations, acknowledged_runs, power_cuts, damaged_opens,
      static_cast<std::size_t>(std::count(stored.begin(), stored.end(), 1)),
      static_cast<unsigned long long>(durable));
  EXPECT_GT(acknowledged_runs, kIterations / 2) << "the writer rarely got to write: no test";
  EXPECT_GT(damaged_opens, kIterations / 10) << "the power cuts damaged nothing: no test";
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace meter::app
