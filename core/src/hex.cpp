// SPDX-License-Identifier: MIT
#include "meter/core/hex.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace meter::core {
namespace {

constexpr uint8_t kInvalid = 0xFF;
constexpr uint8_t kSeparator = 0xFE;

struct HexTable {
  uint8_t value[256];
  constexpr HexTable() : value() {
    for (int c = 0; c < 256; ++c) value[c] = kInvalid;
    for (int c = 0; c < 10; ++c) value['0' + c] = static_cast<uint8_t>(c);
    for (int c = 0; c < 6; ++c) {
      value['a' + c] = static_cast<uint8_t>(10 + c);
      value['A' + c] = static_cast<uint8_t>(10 + c);
    }
    const char separators[] = " \t\r\n\v\f:-,;._";
    for (const char* s = separators; *s != '\0'; ++s) value[static_cast<uint8_t>(*s)] = kSeparator;
  }
};

constexpr HexTable kHex;

inline uint8_t digit(char c) { return kHex.value[static_cast<uint8_t>(c)]; }

HexDecodeResult failure(DecodeError error, size_t offset) {
  return {0, false, error, static_cast<uint32_t>(offset)};
}

#if defined(__SSE2__)
// Sixteen hex digits -> eight bytes (SSE2, part of every x86-64 CPU); false on a non-digit.
inline bool decode16(const char* text, uint8_t* out) {
  const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(text));
  const __m128i d = _mm_sub_epi8(x, _mm_set1_epi8('0'));
  const __m128i l = _mm_sub_epi8(_mm_or_si128(x, _mm_set1_epi8(0x20)), _mm_set1_epi8('a'));
  const __m128i is_d = _mm_cmpeq_epi8(_mm_min_epu8(d, _mm_set1_epi8(9)), d);
  const __m128i is_l = _mm_cmpeq_epi8(_mm_min_epu8(l, _mm_set1_epi8(5)), l);
  if (_mm_movemask_epi8(_mm_or_si128(is_d, is_l)) != 0xFFFF) return false;
  const __m128i nib =
      _mm_or_si128(_mm_and_si128(is_d, d), _mm_and_si128(is_l, _mm_add_epi8(l, _mm_set1_epi8(10))));
  const __m128i pairs = _mm_and_si128(_mm_or_si128(_mm_slli_epi16(nib, 4), _mm_srli_epi16(nib, 8)),
                                      _mm_set1_epi16(0x00FF));
  _mm_storel_epi64(reinterpret_cast<__m128i*>(out), _mm_packus_epi16(pairs, pairs));
  return true;
}
#endif

// The common case: nothing but hex digit pairs.
bool decode_strict(const char* text, size_t length, uint8_t* out, size_t capacity,
                   size_t* written) {
  if (length % 2 != 0 || length / 2 > capacity) return false;
  size_t i = 0;
#if defined(__SSE2__)
  for (; i + 16 <= length; i += 16) {
    if (!decode16(text + i, out + i / 2)) return false;
  }
#endif
  for (; i < length; i += 2) {
    const uint8_t high = digit(text[i]);
    const uint8_t low = digit(text[i + 1]);
    if ((high | low) & 0xF0) return false;
    out[i / 2] = static_cast<uint8_t>(high << 4 | low);
  }
  *written = length / 2;
  return true;
}

bool contains_frame_start(const uint8_t* data, size_t size) {
  for (size_t i = 0; i < size; ++i) {
    if (data[i] == 0x68) return true;
  }
  return false;
}

}  // namespace

HexDecodeResult decode_hex(const char* text, size_t length, uint8_t* out, size_t capacity) {
  size_t written = 0;
  if (decode_strict(text, length, out, capacity, &written)) return {written, true, {}, 0};

  bool have_high = false;
  bool saw_junk = false;
  uint8_t high = 0;
  size_t high_offset = 0;
  for (size_t i = 0; i < length; ++i) {
    const char c = text[i];
    const uint8_t value = digit(c);
    if (value == kSeparator) {
      // A separator inside a byte: junk before the data ("data: 68..."), else an error.
      if (have_high) {
        if (contains_frame_start(out, written))
          return failure(DecodeError::kOddHexDigits, high_offset);
        written = 0;
        have_high = false;
      }
      continue;
    }
    if (value == kInvalid) {
      // Junk before the data: forget what was read so far unless it already began a frame.
      if (contains_frame_start(out, written)) return failure(DecodeError::kNotHex, i);
      written = 0;
      have_high = false;
      saw_junk = true;
      continue;
    }
    if (!have_high && c == '0' && i + 1 < length && (text[i + 1] == 'x' || text[i + 1] == 'X')) {
      ++i;  // `0x` prefix
      continue;
    }
    if (!have_high) {
      high = value;
      high_offset = i;
      have_high = true;
      continue;
    }
    if (written == capacity) return failure(DecodeError::kTooLarge, i);
    out[written++] = static_cast<uint8_t>(high << 4 | value);
    have_high = false;
  }
  // Text that never reached a frame start and had other characters in it is not hex at all.
  if (saw_junk && !contains_frame_start(out, written)) return failure(DecodeError::kNotHex, 0);
  if (have_high) return failure(DecodeError::kOddHexDigits, high_offset);
  return {written, true, {}, 0};
}

size_t encode_hex_upper(const uint8_t* data, size_t size, char* out) {
  const char digits[] = "0123456789ABCDEF";
  for (size_t i = 0; i < size; ++i) {
    out[2 * i] = digits[data[i] >> 4];
    out[2 * i + 1] = digits[data[i] & 0x0F];
  }
  return 2 * size;
}

}  // namespace meter::core
