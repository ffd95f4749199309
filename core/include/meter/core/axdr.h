// SPDX-License-Identifier: MIT
// A-XDR walker (IEC 62056-6-2 data encoding): one typed value -> a flat list of items, depth first.
//
//   02 02  09 06 0100010800FF  06 00003289   = structure(2){ octet-string(6), uint32 }
//   -> [structure count=2 depth=0] [octet-string depth=1] [uint32 depth=1]
//
// Containers are bounded by kMaxAxdrDepth, the list by kMaxAxdrItems; every item consumes at
// least one byte. Views point into the caller's buffer.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "meter/core/byte_reader.h"
#include "meter/core/result.h"

namespace meter::core {

inline constexpr std::size_t kMaxAxdrDepth = 8;
inline constexpr std::size_t kMaxAxdrItems = 256;

enum class AxdrType : std::uint8_t {
  kNull = 0x00,
  kArray = 0x01,
  kStructure = 0x02,
  kBoolean = 0x03,
  kBitString = 0x04,
  kInt32 = 0x05,
  kUint32 = 0x06,
  kOctetString = 0x09,
  kVisibleString = 0x0A,
  kUtf8String = 0x0C,
  kBcd = 0x0D,
  kInt8 = 0x0F,
  kInt16 = 0x10,
  kUint8 = 0x11,
  kUint16 = 0x12,
  kInt64 = 0x14,
  kUint64 = 0x15,
  kEnum = 0x16,
  kFloat32 = 0x17,
  kFloat64 = 0x18,
  kDateTime = 0x19,
  kDate = 0x1A,
  kTime = 0x1B,
};

struct AxdrItem {
  AxdrType type = AxdrType::kNull;
  std::uint8_t depth = 0;
  std::uint16_t count = 0;              // elements, for array and structure
  std::int64_t integer = 0;             // integers, enum, boolean, bcd (uint64 >= 2^63 wraps)
  std::span<const std::uint8_t> bytes;  // strings, date-time, date, time, bit-string
  std::uint32_t offset = 0;             // of the type tag, in the layer's coordinates

  bool is_integer() const {
    switch (type) {
      case AxdrType::kBoolean:
      case AxdrType::kInt8:
      case AxdrType::kInt16:
      case AxdrType::kInt32:
      case AxdrType::kInt64:
      case AxdrType::kUint8:
      case AxdrType::kUint16:
      case AxdrType::kUint32:
      case AxdrType::kUint64:
      case AxdrType::kEnum:
        return true;
      default:
        return false;
    }
  }
  double real() const;  // float32 / float64 (0 for other types)
  bool is_container() const { return type == AxdrType::kArray || type == AxdrType::kStructure; }
  bool is_string() const {
    return type == AxdrType::kOctetString || type == AxdrType::kVisibleString ||
           type == AxdrType::kUtf8String;
  }
};

struct AxdrItems {
  std::array<AxdrItem, kMaxAxdrItems> items;
  std::size_t size = 0;

  std::span<const AxdrItem> view() const { return {items.data(), size}; }
};

// Reads exactly one value (with all its children) from `in`, appending to `out`.
Status walk_axdr(ByteReader& in, AxdrItems& out);

}  // namespace meter::core
