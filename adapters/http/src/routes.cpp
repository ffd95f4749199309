// SPDX-License-Identifier: MIT
#include "meter/http/routes.h"

#include <array>

namespace meter::http {
namespace {

// To add an endpoint: a line here with its access (tests/http's route test then asks for it
// without, with wrong and with right credentials).
constexpr std::array kRoutes = {
    Route{"/healthz", Access::kPublic, "health for container checks (no readings)"},
    Route{"/metrics", Access::kProtected, "Prometheus text format"},
    Route{"/api/status", Access::kProtected, "the service's state"},
    Route{"/api/meters", Access::kProtected, "the meters"},
    Route{"/api/meters/{id}", Access::kProtected, "a meter's newest reading"},
    Route{"/api/meters/{id}/latest", Access::kProtected, "a meter's newest reading"},
    Route{"/api/meters/{id}/health", Access::kProtected, "a meter's diagnosis"},
    Route{"/api/meters/{id}/power", Access::kProtected, "power for the charts"},
    Route{"/api/meters/{id}/daily", Access::kProtected, "energy per day"},
    Route{"/api/meters/{id}/peak", Access::kProtected, "the month's peak quarter-hour"},
    Route{"/api/meters/{id}/statistics", Access::kProtected, "statistics as CSV or JSON"},
    Route{"/api/meters/{id}/reconciliation", Access::kProtected,
          "meter against the operator's data"},
    Route{"/api/meters/{id}/cost", Access::kProtected, "cost per quarter-hour, day or month"},
    Route{"/api/meters/{id}/cost/summary", Access::kProtected,
          "cost today, this and last month, the import price now"},
    Route{"/api/meters/{id}/prices", Access::kProtected,
          "the import price of a day's quarter-hours"},
    Route{"/api/meters/{id}/history", Access::kProtected, "a day, week, month or year to browse"},
    Route{"/api/meters/{id}/history.csv", Access::kProtected, "the history view as CSV"},
    Route{"/api/telegrams", Access::kProtected, "the last telegrams per meter (setup view)"},
    Route{"/v1/json", Access::kPublicIfOptedIn,
          "the local meter feed (EcoTracker local API; own listener)"},
    Route{"/api/{file}", Access::kProtected, "any other API path (answered 404)"},
    Route{"/{file}", Access::kProtected, "the dashboard's files, and any other path"},
};

std::string_view next_segment(std::string_view& rest) {
  const auto slash = rest.find('/');
  const std::string_view segment = rest.substr(0, slash);
  rest = slash == std::string_view::npos ? std::string_view() : rest.substr(slash + 1);
  return segment;
}

}  // namespace

std::span<const Route> routes() { return kRoutes; }

bool matches(std::string_view pattern, std::string_view path) {
  if (pattern.empty() || path.empty() || pattern.front() != '/' || path.front() != '/') {
    return false;
  }
  pattern.remove_prefix(1);
  path.remove_prefix(1);
  for (;;) {
    const bool pattern_done = pattern.empty();
    const std::string_view want = next_segment(pattern);
    if (want == "{file}") return true;  // the rest, whatever it is (also nothing: "/")
    const bool path_done = path.empty();
    if (pattern_done || path_done) return pattern_done && path_done;
    const std::string_view got = next_segment(path);
    if (want == "{id}") {
      if (got.empty()) return false;
    } else if (want != got) {
      return false;
    }
  }
}

const Route& route_for(std::string_view path) {
  for (const Route& route : kRoutes) {
    if (matches(route.pattern, path)) return route;
  }
  return kRoutes.back();
}

}  // namespace meter::http
