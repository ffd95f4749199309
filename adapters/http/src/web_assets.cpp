// SPDX-License-Identifier: MIT
#include "meter/http/web_assets.h"

namespace meter::http {

const WebAsset* find_web_asset(std::string_view path) {
  if (path == "/") path = "/index.html";
  for (const WebAsset& asset : web_assets()) {
    if (asset.path == path) return &asset;
  }
  return nullptr;
}

}  // namespace meter::http
