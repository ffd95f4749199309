// SPDX-License-Identifier: MIT
// Bounded text builder for the firmware's outgoing text (status JSON, config file, portal page).
// Writes into a caller-owned buffer and always keeps it NUL-terminated; once something does not
// fit, ok() stays false and the caller discards the text, so a short buffer never yields a
// half-written document.
//
// Freestanding (cross-compiled for the ESP8266): <stddef.h>, <stdint.h> only; no heap.
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace meter::firmware {

class TextWriter {
 public:
  // `capacity` includes the terminating NUL; it must be at least 1.
  TextWriter(char* out, size_t capacity);

  void append(const char* text);  // NUL-terminated
  void append(const char* text, size_t length);
  void append_char(char c);
  void append_uint(uint64_t value);
  void append_int(int32_t value);
  // `text` between double quotes as a JSON string (escapes quotes, backslashes and control bytes).
  void append_json_string(const char* text);
  // `text` with the HTML special characters & < > " ' escaped, for element text and attributes.
  void append_html(const char* text);

  bool ok() const { return ok_; }
  size_t size() const { return size_; }
  // Size when ok(), else 0: the usual return value of a function that writes a whole document.
  size_t finished_size() const { return ok_ ? size_ : 0; }

 private:
  char* out_;
  size_t capacity_;
  size_t size_ = 0;
  bool ok_ = true;
};

}  // namespace meter::firmware
