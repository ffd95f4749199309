// SPDX-License-Identifier: MIT
#include "meter/core/axdr.h"

#include <bit>
#include <cstring>

namespace meter::core {
namespace {

// Fixed-size types: how many bytes follow the tag. 0 = variable or container.
std::size_t fixed_size(AxdrType type) {
  switch (type) {
    case AxdrType::kNull:
      return 0;
    case AxdrType::kBoolean:
    case AxdrType::kBcd:  // bcd [13] IMPLICIT Integer8
    case AxdrType::kInt8:
    case AxdrType::kUint8:
    case AxdrType::kEnum:
      return 1;
    case AxdrType::kInt16:
    case AxdrType::kUint16:
      return 2;
    case AxdrType::kInt32:
    case AxdrType::kUint32:
    case AxdrType::kFloat32:
    case AxdrType::kTime:
      return 4;
    case AxdrType::kDate:
      return 5;
    case AxdrType::kInt64:
    case AxdrType::kUint64:
    case AxdrType::kFloat64:
      return 8;
    case AxdrType::kDateTime:
      return 12;
    default:
      return 0;
  }
}

bool is_known(std::uint8_t tag) {
  switch (static_cast<AxdrType>(tag)) {
    case AxdrType::kNull:
    case AxdrType::kArray:
    case AxdrType::kStructure:
    case AxdrType::kBoolean:
    case AxdrType::kBitString:
    case AxdrType::kInt32:
    case AxdrType::kUint32:
    case AxdrType::kOctetString:
    case AxdrType::kVisibleString:
    case AxdrType::kUtf8String:
    case AxdrType::kBcd:
    case AxdrType::kInt8:
    case AxdrType::kInt16:
    case AxdrType::kUint8:
    case AxdrType::kUint16:
    case AxdrType::kInt64:
    case AxdrType::kUint64:
    case AxdrType::kEnum:
    case AxdrType::kFloat32:
    case AxdrType::kFloat64:
    case AxdrType::kDateTime:
    case AxdrType::kDate:
    case AxdrType::kTime:
      return true;
  }
  return false;
}

std::int64_t to_integer(AxdrType type, std::span<const std::uint8_t> b) {
  std::uint64_t u = 0;
  for (const std::uint8_t byte : b) u = u << 8 | byte;
  switch (type) {
    case AxdrType::kInt8:
      return static_cast<std::int8_t>(u);
    case AxdrType::kInt16:
      return static_cast<std::int16_t>(u);
    case AxdrType::kInt32:
      return static_cast<std::int32_t>(u);
    default:
      return static_cast<std::int64_t>(u);
  }
}

Status walk(ByteReader& in, AxdrItems& out, std::size_t depth) {
  if (depth >= kMaxAxdrDepth) return in.fail(DecodeError::kTooDeep);
  if (out.size == kMaxAxdrItems) return in.fail(DecodeError::kTooManyValues);
  const std::size_t tag_offset = in.offset();
  auto tag = in.u8();
  if (!tag) return tag.failure();
  if (!is_known(*tag)) return failure_at(DecodeError::kBadValue, tag_offset);

  AxdrItem& item = out.items[out.size++];
  item = AxdrItem{};
  item.type = static_cast<AxdrType>(*tag);
  item.depth = static_cast<std::uint8_t>(depth);
  item.offset = static_cast<std::uint32_t>(tag_offset);

  switch (item.type) {
    case AxdrType::kArray:
    case AxdrType::kStructure: {
      auto count = in.ber_length(DecodeError::kBadValue);
      if (!count) return count.failure();
      // Each element takes at least one byte: a count beyond what is left is malformed.
      if (*count > in.remaining()) return failure_at(DecodeError::kBadValue, tag_offset);
      if (*count > kMaxAxdrItems) return failure_at(DecodeError::kTooManyValues, tag_offset);
      item.count = static_cast<std::uint16_t>(*count);
      for (std::size_t i = 0; i < *count; ++i) {
        if (auto s = walk(in, out, depth + 1); !s) return s;
      }
      return Status::success();
    }
    case AxdrType::kOctetString:
    case AxdrType::kVisibleString:
    case AxdrType::kUtf8String:
    case AxdrType::kBitString: {
      auto length = in.ber_length(DecodeError::kBadValue);
      if (!length) return length.failure();
      // A bit-string's length counts bits.
      const std::size_t bytes = item.type == AxdrType::kBitString ? (*length + 7) / 8 : *length;
      auto data = in.take(bytes);
      if (!data) return data.failure();
      item.bytes = *data;
      return Status::success();
    }
    default:
      break;
  }

  auto data = in.take(fixed_size(item.type));
  if (!data) return data.failure();
  item.bytes = *data;
  if (item.type == AxdrType::kFloat32) {
    item.real = static_cast<double>(
        std::bit_cast<float>(static_cast<std::uint32_t>(to_integer(AxdrType::kUint32, *data))));
  } else if (item.type == AxdrType::kFloat64) {
    item.real =
        std::bit_cast<double>(static_cast<std::uint64_t>(to_integer(AxdrType::kUint64, *data)));
  } else if (item.is_integer() || item.type == AxdrType::kBcd) {
    item.integer = to_integer(item.type, *data);
  }
  return Status::success();
}

}  // namespace

bool AxdrItem::is_integer() const {
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

Status walk_axdr(ByteReader& in, AxdrItems& out) { return walk(in, out, 0); }

}  // namespace meter::core
