// SPDX-License-Identifier: MIT
// The dashboard's static files (web/), compiled into the binary at build time.
#pragma once

#include <span>
#include <string_view>

namespace meter::http {

struct WebAsset {
  std::string_view path;  // "/index.html", "/app.js", "/vendor/uplot/uPlot.iife.min.js"
  std::string_view content_type;
  std::string_view etag;  // quoted, from the file's SHA-1
  std::string_view body;
};

std::span<const WebAsset> web_assets();

// The asset served at `path` ("/" is "/index.html"); nullptr if there is none.
const WebAsset* find_web_asset(std::string_view path);

}  // namespace meter::http
