// SPDX-License-Identifier: MIT
// The records of the journal crash test: number n has a payload of its own size and content,
// so a record that comes back altered, cut or mixed with another is noticed.
#pragma once

#include <cstdint>
#include <string>

namespace meter::test {

inline std::int64_t crash_record_time(std::uint64_t number) {
  return 1'700'000'000'000 + static_cast<std::int64_t>(number);
}

inline std::string crash_record_payload(std::uint64_t number) {
  // Mostly telegram-sized, now and then the largest a record may be.
  const std::size_t size = number % 211 == 0 ? 60'000 : (number * 7919) % 2500;
  return "record-" + std::to_string(number) + ":" +
         std::string(size, static_cast<char>('A' + number % 26));
}

}  // namespace meter::test
