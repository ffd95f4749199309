// SPDX-License-Identifier: MIT
// Every path the web server answers, each with who may ask for it: the one place that decides
// whether a route needs credentials. A path that matches no route here falls to the last one
// (the dashboard's files and every unknown path: protected), so a route added to the API
// without a line here is protected, never open by mistake.
//
//   pattern segments: literal text, {id} (one segment), {file} (the rest of the path, last only)
#pragma once

#include <span>
#include <string_view>

namespace meter::http {

enum class Access : unsigned char {
  kPublic,           // no credentials ever (/healthz: says nothing about the readings)
  kProtected,        // the password or the token, when either is configured
  kPublicIfOptedIn,  // protected, unless AccessSettings::open_opt_in_routes (devices that
                     // cannot log in, such as a battery polling a meter feed on the LAN)
};

struct Route {
  std::string_view pattern;  // "/api/meters/{id}/power"
  Access access;
  std::string_view summary;  // for docs and test output
};

// All routes, most specific first; the last is the catch-all for the dashboard's files.
std::span<const Route> routes();

// The route `path` belongs to (the query string already removed); never null.
const Route& route_for(std::string_view path);

// Whether `path` fits `pattern`.
bool matches(std::string_view pattern, std::string_view path);

}  // namespace meter::http
