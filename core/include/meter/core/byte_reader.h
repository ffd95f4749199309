// SPDX-License-Identifier: MIT
// ByteReader: the checked cursor every parser above the link layer reads through.
// Bounds are compared with what is left (`n > remaining()`), never `pos + n > size`, so an
// untrusted length cannot wrap. Integers are big-endian (A-XDR, DLMS) and built with shifts.
// Failures carry the offset relative to `base`, the position of this buffer in its layer.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "meter/core/result.h"

namespace meter::core {

class ByteReader {
 public:
  ByteReader() = default;
  explicit ByteReader(std::span<const std::uint8_t> data, std::size_t base = 0)
      : data_(data), base_(base) {}

  std::size_t offset() const { return base_ + pos_; }  // in the layer's coordinates
  std::size_t position() const { return pos_; }        // in this reader's span
  std::size_t remaining() const { return data_.size() - pos_; }
  bool at_end() const { return pos_ == data_.size(); }
  std::span<const std::uint8_t> rest() const { return data_.subspan(pos_); }

  DecodeFailure fail(DecodeError code) const { return failure_at(code, offset()); }

  Result<std::uint8_t> u8(DecodeError on_short = DecodeError::kBadValue) {
    if (remaining() < 1) return fail(on_short);
    return data_[pos_++];
  }

  Result<std::uint16_t> u16_be(DecodeError on_short = DecodeError::kBadValue) {
    if (remaining() < 2) return fail(on_short);
    const auto value = static_cast<std::uint16_t>(data_[pos_] << 8 | data_[pos_ + 1]);
    pos_ += 2;
    return value;
  }

  Result<std::uint32_t> u32_be(DecodeError on_short = DecodeError::kBadValue) {
    if (remaining() < 4) return fail(on_short);
    const std::uint32_t value = std::uint32_t{data_[pos_]} << 24 |
                                std::uint32_t{data_[pos_ + 1]} << 16 |
                                std::uint32_t{data_[pos_ + 2]} << 8 | data_[pos_ + 3];
    pos_ += 4;
    return value;
  }

  Result<std::uint64_t> u64_be(DecodeError on_short = DecodeError::kBadValue) {
    if (remaining() < 8) return fail(on_short);
    std::uint64_t value = 0;
    for (std::size_t i = 0; i < 8; ++i) value = value << 8 | data_[pos_ + i];
    pos_ += 8;
    return value;
  }

  // A view of the next n bytes (no copy).
  Result<std::span<const std::uint8_t>> take(std::size_t n,
                                             DecodeError on_short = DecodeError::kBadValue) {
    if (n > remaining()) return fail(on_short);
    auto view = data_.subspan(pos_, n);
    pos_ += n;
    return view;
  }

  Status expect(std::uint8_t byte, DecodeError on_mismatch) {
    if (remaining() < 1 || data_[pos_] != byte) return fail(on_mismatch);
    ++pos_;
    return Status::success();
  }

  // A-XDR / BER length: one byte below 0x80, else 0x8n followed by n big-endian bytes (n <= 4).
  Result<std::size_t> ber_length(DecodeError on_bad = DecodeError::kBadLength) {
    const std::size_t start = pos_;
    if (remaining() < 1) return fail(on_bad);
    const std::uint8_t first = data_[pos_++];
    if (first < 0x80) return std::size_t{first};
    const std::size_t count = first & 0x7F;
    if (count == 0 || count > 4 || count > remaining()) {
      pos_ = start;
      return fail(on_bad);
    }
    std::size_t value = 0;
    for (std::size_t i = 0; i < count; ++i) value = value << 8 | data_[pos_++];
    return value;
  }

  // A reader over the next n bytes, sharing this reader's coordinates; this one skips past them.
  Result<ByteReader> sub_reader(std::size_t n, DecodeError on_short = DecodeError::kBadValue) {
    if (n > remaining()) return fail(on_short);
    ByteReader sub(data_.subspan(pos_, n), offset());
    pos_ += n;
    return sub;
  }

 private:
  std::span<const std::uint8_t> data_;
  std::size_t base_ = 0;
  std::size_t pos_ = 0;
};

}  // namespace meter::core
