// SPDX-License-Identifier: MIT
// The facade end to end with the real OpenSSL cipher and the public Netz NÖ example key: the
// input once as hex text (decode_hex) and once as frame bytes (decode_frames).
// Invariants: a failure names a known error; a decoded telegram stays in its bounds, its flags
// follow the security byte, and it serialises to JSON without throwing.
#include <cstddef>
#include <cstdint>
#include <exception>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_support.h"
#include "meter/core/apdu.h"
#include "meter/core/decode_error.h"
#include "meter/core/frame_assembler.h"
#include "meter/core/gbt.h"
#include "meter/core/telegram.h"
#include "meter/core/telegram_decoder.h"
#include "meter/crypto/openssl_gcm_cipher.h"
#include "meter/json/telegram_json.h"

namespace {

// Netz NÖ brochure "Smart Meter Kundenschnittstelle P1" worked example (public).
constexpr std::string_view kDocKey = "36C66639E48A8CA4D6BC8B282A793BBB";
// Authentication key for SC 0x30 seeds: the Gurux default, also public.
constexpr std::string_view kAuthKey = "D0D1D2D3D4D5D6D7D8D9DADBDCDDDEDF";

struct Fixture {
  meter::crypto::OpenSslGcmCipher cipher;
  meter::core::TelegramDecoder decoder;
  std::unique_ptr<meter::core::Telegram> telegram = std::make_unique<meter::core::Telegram>();

  Fixture()
      : decoder(cipher, meter::core::KeyRing(
                            meter::core::MeterKeys{*meter::core::AesKey::from_hex(kDocKey),
                                                   meter::core::AesKey::from_hex(kAuthKey)})) {}
};

void check(const meter::core::Status& status, const meter::core::Telegram& telegram) {
  if (!status) {
    METER_FUZZ_CHECK(static_cast<int>(status.failure().code) < meter::core::kDecodeErrorCount);
    return;
  }
  METER_FUZZ_CHECK(telegram.extra_count <= meter::core::kMaxExtraRegisters);
  METER_FUZZ_CHECK(telegram.meter_number.size <= telegram.meter_number.chars.size());
  METER_FUZZ_CHECK(telegram.logical_device_name.size <= telegram.logical_device_name.chars.size());
  // Frames of a link layer: at least one; a bare APDU or unframed text has none.
  const bool framed = telegram.framing == meter::core::Framing::kMbus ||
                      telegram.framing == meter::core::Framing::kHdlc;
  METER_FUZZ_CHECK(!framed || telegram.segment_count >= 1);
  METER_FUZZ_CHECK(telegram.framing != meter::core::Framing::kApdu || telegram.segment_count == 0);
  METER_FUZZ_CHECK(telegram.segment_count <= meter::core::FrameAssembler::kMaxSegments);
  METER_FUZZ_CHECK(telegram.block_count <= meter::core::kMaxGbtBlocks);
  // Flags follow the security byte; a tag announced was verified (the fixture has the
  // authentication key), so it is never left unverified.
  const std::uint8_t security = telegram.security_control;
  METER_FUZZ_CHECK(telegram.encrypted == ((security & meter::core::kSecurityEncryption) != 0));
  METER_FUZZ_CHECK(telegram.authenticated ==
                   ((security & meter::core::kSecurityAuthentication) != 0));
  METER_FUZZ_CHECK(!telegram.tag_unverified);
  try {
    const std::string json = meter::json::telegram_to_json_line(telegram);
    METER_FUZZ_CHECK(json.size() >= 2 && json.front() == '{' && json.back() == '}');
    (void)meter::json::telegram_to_text(telegram);
  } catch (const std::exception& error) {
    (void)std::fprintf(stderr, "JSON serialisation threw: %s\n", error.what());
    __builtin_trap();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static Fixture fixture;
  meter::core::Telegram& telegram = *fixture.telegram;

  const std::vector<char> text(data, data + size);
  const meter::core::Status from_text =
      fixture.decoder.decode_hex(std::string_view(text.data(), text.size()), telegram);
  check(from_text, telegram);

  const auto bytes = meter::fuzz::exact_copy(data, size);
  const meter::core::Status from_bytes =
      fixture.decoder.decode_frames(std::span<const std::uint8_t>(bytes), telegram);
  check(from_bytes, telegram);
  return 0;
}
