// SPDX-License-Identifier: MIT
// The writer side of the journal crash test: appends numbered records to the journal in
// `dir` from `first` on, as fast as it can, and after every few appends syncs and prints
// "durable <last number> <journal size>" (a record it has acknowledged as durable). It runs
// until it is killed.
//
//   journal_crash_writer <dir> <first number> <seed>
#include <unistd.h>

#include <cstdio>
#include <random>
#include <string>

#include "journal_crash_record.h"
#include "meter/app/journal.h"

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: journal_crash_writer DIR FIRST SEED\n");
    return 2;
  }
  meter::app::Journal journal(argv[1]);
  if (auto opened = journal.open(); !opened) {
    std::fprintf(stderr, "%s\n", opened.error.c_str());
    return 2;
  }
  std::uint64_t number = std::stoull(argv[2]);
  std::mt19937 random(static_cast<unsigned>(std::stoul(argv[3])));
  for (;; ++number) {
    if (!journal.append(meter::test::crash_record_time(number),
                        meter::test::crash_record_payload(number))) {
      return 3;
    }
    if (random() % 8 != 0) continue;
    if (!journal.sync()) return 4;
    // Straight to the pipe: what was written there survives the kill.
    const std::string ack =
        "durable " + std::to_string(number) + " " + std::to_string(journal.size()) + "\n";
    if (::write(STDOUT_FILENO, ack.data(), ack.size()) != static_cast<ssize_t>(ack.size()))
      return 5;
  }
}
