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

bool is_obis(const AxdrItem& item) {
  return item.type == AxdrType::kOctetString && item.bytes.size() == 6;
}

// The index after item `at` and all its descendants.
std::size_t skip_subtree(std::span<const AxdrItem> items, std::size_t at) {
  std::size_t next = at + 1;
  while (next < items.size() && items[next].depth > items[at].depth) ++next;
  return next;
}

// The direct children of the container at `at`, as indices into `items`.
struct Children {
  std::array<std::uint16_t, kMaxAxdrItems> index{};
  std::size_t size = 0;
};

void children_of(std::span<const AxdrItem> items, std::size_t at, Children& out) {
  out.size = 0;
  for (std::size_t i = at + 1; i < items.size() && items[i].depth > items[at].depth;
       i = skip_subtree(items, i)) {
    out.index[out.size++] = static_cast<std::uint16_t>(i);
  }
}

Measurement bare(const AxdrItem& value) {
  Measurement m;
  m.present = true;
  m.raw = value.integer;
  return m;
}

// ---- the capture objects' list, then the values ---------------------------------------------
//
//   structure(n){ array(k){ structure(4){ class-id, logical name (OBIS), attribute, data index }
//   ... }, value, value, ... }
// as the L+G E450 pushes it (esphome-libs/dlms_parser tests/dumps/hdlc_landis_gyr_e450_cyprus:
// structure(21), array(21) whose first entry is the push setup 0-8:25.9.0.255 itself, class 40,
// attribute 2 = this list; then the clock and 19 registers' values, bare). A list of bare OBIS
// codes instead of the 4-element entries is read the same way.

constexpr std::uint16_t kPushSetupClass = 40;

bool capture_entry(std::span<const AxdrItem> items, std::size_t at, Obis& obis,
                   std::uint16_t& class_id) {
  const AxdrItem& entry = items[at];
  if (is_obis(entry)) {
    obis = Obis::from(entry.bytes);
    class_id = 0;
    return true;
  }
  if (entry.type != AxdrType::kStructure || entry.count != 4 || at + 4 >= items.size()) {
    return false;
  }
  const AxdrItem& id = items[at + 1];
  const AxdrItem& name = items[at + 2];
  if (!id.is_integer() || !is_obis(name) || !items[at + 3].is_integer() ||
      !items[at + 4].is_integer()) {
    return false;
  }
  obis = Obis::from(name.bytes);
  class_id = static_cast<std::uint16_t>(id.integer);
  return true;
}

bool is_capture_list(std::span<const AxdrItem> items) {
  if (items.size() < 3 || items[0].type != AxdrType::kStructure) return false;
  const AxdrItem& list = items[1];
  if (list.type != AxdrType::kArray || list.count == 0) return false;
  // The values follow the list: as many as entries, or one fewer when the first entry is the
  // push setup whose value is the list itself.
  if (list.count != items[0].count && list.count + 1 != items[0].count) return false;
  Obis obis;
  std::uint16_t class_id = 0;
  for (std::size_t i = 2; i < items.size() && items[i].depth > list.depth;
       i = skip_subtree(items, i)) {
    if (!capture_entry(items, i, obis, class_id)) return false;
  }
  return true;
}

void store_capture_value(const Obis& obis, const AxdrItem& value, Telegram& out) {
  if (value.is_integer()) {
    store_register(obis, bare(value), out);
  } else if (obis == kClockObis && value.bytes.size() == 12) {  // octet-string or date-time
    take_time(out, value.bytes);
  } else if (obis == kMeterNumberObis && is_printable(value.bytes)) {
    out.meter_number.assign(as_text(value.bytes));
  } else if (obis == kLogicalDeviceNameObis && is_printable(value.bytes)) {
    out.logical_device_name.assign(as_text(value.bytes));
  }
}

