// SPDX-License-Identifier: MIT
// What the API's files share: error answers and the local-day range of from/to parameters.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "meter/http/api.h"

namespace meter::http::detail {

// {"error": message} with `status`.
Response error_response(int status, const std::string& message);
// from/to as local days YYYY-MM-DD (default: `days_before` days before `today` .. today), at
// most Api::kMaxRangeS long; a 400 answer when they are not.
std::optional<Response> local_day_range(const Params& params, std::int64_t today,
                                        std::int64_t days_before, std::int64_t& first,
                                        std::int64_t& last);

}  // namespace meter::http::detail
