// SPDX-License-Identifier: MIT
// The tariff file (TOML, docs/tariffs.md) read into app's TariffSet. toml++ stays in here.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "meter/app/tariff.h"

namespace meter::tariff {

// What is wrong with a tariff file, in plain words: the file, the line (0: the whole file),
// the place ("tariff 1 (aWATTar), import 2") and the field.
struct TariffFileError {
  std::string file;
  int line = 0;
  std::string place;
  std::string field;
  std::string message;

  // "tariffs.toml:14: tariff 1 ("aWATTar"), import 2, field 'factor': expected a number, found
  // text"
  std::string text() const;
};

struct TariffFileResult {
  app::TariffSet set;  // fingerprint: a hash of the file's bytes
  std::optional<TariffFileError> error;

  explicit operator bool() const { return !error; }
};

TariffFileResult load_tariff_file(const std::filesystem::path& path);
// The same for text in memory; `source` names it in messages.
TariffFileResult parse_tariff_text(std::string_view text, const std::string& source);

}  // namespace meter::tariff
