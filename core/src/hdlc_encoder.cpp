// SPDX-License-Identifier: MIT
// HDLC frame format type 3 frames for tests and `smartmeter simulate` (layout in hdlc_frame.h).
#include <algorithm>

#include "meter/core/hdlc_frame.h"
#include "meter/core/telegram_encoder.h"

namespace meter::core {
namespace {

constexpr std::uint8_t kFormatType3 = 0xA0;
constexpr std::uint8_t kSegmentationBit = 0x08;
constexpr std::size_t kMaxLength = 0x7FF;  // 11-bit length field
constexpr std::uint8_t kLlc[] = {0xE6, 0xE7, 0x00};

// An encoded address: 1..4 bytes, only the last one with its lowest bit set.
bool valid_address(const std::vector<std::uint8_t>& address) {
  if (address.empty() || address.size() > 4) return false;
  for (std::size_t i = 0; i + 1 < address.size(); ++i) {
    if ((address[i] & 1U) != 0) return false;
  }
  return (address.back() & 1U) != 0;
}

void push_crc(std::vector<std::uint8_t>& out, std::size_t from) {
  const std::uint16_t crc = crc16_x25(out.data() + from, out.size() - from);
  out.push_back(static_cast<std::uint8_t>(crc & 0xFFU));
  out.push_back(static_cast<std::uint8_t>(crc >> 8U));
}

}  // namespace

std::vector<std::uint8_t> encode_hdlc_frames(std::span<const std::uint8_t> payload,
                                             const HdlcSpec& spec) {
  if (!valid_address(spec.destination) || !valid_address(spec.source)) return {};
  // The information field: the LLC (first frame only), then the payload, split into frames of
  // at most max_information_bytes.
  std::vector<std::uint8_t> information;
  if (spec.llc) information.assign(std::begin(kLlc), std::end(kLlc));
  information.insert(information.end(), payload.begin(), payload.end());
  const std::size_t header = 2 + spec.destination.size() + spec.source.size() + 1;
  const std::size_t per_frame =
      spec.max_information_bytes > 0 ? spec.max_information_bytes : information.size();
  if (per_frame == 0 && !information.empty()) return {};
  std::vector<std::uint8_t> out;
  std::size_t offset = 0;
  do {
    const std::size_t size = std::min(per_frame, information.size() - offset);
    const bool more = offset + size < information.size();
    // Without information the frame has no HCS: its only check sequence is the FCS.
    const std::size_t length = header + (size > 0 ? 2 + size : 0) + 2;
    if (length > kMaxLength) return {};
    const std::size_t start = out.size();
    out.push_back(kHdlcFlag);
    out.push_back(
        static_cast<std::uint8_t>(kFormatType3 | (more ? kSegmentationBit : 0) | (length >> 8U)));
    out.push_back(static_cast<std::uint8_t>(length & 0xFFU));
    out.insert(out.end(), spec.destination.begin(), spec.destination.end());
    out.insert(out.end(), spec.source.begin(), spec.source.end());
    out.push_back(spec.control);
    if (size > 0) {
      push_crc(out, start + 1);
      const auto* first = information.data() + offset;
      out.insert(out.end(), first, first + size);
    }
    push_crc(out, start + 1);
    out.push_back(kHdlcFlag);
    offset += size;
  } while (offset < information.size());
  return out;
}

}  // namespace meter::core