Status map_capture_list(std::span<const AxdrItem> items, Telegram& out) {
  Children entries;
  Children values;
  children_of(items, 1, entries);
  children_of(items, 0, values);  // values.index[0] is the list itself
  // Entry k describes body element k when the list counts itself, else element k + 1.
  const std::size_t shift = entries.size == values.size ? 0 : 1;
  for (std::size_t k = 0; k < entries.size; ++k) {
    Obis obis;
    std::uint16_t class_id = 0;
    (void)capture_entry(items, entries.index[k], obis, class_id);
    const std::size_t element = k + shift;
    if (element == 0) continue;  // the push setup: its value is the list
    if (class_id == kPushSetupClass) continue;
    store_capture_value(obis, items[values.index[element]], out);
  }
  out.layout = ValueLayout::kCaptureList;
  return Status::success();
}

// ---- bare values in an order fixed per operator ---------------------------------------------

// No OBIS code anywhere, but numbers: only a provider table can say what they are.
bool has_bare_values_only(std::span<const AxdrItem> items) {
  if (items.empty() || items[0].type != AxdrType::kStructure) return false;
  bool numbers = false;
  for (const AxdrItem& item : items) {
    if (is_obis(item)) return false;
    numbers = numbers || item.is_integer();
  }
  return numbers;
}

// A real point in time, not just 12 bytes: what keeps a wrong key's garbage out of the table.
bool is_date_time(const AxdrItem& item) {
  return (item.type == AxdrType::kOctetString || item.type == AxdrType::kDateTime) &&
         item.bytes.size() == 12 && parse_cosem_datetime(item.bytes).ok();
}

// Wiener Netze (optical customer interface), Iskraemeco AM550 and Landis+Gyr E450:
// structure(9){ date-time, +A Wh, -A Wh, +R varh, -R varh, +P W, -P W, +Q var, -Q var }, all
// uint32 without scaler and unit. Siemens IM350 puts its meter id (octet-string) first:
// structure(10). Sources: pocki80's gist 8d5aed9a5b99e9731130819229e15a37 (AM550 example key and
// data), rddl-network/EnergyAgent energy_decrypter.py (AM550, E450, IM350 with keys).
constexpr std::array<Quantity, 8> kWienerNetzeOrder = {
    Quantity::kEnergyImport,         Quantity::kEnergyExport,       Quantity::kReactiveEnergyImport,
    Quantity::kReactiveEnergyExport, Quantity::kPowerImport,        Quantity::kPowerExport,
    Quantity::kReactivePowerImport,  Quantity::kReactivePowerExport};

bool map_wiener_netze(std::span<const AxdrItem> items, const Children& body, Telegram& out) {
  const bool with_id = body.size == 1 + 1 + kWienerNetzeOrder.size();
  if (!with_id && body.size != 1 + kWienerNetzeOrder.size()) return false;
  std::size_t at = 0;
  const AxdrItem* id = with_id ? &items[body.index[at++]] : nullptr;
  if (id != nullptr && !(id->is_string() && is_printable(id->bytes))) return false;
  const AxdrItem& time = items[body.index[at++]];
  if (!is_date_time(time)) return false;
  for (std::size_t k = 0; k < kWienerNetzeOrder.size(); ++k) {
    if (items[body.index[at + k]].type != AxdrType::kUint32) return false;
  }
  if (id != nullptr) out.meter_number.assign(as_text(id->bytes));
  take_time(out, time.bytes);
  for (std::size_t k = 0; k < kWienerNetzeOrder.size(); ++k) {
    out[kWienerNetzeOrder[k]] = bare(items[body.index[at + k]]);
  }
  return true;
}

// Netz Burgenland, L+G E450 (UtilitechAS/amsreader-firmware#501, a real telegram with its keys):
//   structure(14){ 3 x uint16, 3 x uint16, +P W, -P W, +A Wh, -A Wh (uint32), 3 x uint16,
//   octet-string meter number }
// The thread names the uint32 in this order (Wirkleistung Bezug, Wirkleistung Rückspeisung,
// Wirkenergie Bezug gesamt, ...) and their magnitudes agree. The nine uint16 look like voltages,
// currents and more, but no public source states which they are or their scalers, so they are
// left unmapped rather than guessed. Only the exact shape is taken, so that neither another
// meter's body nor a wrong key's garbage matches. kAuto never picks it: one telegram is all that
// is known of it, and a shape of bare integers is too weak a sign to take without the profile.
constexpr std::size_t kBurgenlandElements = 14;
constexpr std::size_t kBurgenlandFirstUint32 = 6;
constexpr std::array<Quantity, 4> kBurgenlandOrder = {
    Quantity::kPowerImport, Quantity::kPowerExport, Quantity::kEnergyImport,
    Quantity::kEnergyExport};

