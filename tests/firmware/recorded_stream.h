// SPDX-License-Identifier: MIT
// Byte streams as the ESP8266's UART delivers them, built from real telegrams: junk first (the
// tail of a telegram, as after booting in the middle of one), then each telegram in two reads
// (150 bytes, then the rest; DomiStyle/esphome-dlms-meter#12 saw 150 + 132).
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "frame_builder.h"

namespace meter::test {

inline const std::filesystem::path kPublicVectors =
    std::filesystem::path(METER_SHARED_DIR) / "vectors/public.json";

// The telegram bytes of every M-Bus vector in public.json (real captures and the synthetic
// ones); empty when the file is absent.
inline std::vector<Bytes> public_mbus_telegrams() {
  std::vector<Bytes> telegrams;
  if (!std::filesystem::exists(kPublicVectors)) return telegrams;
  std::ifstream file(kPublicVectors);
  const nlohmann::json vectors = nlohmann::json::parse(file);
  for (const nlohmann::json& vector : vectors) {
    const auto transport = vector["transport"].get<std::string>();
    if (transport.rfind("M-Bus", 0) != 0 || !vector["telegram_hex"].is_string()) continue;
    telegrams.push_back(from_hex(vector["telegram_hex"].get<std::string>()));
  }
  return telegrams;
}

#define METER_SKIP_WITHOUT_PUBLIC_VECTORS(telegrams)                                       \
  if ((telegrams).empty()) {                                                               \
    GTEST_SKIP() << "public test vectors not found at " << ::meter::test::kPublicVectors   \
                 << " (they live in ../shared beside the checkout; set METER_SHARED_DIR)"; \
  }

struct RecordedStream {
  std::vector<Bytes> reads;           // one entry per UART read
  std::vector<std::string> expected;  // the telegrams, uppercase hex, in order
};

inline constexpr std::size_t kFirstReadBytes = 150;

// Junk (the last 100 bytes of the last telegram: a partial frame and a complete final segment
// whose first segment is missing), then every telegram in two reads.
inline RecordedStream record_stream(const std::vector<Bytes>& telegrams) {
  RecordedStream stream;
  const Bytes& last = telegrams.back();
  const std::size_t junk = last.size() < 100 ? last.size() / 2 : 100;
  stream.reads.emplace_back(last.end() - static_cast<std::ptrdiff_t>(junk), last.end());
  for (const Bytes& telegram : telegrams) {
    const std::size_t first =
        telegram.size() > kFirstReadBytes ? kFirstReadBytes : telegram.size() / 2;
    const auto split = telegram.begin() + static_cast<std::ptrdiff_t>(first);
    stream.reads.emplace_back(telegram.begin(), split);
    stream.reads.emplace_back(split, telegram.end());
    stream.expected.push_back(to_hex(telegram));
  }
  return stream;
}

}  // namespace meter::test
