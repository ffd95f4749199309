// SPDX-License-Identifier: MIT
#include "meter/core/value_layout.h"

#include <algorithm>
#include <array>

namespace meter::core {
namespace {

constexpr Obis kClockObis = Obis::of(0, 0, 1, 0, 0);
constexpr Obis kMeterNumberObis = Obis::of(0, 0, 96, 1, 0);
constexpr Obis kLogicalDeviceNameObis = Obis::of(0, 0, 42, 0, 0);

bool is_printable(std::span<const std::uint8_t> bytes) {
  return !bytes.empty() && std::all_of(bytes.begin(), bytes.end(),
                                       [](std::uint8_t b) { return b >= 0x20 && b < 0x7F; });
}

std::string_view as_text(std::span<const std::uint8_t> bytes) {
  return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

constexpr std::uint64_t obis_key(const Obis& obis) {
  std::uint64_t key = 0;
  for (const std::uint8_t byte : obis.bytes) key = key << 8 | byte;
  return key;
}

constexpr auto kQuantityKeys = [] {
  std::array<std::uint64_t, kQuantityCount> keys{};
  for (std::size_t i = 0; i < kQuantityCount; ++i) keys[i] = obis_key(kQuantities[i].obis);
  return keys;
}();

const QuantityInfo* find_quantity(const Obis& obis) {
  const std::uint64_t key = obis_key(obis);
  for (std::size_t i = 0; i < kQuantityCount; ++i) {
    if (kQuantityKeys[i] == key) return &kQuantities[i];
  }
  return nullptr;
}

// value, then optionally structure(2){ int8 scaler, enum unit }
std::size_t read_scaler_unit(std::span<const AxdrItem> items, std::size_t at, Measurement& m) {
  if (at + 2 >= items.size()) return 0;
  const AxdrItem& group = items[at];
  if (group.type != AxdrType::kStructure || group.count != 2) return 0;
  if (items[at + 1].type != AxdrType::kInt8 || items[at + 2].type != AxdrType::kEnum) return 0;
  m.scaler = static_cast<std::int8_t>(items[at + 1].integer);
  m.unit = static_cast<std::uint8_t>(items[at + 2].integer);
  m.has_scaler_unit = true;
  return 3;
}

void take_time(Telegram& out, std::span<const std::uint8_t> bytes) {
  if (out.has_time) return;
  auto time = parse_cosem_datetime(bytes);
  if (!time) return;
  out.has_time = true;
  out.meter_time = *time;
  out.timestamp_utc = time->to_utc_epoch();
}

}  // namespace

Status map_registers(std::span<const AxdrItem> items, Telegram& out) {
  std::size_t i = 0;
  while (i < items.size()) {
    const AxdrItem& item = items[i];
    const bool obis_led = item.type == AxdrType::kOctetString && item.bytes.size() == 6 &&
                          i + 1 < items.size() && !items[i + 1].is_container();
    if (!obis_led) {
      // Strings without an OBIS code (EVN layout): the date-time first, the meter number last.
      if (item.type == AxdrType::kOctetString || item.type == AxdrType::kVisibleString) {
        if (is_printable(item.bytes)) {
          if (out.meter_number.empty()) out.meter_number.assign(as_text(item.bytes));
        } else if (item.bytes.size() == 12) {
          take_time(out, item.bytes);
        }
      } else if (item.type == AxdrType::kDateTime) {
        take_time(out, item.bytes);
      }
      ++i;
      continue;
    }

    const Obis obis = Obis::from(item.bytes);
    const AxdrItem& value = items[i + 1];
    i += 2;
    if (value.is_integer()) {
      Measurement m;
      m.present = true;
      m.raw = value.integer;
      i += read_scaler_unit(items, i, m);
      store_register(obis, m, out);
    } else if (obis == kClockObis && value.bytes.size() == 12) {
      take_time(out, value.bytes);
    } else if (obis == kMeterNumberObis && is_printable(value.bytes)) {
      out.meter_number.assign(as_text(value.bytes));
    } else if (obis == kLogicalDeviceNameObis && is_printable(value.bytes)) {
      out.logical_device_name.assign(as_text(value.bytes));
    }
  }
  return Status::success();
}

bool store_register(const Obis& obis, const Measurement& measurement, Telegram& out) {
  if (const QuantityInfo* quantity = find_quantity(obis)) {
    out[quantity->quantity] = measurement;
    return true;
  }
  if (out.extra_count >= kMaxExtraRegisters) return false;
  out.extras[out.extra_count++] = {obis, measurement};
  return true;
}

Status map_values(std::span<const AxdrItem> items, Telegram& out, ProviderLayout /*hint*/) {
  // The nested layout opens with a structure holding structures; the flat one is a list.
  out.layout =
      items.size() > 1 && items[1].is_container() ? ValueLayout::kNested : ValueLayout::kObisList;
  return map_registers(items, out);
}

const char* provider_layout_name(ProviderLayout layout) {
  switch (layout) {
    case ProviderLayout::kAuto:
      return "auto";
    case ProviderLayout::kWienerNetze:
      return "wiener-netze";
    case ProviderLayout::kNetzBurgenland:
      return "netz-burgenland";
  }
  return "auto";
}

std::optional<ProviderLayout> provider_layout_from_name(std::string_view name) {
  for (const ProviderLayout layout :
       {ProviderLayout::kAuto, ProviderLayout::kWienerNetze, ProviderLayout::kNetzBurgenland}) {
    if (name == provider_layout_name(layout)) return layout;
  }
  return std::nullopt;
}

}  // namespace meter::core