bool is_digits(std::span<const std::uint8_t> bytes) {
  return !bytes.empty() && std::all_of(bytes.begin(), bytes.end(),
                                       [](std::uint8_t b) { return b >= '0' && b <= '9'; });
}

bool map_netz_burgenland(std::span<const AxdrItem> items, const Children& body, Telegram& out) {
  if (items[0].type != AxdrType::kStructure || body.size != kBurgenlandElements) return false;
  const auto element = [&](std::size_t k) -> const AxdrItem& { return items[body.index[k]]; };
  for (std::size_t k = 0; k + 1 < kBurgenlandElements; ++k) {
    const bool u32 = k >= kBurgenlandFirstUint32 && k < kBurgenlandFirstUint32 + 4;
    if (element(k).type != (u32 ? AxdrType::kUint32 : AxdrType::kUint16)) return false;
  }
  const AxdrItem& number = element(kBurgenlandElements - 1);
  if (number.type != AxdrType::kOctetString || !is_digits(number.bytes)) return false;
  out.meter_number.assign(as_text(number.bytes));
  for (std::size_t k = 0; k < kBurgenlandOrder.size(); ++k) {
    out[kBurgenlandOrder[k]] = bare(element(kBurgenlandFirstUint32 + k));
  }
  out.layout = ValueLayout::kProvider;
  out.provider_layout = provider_layout_name(ProviderLayout::kNetzBurgenland);
  return true;
}

// Kärnten Netz, Iskraemeco AM550 on the P1 port:
//   structure(12){ octet-string 0-6:25.9.0.255 (the push object's logical name), octet-string
//   meter number (13 ASCII digits), octet-string(4) time hh mm ss hundredths, octet-string(5)
//   date yyyy mm dd weekday, +A Wh, -A Wh, +R varh, -R varh, +P W, -P W (bare uint32, no Q),
//   two octet strings (customer information text and code, sent empty) }
// Sources: pocki80's gist 941fa090a8d6269a9b3b68c195f8750f (its example plaintext explained byte
// by byte), confirmed by a real meter's decrypted telegram in UtilitechAS/amsreader-firmware#787.
// The body's time and date carry no deviation, so the notification header's date-time is the
// meter time; the body's stands in only when the header has none.
constexpr Obis kKaerntenPushObis = Obis::of(0, 6, 25, 9, 0);
constexpr std::size_t kKaerntenElements = 12;
constexpr std::array<Quantity, 6> kKaerntenOrder = {
    Quantity::kEnergyImport,         Quantity::kEnergyExport, Quantity::kReactiveEnergyImport,
    Quantity::kReactiveEnergyExport, Quantity::kPowerImport,  Quantity::kPowerExport};

// Date(5) and time(4) as the 12 bytes of a COSEM date-time, deviation not specified. The weekday
// is left out: the date says it, and the gist's example sends 0 there.
std::array<std::uint8_t, 12> joined_date_time(const AxdrItem& date, const AxdrItem& time) {
  std::array<std::uint8_t, 12> bytes{};
  std::copy(date.bytes.begin(), date.bytes.end(), bytes.begin());
  bytes[4] = 0xFF;  // weekday not specified
  std::copy(time.bytes.begin(), time.bytes.end(), bytes.begin() + 5);
  bytes[9] = 0x80;  // deviation 0x8000: not specified
  bytes[10] = 0x00;
  bytes[11] = 0xFF;  // clock status not specified
  return bytes;
}

