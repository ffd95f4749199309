// SPDX-License-Identifier: MIT
// A reconciliation (app/cost: reconciliation.h) as JSON, for `smartmeter portal compare
// --format json` and the API (docs/portal.md lists the fields).
#pragma once

#include <cstddef>
#include <limits>
#include <string>

#include "meter/app/reconciliation.h"

namespace meter::json {

// At most `max_findings` findings are listed (the earliest); "findingsTotal" counts them all.
std::string reconciliation_json(const app::Reconciliation& reconciliation,
                                std::size_t max_findings = std::numeric_limits<std::size_t>::max());

}  // namespace meter::json
