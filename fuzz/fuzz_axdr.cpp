// SPDX-License-Identifier: MIT
// walk_axdr on arbitrary bytes, then map_registers and map_values (under every provider layout)
// on what it found.
// Invariants, success or not: at most kMaxAxdrItems items, each with depth < kMaxAxdrDepth, its
// tag offset inside the input and strictly after the previous item's (every item consumes a
// byte), its bytes a view inside the input. On success: every container has exactly `count`
// direct children and fixed-size values have their size; the mapped telegram stays in bounds;
// map_values fails only with kUnknownLayout, and a provider table is named only for kProvider.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>

#include "fuzz_support.h"
#include "meter/core/axdr.h"
#include "meter/core/byte_reader.h"
#include "meter/core/decode_error.h"
#include "meter/core/telegram.h"
#include "meter/core/telegram_decoder.h"

using meter::core::AxdrItem;
using meter::core::AxdrType;
using meter::fuzz::exact_copy;
using meter::fuzz::is_inside;

namespace {

std::size_t expected_size(AxdrType type) {
  switch (type) {
    case AxdrType::kBoolean:
    case AxdrType::kInt8:
    case AxdrType::kUint8:
    case AxdrType::kEnum:
      return 1;
    case AxdrType::kInt16:
    case AxdrType::kUint16:
      return 2;
    case AxdrType::kInt32:
    case AxdrType::kUint32:
    case AxdrType::kFloat32:
    case AxdrType::kTime:
      return 4;
    case AxdrType::kDate:
      return 5;
    case AxdrType::kInt64:
    case AxdrType::kUint64:
    case AxdrType::kFloat64:
      return 8;
    case AxdrType::kDateTime:
      return 12;
    default:
      return 0;
  }
}

std::size_t direct_children(std::span<const AxdrItem> items, std::size_t at) {
  std::size_t children = 0;
  for (std::size_t i = at + 1; i < items.size() && items[i].depth > items[at].depth; ++i) {
    if (items[i].depth == items[at].depth + 1) ++children;
  }
  return children;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto input = exact_copy(data, size);
  const std::span<const std::uint8_t> whole(input);
  // The first byte moves the reader's coordinates, as a body inside an APDU has them.
  const std::size_t base = size > 0 ? data[0] : 0;

  static auto items = std::make_unique<meter::core::AxdrItems>();
  items->size = 0;
  meter::core::ByteReader in(whole, base);
  const meter::core::Status status = meter::core::walk_axdr(in, *items);

  const auto list = items->view();
  METER_FUZZ_CHECK(list.size() <= meter::core::kMaxAxdrItems);
  METER_FUZZ_CHECK(in.position() <= input.size());
  std::size_t previous_offset = 0;
  for (std::size_t i = 0; i < list.size(); ++i) {
    const AxdrItem& item = list[i];
    METER_FUZZ_CHECK(item.depth < meter::core::kMaxAxdrDepth);
    METER_FUZZ_CHECK(item.offset >= base && item.offset < base + input.size());
    METER_FUZZ_CHECK(i == 0 || item.offset > previous_offset);
    METER_FUZZ_CHECK(i == 0 || item.depth <= list[i - 1].depth + 1);
    METER_FUZZ_CHECK(is_inside(item.bytes, whole));
    METER_FUZZ_CHECK(item.bytes.empty() || item.bytes.data() > input.data() + (item.offset - base));
    previous_offset = item.offset;
  }

  if (!status) {
    METER_FUZZ_CHECK(static_cast<int>(status.failure().code) < meter::core::kDecodeErrorCount);
    METER_FUZZ_CHECK(status.failure().offset >= base);
    METER_FUZZ_CHECK(status.failure().offset <= base + input.size());
    return 0;
  }

  METER_FUZZ_CHECK(!list.empty());
  METER_FUZZ_CHECK(list[0].depth == 0);
  METER_FUZZ_CHECK(in.position() > 0);
  METER_FUZZ_CHECK(in.offset() == base + in.position());
  for (std::size_t i = 0; i < list.size(); ++i) {
    const AxdrItem& item = list[i];
    METER_FUZZ_CHECK(i == 0 || item.depth >= 1);
    if (item.is_container()) {
      METER_FUZZ_CHECK(direct_children(list, i) == item.count);
    } else if (expected_size(item.type) > 0) {
      METER_FUZZ_CHECK(item.bytes.size() == expected_size(item.type));
    }
  }

  auto telegram = std::make_unique<meter::core::Telegram>();
  const meter::core::Status mapped = meter::core::map_registers(list, *telegram);
  METER_FUZZ_CHECK(mapped.ok());
  METER_FUZZ_CHECK(telegram->extra_count <= meter::core::kMaxExtraRegisters);
  METER_FUZZ_CHECK(telegram->meter_number.size <= telegram->meter_number.chars.size());
  METER_FUZZ_CHECK(telegram->logical_device_name.size <=
                   telegram->logical_device_name.chars.size());
  for (const auto& value : telegram->values) {
    if (value.present) (void)value.value();
  }
  if (telegram->has_time) (void)telegram->meter_time.to_iso_local();

  for (const auto hint :
       {meter::core::ProviderLayout::kAuto, meter::core::ProviderLayout::kWienerNetze,
        meter::core::ProviderLayout::kNetzBurgenland, meter::core::ProviderLayout::kKaerntenNetz}) {
    telegram->clear();
    const meter::core::Status values = meter::core::map_values(list, *telegram, hint);
    if (!values) {
      METER_FUZZ_CHECK(values.failure().code == meter::core::DecodeError::kUnknownLayout);
      METER_FUZZ_CHECK(values.failure().offset == list[0].offset);
      continue;
    }
    METER_FUZZ_CHECK(telegram->extra_count <= meter::core::kMaxExtraRegisters);
    METER_FUZZ_CHECK((telegram->provider_layout != nullptr) ==
                     (telegram->layout == meter::core::ValueLayout::kProvider));
  }
  return 0;
}
