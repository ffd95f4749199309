// SPDX-License-Identifier: MIT
#include "text_writer.h"

namespace meter::firmware {
namespace {

size_t length_of(const char* text) {
  size_t n = 0;
  while (text[n] != '\0') ++n;
  return n;
}

}  // namespace

TextWriter::TextWriter(char* out, size_t capacity) : out_(out), capacity_(capacity) {
  out_[0] = '\0';
}

void TextWriter::append(const char* text) { append(text, length_of(text)); }

void TextWriter::append(const char* text, size_t length) {
  if (!ok_) return;
  // One byte stays free for the terminator.
  if (length > capacity_ - 1 - size_) {
    ok_ = false;
    return;
  }
  for (size_t i = 0; i < length; ++i) out_[size_ + i] = text[i];
  size_ += length;
  out_[size_] = '\0';
}

void TextWriter::append_char(char c) { append(&c, 1); }

void TextWriter::append_uint(uint64_t value) {
  char digits[20];  // 2^64 - 1 has 20 decimal digits
  size_t count = 0;
  do {
    digits[count++] = static_cast<char>('0' + value % 10);
    value /= 10;
  } while (value != 0);
  char text[20];
  for (size_t i = 0; i < count; ++i) text[i] = digits[count - 1 - i];
  append(text, count);
}

void TextWriter::append_int(int32_t value) {
  if (value < 0) {
    append_char('-');
    // -(INT32_MIN) does not fit an int32_t; widen before negating.
    append_uint(static_cast<uint64_t>(-static_cast<int64_t>(value)));
  } else {
    append_uint(static_cast<uint64_t>(value));
  }
}

void TextWriter::append_json_string(const char* text) {
  static constexpr char kHexDigits[] = "0123456789abcdef";
  append_char('"');
  for (const char* p = text; *p != '\0'; ++p) {
    const auto byte = static_cast<uint8_t>(*p);
    if (*p == '"' || *p == '\\') {
      append_char('\\');
      append_char(*p);
    } else if (byte < 0x20) {
      const char escaped[] = {'\\', 'u', '0', '0', kHexDigits[byte >> 4], kHexDigits[byte & 0x0F]};
      append(escaped, sizeof escaped);
    } else {
      append_char(*p);
    }
  }
  append_char('"');
}

void TextWriter::append_html(const char* text) {
  for (const char* p = text; *p != '\0'; ++p) {
    switch (*p) {
      case '&':
        append("&amp;");
        break;
      case '<':
        append("&lt;");
        break;
      case '>':
        append("&gt;");
        break;
      case '"':
        append("&quot;");
        break;
      case '\'':
        append("&#39;");
        break;
      default:
        append_char(*p);
        break;
    }
  }
}

}  // namespace meter::firmware
