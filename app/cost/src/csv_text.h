// SPDX-License-Identifier: MIT
// What the CSV files of app/cost (day-ahead prices, the operator's portal exports) share: cells,
// fixed-width digits and numbers written with a decimal point or a decimal comma.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace meter::app::csv {

std::string_view trim(std::string_view text);  // white space (and a line's '\r') at both ends

// One record: fields split at `delimiter`, "quoted" fields with "" for a quote, each trimmed.
std::vector<std::string> split_record(std::string_view line, char delimiter);

// `count` decimal digits at `at` -> value; false when they are not all digits or run past the end.
template <typename Number>
bool fixed_digits(std::string_view text, std::size_t at, std::size_t count, Number& value) {
  if (at + count > text.size()) return false;
  value = 0;
  for (std::size_t i = at; i < at + count; ++i) {
    if (text[i] < '0' || text[i] > '9') return false;
    value = static_cast<Number>(value * 10 + static_cast<Number>(text[i] - '0'));
  }
  return true;
}

// "12.34", "+12.34", or with a comma in it "12,34" and "-1.234,56" (dots are then thousands);
// nullopt when it is no finite number.
std::optional<double> parse_decimal(std::string_view text);

}  // namespace meter::app::csv
