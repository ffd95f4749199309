// SPDX-License-Identifier: MIT
// Hex text <-> bytes, as carried on the raw MQTT topic. Freestanding (firmware uses it).
//
// Decoding is tolerant: upper or lower case; whitespace and the separators `: - , ; . _` between
// bytes; an optional `0x` before a byte. Text before the data (a log prefix such as "data: ") is
// skipped as junk, as long as it ends before the first byte 0x68 (a frame start); after that,
// anything else is an error.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "meter/core/decode_error.h"

namespace meter::core {

struct HexDecodeResult {
  size_t size;  // bytes written
  bool ok;
  DecodeError error;  // when !ok: kNotHex, kOddHexDigits or kTooLarge
  uint32_t offset;    // when !ok: character offset in the text
};

// Writes at most `capacity` bytes to `out`; kTooLarge when the text holds more.
HexDecodeResult decode_hex(const char* text, size_t length, uint8_t* out, size_t capacity);

// Writes 2*size uppercase hex digits (no terminator) and returns how many were written.
size_t encode_hex_upper(const uint8_t* data, size_t size, char* out);

}  // namespace meter::core