// A structure led by the Kärnten push object's logical name.
// The body's first element (depth first: the item after the structure) is the push OBIS.
bool is_kaernten_led(std::span<const AxdrItem> items) {
  if (items.size() < 2 || items[0].type != AxdrType::kStructure || items[0].count == 0) {
    return false;
  }
  return is_obis(items[1]) && Obis::from(items[1].bytes) == kKaerntenPushObis;
}

// The whole shape, so that neither another meter's body nor a wrong key's garbage matches.
bool is_kaernten_netz(std::span<const AxdrItem> items, const Children& body) {
  if (!is_kaernten_led(items) || body.size != kKaerntenElements) return false;
  const auto element = [&](std::size_t k) -> const AxdrItem& { return items[body.index[k]]; };
  const auto octets = [&](std::size_t k, std::size_t size) {
    return element(k).type == AxdrType::kOctetString && element(k).bytes.size() == size;
  };
  if (element(1).type != AxdrType::kOctetString || !is_digits(element(1).bytes)) return false;
  if (!octets(2, 4) || !octets(3, 5)) return false;
  if (!parse_cosem_datetime(joined_date_time(element(3), element(2))).ok()) return false;
  for (std::size_t k = 0; k < kKaerntenOrder.size(); ++k) {
    if (element(4 + k).type != AxdrType::kUint32) return false;
  }
  return element(10).is_string() && element(11).is_string();
}

void map_kaernten_netz(std::span<const AxdrItem> items, const Children& body, Telegram& out) {
  out.meter_number.assign(as_text(items[body.index[1]].bytes));
  take_time(out, joined_date_time(items[body.index[3]], items[body.index[2]]));
  for (std::size_t k = 0; k < kKaerntenOrder.size(); ++k) {
    out[kKaerntenOrder[k]] = bare(items[body.index[4 + k]]);
  }
  out.layout = ValueLayout::kProvider;
  out.provider_layout = provider_layout_name(ProviderLayout::kKaerntenNetz);
}

Status map_provider(std::span<const AxdrItem> items, Telegram& out, ProviderLayout hint) {
  Children body;
  children_of(items, 0, body);
  // kAuto takes the Wiener Netze table by its shape alone: a date-time followed by exactly eight
  // uint32 (optionally after a meter id) is what no other known meter sends.
  if ((hint == ProviderLayout::kAuto || hint == ProviderLayout::kWienerNetze) &&
      map_wiener_netze(items, body, out)) {
    out.layout = ValueLayout::kProvider;
    out.provider_layout = provider_layout_name(ProviderLayout::kWienerNetze);
    return Status::success();
  }
  if (hint == ProviderLayout::kNetzBurgenland && map_netz_burgenland(items, body, out)) {
    return Status::success();
  }
  return failure_at(DecodeError::kUnknownLayout, items[0].offset);
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

Status map_values(std::span<const AxdrItem> items, Telegram& out, ProviderLayout hint) {
  if (is_capture_list(items)) return map_capture_list(items, out);
  if (is_kaernten_led(items)) {
    // Its one OBIS code names the push object, not a value: read by OBIS it would give nothing,
    // so a body led by it is the Kärnten table's or no known layout.
    Children body;
    children_of(items, 0, body);
    const bool table = hint == ProviderLayout::kAuto || hint == ProviderLayout::kKaerntenNetz;
    if (!table || !is_kaernten_netz(items, body)) {
      return failure_at(DecodeError::kUnknownLayout, items[0].offset);
    }
    map_kaernten_netz(items, body, out);
    return Status::success();
  }
  if (has_bare_values_only(items)) return map_provider(items, out, hint);
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
    case ProviderLayout::kKaerntenNetz:
      return "kaernten-netz";
  }
  return "auto";
}

std::optional<ProviderLayout> provider_layout_from_name(std::string_view name) {
  for (const ProviderLayout layout :
       {ProviderLayout::kAuto, ProviderLayout::kWienerNetze, ProviderLayout::kNetzBurgenland,
        ProviderLayout::kKaerntenNetz}) {
    if (name == provider_layout_name(layout)) return layout;
  }
  return std::nullopt;
}

}  // namespace meter::core
