// SPDX-License-Identifier: MIT
#include "meter/core/axdr.h"

#include <array>
#include <bit>

namespace meter::core {
namespace {

// What the walker needs to know of each tag, looked up once per item.
struct TypeInfo {
  bool known = false;
  bool container = false;
  bool length_prefixed = false;
  bool integer = false;
  bool is_signed = false;
  std::uint8_t size = 0;  // bytes after the tag for fixed-size types
};

constexpr std::array<TypeInfo, 256> kTypes = [] {
  std::array<TypeInfo, 256> types{};
  auto fixed = [&](AxdrType t, std::uint8_t size, bool integer, bool is_signed) {
    types[static_cast<std::uint8_t>(t)] = {true, false, false, integer, is_signed, size};
  };
  types[0x00] = {true, false, false, false, false, 0};
  types[0x01] = {true, true, false, false, false, 0};
  types[0x02] = {true, true, false, false, false, 0};
  for (const AxdrType t : {AxdrType::kBitString, AxdrType::kOctetString, AxdrType::kVisibleString,
                           AxdrType::kUtf8String}) {
    types[static_cast<std::uint8_t>(t)] = {true, false, true, false, false, 0};
  }
  fixed(AxdrType::kBoolean, 1, true, false);
  fixed(AxdrType::kInt32, 4, true, true);
  fixed(AxdrType::kUint32, 4, true, false);
  fixed(AxdrType::kBcd, 1, true, false);  // bcd [13] IMPLICIT Integer8
  fixed(AxdrType::kInt8, 1, true, true);
  fixed(AxdrType::kInt16, 2, true, true);
  fixed(AxdrType::kUint8, 1, true, false);
  fixed(AxdrType::kUint16, 2, true, false);
  fixed(AxdrType::kInt64, 8, true, true);
  fixed(AxdrType::kUint64, 8, true, false);
  fixed(AxdrType::kEnum, 1, true, false);
  fixed(AxdrType::kFloat32, 4, false, false);
  fixed(AxdrType::kFloat64, 8, false, false);
  fixed(AxdrType::kDateTime, 12, false, false);
  fixed(AxdrType::kDate, 5, false, false);
  fixed(AxdrType::kTime, 4, false, false);
  return types;
}();

std::uint64_t big_endian(std::span<const std::uint8_t> bytes) {
  std::uint64_t value = 0;
  for (const std::uint8_t byte : bytes) value = value << 8 | byte;
  return value;
}

// Sign-extends the low `size` bytes.
std::int64_t sign_extend(std::uint64_t value, std::size_t size) {
  const unsigned shift = static_cast<unsigned>(64 - 8 * size);
  return static_cast<std::int64_t>(value << shift) >> shift;
}

Status read_item(ByteReader& in, AxdrItem* items, std::size_t& used, std::size_t depth,
                 std::size_t& children) {
  children = 0;
  if (depth >= kMaxAxdrDepth) return in.fail(DecodeError::kTooDeep);
  if (used == kMaxAxdrItems) return in.fail(DecodeError::kTooManyValues);
  const std::size_t tag_offset = in.offset();
  auto tag = in.u8();
  if (!tag) return tag.failure();
  const TypeInfo& info = kTypes[*tag];
  if (!info.known) return failure_at(DecodeError::kBadValue, tag_offset);

  AxdrItem& item = items[used++];
  item.type = static_cast<AxdrType>(*tag);
  item.depth = static_cast<std::uint8_t>(depth);
  item.count = 0;
  item.integer = 0;
  item.offset = static_cast<std::uint32_t>(tag_offset);
  item.bytes = {};  // a failure below must not leave the view of an earlier input behind

  if (info.container) {
    auto count = in.ber_length(DecodeError::kBadValue);
    if (!count) return count.failure();
    // Each element takes at least one byte: a count beyond what is left is malformed.
    if (*count > in.remaining()) return failure_at(DecodeError::kBadValue, tag_offset);
    if (*count > kMaxAxdrItems) return failure_at(DecodeError::kTooManyValues, tag_offset);
    item.count = static_cast<std::uint16_t>(*count);
    children = *count;
    return Status::success();
  }
  std::size_t size = info.size;
  if (info.length_prefixed) {
    auto length = in.ber_length(DecodeError::kBadValue);
    if (!length) return length.failure();
    // A bit-string's length counts bits.
    size = item.type == AxdrType::kBitString ? (*length + 7) / 8 : *length;
  }
  auto data = in.take(size);
  if (!data) return data.failure();
  item.bytes = *data;
  if (info.integer) {
    const std::uint64_t raw = big_endian(*data);
    item.integer = info.is_signed ? sign_extend(raw, size) : static_cast<std::int64_t>(raw);
  }
  return Status::success();
}

}  // namespace

double AxdrItem::real() const {
  if (type == AxdrType::kFloat32) {
    return static_cast<double>(std::bit_cast<float>(static_cast<std::uint32_t>(big_endian(bytes))));
  }
  if (type == AxdrType::kFloat64) return std::bit_cast<double>(big_endian(bytes));
  return 0;
}

Status walk_axdr(ByteReader& in, AxdrItems& out) {
  // Local copies of the cursor and the count: item stores might alias them, which would keep
  // both in memory for every item.
  ByteReader reader = in;
  std::size_t size = out.size;
  const auto done = [&](Status status) {
    in = reader;
    out.size = size;
    return status;
  };
  std::array<std::size_t, kMaxAxdrDepth> pending{};  // elements still to read per open container
  std::size_t depth = 0;
  for (;;) {
    std::size_t children = 0;
    if (auto s = read_item(reader, out.items.data(), size, depth, children); !s) return done(s);
    if (children > 0) {
      pending[depth++] = children;
      continue;
    }
    while (depth > 0 && --pending[depth - 1] == 0) --depth;
    if (depth == 0) return done(Status::success());
  }
}

}  // namespace meter::core
