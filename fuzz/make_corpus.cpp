// SPDX-License-Identifier: MIT
// Writes the fuzz seed corpora: telegrams made by the core encoder with the public Netz NÖ
// example key, in the variants the meters send, each cut to what one target reads.
//
//   fuzz_make_corpus [OUTPUT_DIR]     (default: the source tree's fuzz/corpus)
//
// Output is deterministic, so re-running it changes nothing unless the encoder changed. Files
// it does not write (minimised crash inputs added by hand) are left alone.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "meter/core/apdu.h"
#include "meter/core/hex.h"
#include "meter/core/p1_text.h"
#include "meter/core/telegram_encoder.h"
#include "meter/crypto/openssl_gcm_cipher.h"

#ifndef METER_FUZZ_CORPUS_DIR
#define METER_FUZZ_CORPUS_DIR "fuzz/corpus"
#endif

namespace {

namespace fs = std::filesystem;
using meter::core::Quantity;
using Bytes = std::vector<std::uint8_t>;

// Netz NÖ brochure "Smart Meter Kundenschnittstelle P1" worked example (public).
constexpr std::string_view kDocKey = "36C66639E48A8CA4D6BC8B282A793BBB";
// Authentication key for the SC 0x30 variant: the Gurux default, also public. fuzz_telegram
// configures the same one.
constexpr std::string_view kAuthKey = "D0D1D2D3D4D5D6D7D8D9DADBDCDDDEDF";

struct Variant {
  std::string name;
  Bytes plaintext;
  Bytes apdu;  // general-glo-ciphering, or the plaintext itself when not ciphered
  Bytes frames;
};

struct Writer {
  fs::path root;
  std::size_t files = 0;
  std::size_t bytes = 0;

  void write(const std::string& target, const std::string& name,
             std::span<const std::uint8_t> content) {
    const fs::path dir = root / target;
    fs::create_directories(dir);
    std::ofstream file(dir / name, std::ios::binary | std::ios::trunc);
    file.write(reinterpret_cast<const char*>(content.data()),
               static_cast<std::streamsize>(content.size()));
    if (!file) {
      (void)std::fprintf(stderr, "fuzz_make_corpus: cannot write %s\n", (dir / name).c_str());
      std::exit(1);
    }
    ++files;
    bytes += content.size();
  }

  void write_text(const std::string& target, const std::string& name, std::string_view text) {
    write(target, name, {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()});
  }
};

std::string to_hex(std::span<const std::uint8_t> bytes) {
  std::string text(2 * bytes.size(), '0');
  meter::core::encode_hex_upper(bytes.data(), bytes.size(), text.data());
  return text;
}

meter::core::AesKey key(std::string_view hex) { return *meter::core::AesKey::from_hex(hex); }

meter::core::SystemTitle title(std::string_view prefix, std::uint32_t serial) {
  meter::core::SystemTitle out{};
  for (std::size_t i = 0; i < 3; ++i) out[i] = static_cast<std::uint8_t>(prefix[i]);
  out[3] = 0x67;
  for (std::size_t i = 0; i < 4; ++i)
    out[4 + i] = static_cast<std::uint8_t>(serial >> (24 - 8 * i));
  return out;
}

// A three-phase household at midday in June: 231 V, a few amperes, some export.
meter::core::TelegramSpec evn_spec() {
  meter::core::TelegramSpec spec;
  spec.layout = meter::core::Layout::kEvn;
  spec.time = {2024, 6, 15, 6, 12, 30, 5, 0, -120, 0x80};
  spec.invoke_id = 0x80012345;
  spec.meter_number = "181220000009";
  auto set = [&](Quantity q, std::int64_t raw) { spec.raw[static_cast<std::size_t>(q)] = raw; };
  set(Quantity::kEnergyImport, 12345678);
  set(Quantity::kEnergyExport, 1234567);
  set(Quantity::kPowerImport, 1520);
  set(Quantity::kPowerExport, 0);
  set(Quantity::kVoltageL1, 2312);
  set(Quantity::kVoltageL2, 2298);
  set(Quantity::kVoltageL3, 2325);
  set(Quantity::kCurrentL1, 312);
  set(Quantity::kCurrentL2, 145);
  set(Quantity::kCurrentL3, 287);
  set(Quantity::kPowerFactor, 954);
  return spec;
}

Variant make(std::string name, const meter::core::TelegramSpec& spec,
             const meter::core::CipherSpec* cipher_spec, const meter::core::FramingSpec& framing,
             meter::core::GcmCipher& cipher) {
  Variant v;
  v.name = std::move(name);
  v.plaintext = meter::core::encode_data_notification(spec);
  v.apdu = cipher_spec != nullptr
               ? meter::core::encode_general_glo_ciphering(v.plaintext, *cipher_spec, cipher)
               : v.plaintext;
  if (v.apdu.empty()) {
    (void)std::fprintf(stderr, "fuzz_make_corpus: encoding %s failed\n", v.name.c_str());
    std::exit(1);
  }
  v.frames = meter::core::encode_mbus_frames(v.apdu, framing);
  return v;
}

std::vector<Variant> make_variants(meter::core::GcmCipher& cipher) {
  std::vector<Variant> out;
  meter::core::CipherSpec evn_cipher;
  evn_cipher.system_title = title("KFM", 0x50000009);
  evn_cipher.frame_counter = 0x0001CA1D;
  evn_cipher.keys.encryption = key(kDocKey);

  // Kaifa MA309 / Sagemcom >= V0450: 250 + 20 byte frames (245 + 15 APDU bytes).
  out.push_back(make("evn-kaifa", evn_spec(), &evn_cipher, {}, cipher));

  // Sagemcom T210-D before V0450: first frame 257 bytes with L = 0x01, PF as int16.
  {
    auto spec = evn_spec();
    spec.meter_number = "178200000123";
    spec.power_factor_signed = true;
    spec.raw[static_cast<std::size_t>(Quantity::kPowerFactor)] = -870;
    spec.time.clock_status = 0x82;
    auto cipher_spec = evn_cipher;
    cipher_spec.system_title = title("SAG", 0x05E6DBE2);
    cipher_spec.frame_counter = 0x00006005;
    meter::core::FramingSpec framing;
    framing.old_sagemcom_quirk = true;
    out.push_back(make("evn-sagemcom-old-framing", spec, &cipher_spec, framing, cipher));
  }

  // The same APDU in three segments (CI 00, 01, 12).
  {
    meter::core::FramingSpec framing;
    framing.max_fragment_bytes = 100;
    out.push_back(make("evn-three-segments", evn_spec(), &evn_cipher, framing, cipher));
  }

  // Single-phase without the L2/L3 registers: fits one frame (CI 0x10).
  {
    auto spec = evn_spec();
    for (const Quantity q :
         {Quantity::kVoltageL2, Quantity::kVoltageL3, Quantity::kCurrentL2, Quantity::kCurrentL3}) {
      spec.raw[static_cast<std::size_t>(q)].reset();
    }
    out.push_back(make("evn-single-frame", spec, &evn_cipher, {}, cipher));
  }

  // KSM West (TINETZ and others): nested layout with all 15 registers, SC 0x21 (suite 1).
  {
    auto spec = evn_spec();
    spec.layout = meter::core::Layout::kKsmWest;
    spec.invoke_id = 0x00000F12;
    spec.logical_device_name = "KFM1200200003841";
    spec.raw[static_cast<std::size_t>(Quantity::kReactiveEnergyImport)] = 456789;
    spec.raw[static_cast<std::size_t>(Quantity::kReactiveEnergyExport)] = 98765;
    spec.raw[static_cast<std::size_t>(Quantity::kReactivePowerImport)] = 120;
    spec.raw[static_cast<std::size_t>(Quantity::kReactivePowerExport)] = 35;
    auto cipher_spec = evn_cipher;
    cipher_spec.security_control = 0x21;
    cipher_spec.frame_counter = 0x00000A3C;
    out.push_back(make("ksm-west-sc21", spec, &cipher_spec, {}, cipher));
  }

  // Burgenland / Steiermark style: encryption and a 12-byte GCM tag (SC 0x30).
  {
    auto cipher_spec = evn_cipher;
    cipher_spec.security_control = 0x30;
    cipher_spec.system_title = title("LGZ", 0x12345678);
    cipher_spec.keys.authentication = key(kAuthKey);
    out.push_back(make("sc30-with-tag", evn_spec(), &cipher_spec, {}, cipher));
  }

  // A data-notification sent in the clear (no general-glo-ciphering wrapper).
  out.push_back(make("plain-data-notification", evn_spec(), nullptr, {}, cipher));

  // Wiener Netze: bare values in the provider's order, with the Siemens meter id.
  {
    auto spec = evn_spec();
    spec.layout = meter::core::Layout::kWienerNetze;
    spec.meter_number = "SMS1030788000020";
    spec.raw[static_cast<std::size_t>(Quantity::kReactiveEnergyImport)] = 65611;
    spec.raw[static_cast<std::size_t>(Quantity::kReactivePowerExport)] = 244;
    auto cipher_spec = evn_cipher;
    cipher_spec.system_title = title("SMS", 0x753EC614);
    out.push_back(make("wiener-netze-im350", spec, &cipher_spec, {}, cipher));
  }

  // The capture objects' list, then the values (L+G E450), with a tag.
  {
    auto spec = evn_spec();
    spec.layout = meter::core::Layout::kCaptureList;
    spec.raw[static_cast<std::size_t>(Quantity::kEnergyImportT1)] = 10000000;
    spec.raw[static_cast<std::size_t>(Quantity::kEnergyImportT2)] = 2345678;
    auto cipher_spec = evn_cipher;
    cipher_spec.security_control = 0x30;
    cipher_spec.system_title = title("LGZ", 0x7370B177);
    cipher_spec.keys.authentication = key(kAuthKey);
    out.push_back(make("capture-list-sc30", spec, &cipher_spec, {}, cipher));
  }
  return out;
}

// The A-XDR body of a data-notification: what follows 0F, invoke-id and the date-time.
std::span<const std::uint8_t> body_of(const Bytes& plaintext) {
  const std::size_t header = 1 + 4 + 1 + (plaintext[5] == 12 ? 12 : 0);
  return std::span<const std::uint8_t>(plaintext).subspan(header);
}

Bytes with_chunking(std::initializer_list<std::uint8_t> sizes, std::span<const std::uint8_t> s) {
  Bytes out;
  out.push_back(static_cast<std::uint8_t>(sizes.size()));
  out.insert(out.end(), sizes.begin(), sizes.end());
  out.insert(out.end(), s.begin(), s.end());
  return out;
}

Bytes concat(std::initializer_list<std::span<const std::uint8_t>> parts) {
  Bytes out;
  for (const auto part : parts) out.insert(out.end(), part.begin(), part.end());
  return out;
}

// fuzz_hdlc's input: mode byte (bit 0: fix the check sequences, bits 1..4: chunk count).
Bytes hdlc_input(bool fix, std::initializer_list<std::uint8_t> sizes,
                 std::span<const std::uint8_t> s) {
  Bytes out = with_chunking(sizes, s);
  out[0] = static_cast<std::uint8_t>((sizes.size() << 1U) | (fix ? 1U : 0U));
  return out;
}

// General block transfer blocks (E0, block control with the last-block bit, block number,
// acknowledged block 0, length, data), each in its own HDLC frame as the Landis+Gyr E450 sends
// them; only the first frame carries the LLC.
Bytes hdlc_block_frames(std::span<const std::uint8_t> apdu, std::size_t block_bytes) {
  Bytes out;
  std::size_t number = 1;
  for (std::size_t at = 0; at < apdu.size(); at += block_bytes, ++number) {
    const std::size_t size = std::min(block_bytes, apdu.size() - at);
    const bool last = at + size == apdu.size();
    Bytes block = {0xE0,
                   static_cast<std::uint8_t>(last ? 0xC0 : 0x40),
                   0x00,
                   static_cast<std::uint8_t>(number),
                   0x00,
                   0x00,
                   static_cast<std::uint8_t>(size)};
    block.insert(block.end(), apdu.begin() + static_cast<std::ptrdiff_t>(at),
                 apdu.begin() + static_cast<std::ptrdiff_t>(at + size));
    meter::core::HdlcSpec spec;
    spec.llc = number == 1;
    const Bytes frame = meter::core::encode_hdlc_frames(block, spec);
    out.insert(out.end(), frame.begin(), frame.end());
  }
  return out;
}

Bytes flipped(Bytes bytes, std::size_t at) {
  bytes[at] ^= 0x01;
  return bytes;
}

// Energienetze Steiermark's Sagemcom T210-D-r: the P1 text telegram with tariff registers.
meter::core::TelegramSpec text_spec() {
  meter::core::TelegramSpec spec;
  spec.logical_device_name = "EST5\\253700000_A";
  spec.meter_number.clear();
  spec.time = {2024, 6, 15, 6, 12, 30, 5, 0xFF, -120, 0x80};
  auto set = [&](Quantity q, std::int64_t raw) { spec.raw[static_cast<std::size_t>(q)] = raw; };
  set(Quantity::kEnergyImport, 7112944);
  set(Quantity::kEnergyImportT1, 4675651);
  set(Quantity::kEnergyImportT2, 2437293);
  set(Quantity::kPowerImport, 1068);
  set(Quantity::kEnergyExport, 33153972);
  set(Quantity::kPowerExport, 0);
  set(Quantity::kReactiveEnergyImport, 671304);
  set(Quantity::kReactivePowerImport, 103);
  return spec;
}

// The text with `from` replaced by `to` and the CRC written again, so the line is what breaks.
Bytes text_with(const Bytes& text, std::string_view from, std::string_view to) {
  std::string changed(text.begin(), text.end());
  changed.replace(changed.find(from), from.size(), to);
  changed.erase(changed.find('!') + 1);
  Bytes out(changed.begin(), changed.end());
  char crc[8];
  (void)std::snprintf(crc, sizeof crc, "%04X\r\n", unsigned{meter::core::crc16_arc(out)});
  out.insert(out.end(), crc, crc + 6);
  return out;
}

void write_text_corpus(Writer& out, meter::core::GcmCipher& cipher) {
  const Bytes text = meter::core::encode_p1_text(text_spec());
  auto instantaneous = evn_spec();  // voltages, currents, PF and a meter number; winter time
  instantaneous.time = {2024, 1, 15, 1, 7, 5, 0, 0xFF, -60, 0x00};
  const Bytes dsmr = meter::core::encode_p1_text(instantaneous);
  out.write("fuzz_p1_text", "t210dr-text.txt", text);
  out.write("fuzz_p1_text", "instantaneous-winter-text.txt", dsmr);
  out.write("fuzz_p1_text", "channels-and-logs-text.txt",
            text_with(text, "1-3:0.2.8(50)",
                      "0-1:24.2.1(240615061000S)(00012.345*m3)\r\n1-1:1.8.0(12.5*kWh)\r\n"
                      "1-0:99.97.0(1)(0-0:96.7.19)(240101120000W)(0000000240*s)"));
  Bytes bad_crc = text;
  bad_crc[bad_crc.size() - 3] ^= 0x01;
  out.write("fuzz_p1_text", "broken-crc.txt", bad_crc);
  out.write("fuzz_p1_text", "broken-truncated.txt",
            std::span<const std::uint8_t>(text).first(text.size() - 7));
  out.write("fuzz_p1_text", "broken-line.txt", text_with(text, "1-0:1.7.0(", "1-0:1.7.0"));
  out.write("fuzz_p1_text", "broken-unit.txt", text_with(text, "*W)", "*Q)"));
  out.write("fuzz_p1_text", "broken-time.txt", text_with(text, "240615", "241315"));

  // The text inside a general-glo-ciphering APDU, as the meter sends it (fuzz_telegram's key).
  meter::core::CipherSpec cipher_spec;
  cipher_spec.system_title = title("SAG", 0x00033FE2);
  cipher_spec.frame_counter = 0xFC;
  cipher_spec.keys.encryption = key(kDocKey);
  const Bytes apdu = meter::core::encode_general_glo_ciphering(text, cipher_spec, cipher);
  if (apdu.empty()) {
    (void)std::fprintf(stderr, "fuzz_make_corpus: encoding the text APDU failed\n");
    std::exit(1);
  }
  out.write_text("fuzz_telegram", "p1-text-sc20-apdu.hex", to_hex(apdu) + "\n");
  out.write("fuzz_apdu", "p1-text-sc20-apdu.bin", apdu);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc > 2) {
    (void)std::fprintf(stderr, "usage: %s [OUTPUT_DIR]\n", argv[0]);
    return 2;
  }
  Writer out{argc == 2 ? fs::path(argv[1]) : fs::path(METER_FUZZ_CORPUS_DIR)};
  meter::crypto::OpenSslGcmCipher cipher;
  const std::vector<Variant> variants = make_variants(cipher);

  for (const Variant& v : variants) {
    const std::string hex = to_hex(v.frames);
    out.write_text("fuzz_telegram", v.name + ".hex", hex + "\n");
    out.write("fuzz_telegram", v.name + ".bin", v.frames);

    out.write("fuzz_frame_assembler", v.name + "-whole.bin", with_chunking({}, v.frames));
    out.write("fuzz_mbus_frame", v.name + ".bin", v.frames);
    out.write("fuzz_apdu", v.name + "-apdu.bin", v.apdu);
    if (v.apdu != v.plaintext) out.write("fuzz_apdu", v.name + "-plaintext.bin", v.plaintext);
    out.write("fuzz_axdr", v.name + "-body.bin", body_of(v.plaintext));
  }

  const Variant& evn = variants[0];
  const Variant& old = variants[1];
  const Variant& three = variants[2];
  const Variant& tagged = variants[5];

  // Hex as people paste it: lower case, spaced, behind a log prefix.
  {
    std::string spaced = "raw: ";
    const std::string hex = to_hex(evn.frames);
    for (std::size_t i = 0; i < hex.size(); i += 2) {
      spaced += static_cast<char>(hex[i] | 0x20);
      spaced += static_cast<char>(hex[i + 1] | 0x20);
      spaced += ' ';
    }
    out.write_text("fuzz_telegram", "evn-kaifa-spaced-lowercase.hex", spaced + "\n");
  }

  // Stream feeding: byte by byte, odd chunk sizes, two telegrams with line noise between them.
  out.write("fuzz_frame_assembler", "evn-kaifa-bytewise.bin", with_chunking({1}, evn.frames));
  out.write("fuzz_frame_assembler", "evn-sagemcom-old-framing-chunks.bin",
            with_chunking({7, 64, 3, 200}, old.frames));
  {
    const Bytes noise = {0x00, 0x68, 0x68, 0xFF, 0x16, 0x68, 0x05};
    const Bytes stream = concat({noise, evn.frames, noise, three.frames, old.frames});
    out.write("fuzz_frame_assembler", "two-telegrams-with-noise.bin",
              with_chunking({13, 100}, stream));
  }

  // Broken: a flipped bit in the checksummed area, a flipped ciphertext bit inside valid frames,
  // a flipped tag bit, a telegram cut inside its last frame, an odd number of hex digits.
  const std::size_t ciphertext_at = 2 + 8 + 2 + 1 + 4;  // DB 08 title(8) 81 nn SC FC(4)
  const Bytes bad_checksum = flipped(evn.frames, 40);
  const Bytes bad_ciphertext =
      meter::core::encode_mbus_frames(flipped(evn.apdu, ciphertext_at + 5));
  const Bytes bad_tag =
      meter::core::encode_mbus_frames(flipped(tagged.apdu, tagged.apdu.size() - 1));
  const Bytes truncated(evn.frames.begin(), evn.frames.end() - 9);
  for (const auto& [name, bytes] :
       {std::pair<std::string, const Bytes&>{"broken-checksum", bad_checksum},
        {"broken-ciphertext", bad_ciphertext},
        {"broken-tag", bad_tag},
        {"broken-truncated", truncated}}) {
    out.write_text("fuzz_telegram", name + ".hex", to_hex(bytes) + "\n");
    out.write("fuzz_frame_assembler", name + ".bin", with_chunking({}, bytes));
  }
  out.write("fuzz_mbus_frame", "broken-checksum.bin", bad_checksum);
  out.write("fuzz_mbus_frame", "broken-truncated.bin", truncated);
  out.write("fuzz_apdu", "broken-truncated-apdu.bin",
            std::span<const std::uint8_t>(evn.apdu).first(evn.apdu.size() - 1));
  out.write("fuzz_axdr", "broken-truncated-body.bin",
            body_of(evn.plaintext).first(body_of(evn.plaintext).size() - 3));
  {
    const std::string hex = to_hex(evn.frames);
    out.write_text("fuzz_telegram", "broken-odd-digits.hex", hex.substr(0, hex.size() - 1) + "\n");
  }

  // HDLC (Wiener Netze style addresses): one frame, S-bit segments, block transfer blocks in
  // frames of their own, a stream mixing them with M-Bus and noise, broken ones; plus templates
  // with wrong check sequences that fuzz_hdlc fixes up before reading (mode bit 0).
  {
    const Bytes single = meter::core::encode_hdlc_frames(evn.apdu);
    meter::core::HdlcSpec segmented_spec;
    segmented_spec.max_information_bytes = 100;
    segmented_spec.destination = {0x00, 0x02, 0x00, 0x23};
    const Bytes segmented = meter::core::encode_hdlc_frames(evn.apdu, segmented_spec);
    const Bytes blocks = hdlc_block_frames(tagged.apdu, 120);
    const Bytes noise = {0x7E, 0x68, 0x05, 0x06, 0x68, 0x7E, 0xA0, 0x2F, 0x00};
    const Bytes mixed = concat({noise, single, evn.frames, noise, blocks, segmented});
    const Bytes broken_fcs = flipped(single, 40);
    const Bytes cut(single.begin(), single.end() - 2);
    Bytes unfixed = single;
    unfixed[8] ^= 0xFF;                   // HCS
    unfixed[unfixed.size() - 3] ^= 0xFF;  // FCS
    for (const auto& [name, bytes] : {std::pair<std::string, const Bytes&>{"hdlc-single", single},
                                      {"hdlc-segmented", segmented},
                                      {"hdlc-block-transfer", blocks},
                                      {"hdlc-mixed-with-mbus-and-noise", mixed},
                                      {"hdlc-broken-fcs", broken_fcs},
                                      {"hdlc-broken-truncated", cut}}) {
      out.write("fuzz_hdlc", name + ".bin", hdlc_input(false, {}, bytes));
      out.write("fuzz_frame_assembler", name + ".bin", with_chunking({}, bytes));
      out.write_text("fuzz_telegram", name + ".hex", to_hex(bytes) + "\n");
    }
    out.write("fuzz_hdlc", "hdlc-segmented-chunks.bin", hdlc_input(false, {1, 7, 64}, segmented));
    out.write("fuzz_hdlc", "hdlc-template-fixed-up.bin", hdlc_input(true, {}, unfixed));
    out.write("fuzz_hdlc", "hdlc-mixed-fixed-up-chunks.bin", hdlc_input(true, {13, 100}, mixed));
  }

  write_text_corpus(out, cipher);
  // General block transfer: APDUs cut into blocks of 100 bytes (the E450 sends about 120), a
  // single block, and broken ones: block 2 missing, no last block.
  for (const Variant& v : variants) {
    const auto blocks = meter::core::encode_general_block_transfer(v.apdu, 100);
    Bytes joined;
    for (const Bytes& block : blocks) joined.insert(joined.end(), block.begin(), block.end());
    out.write("fuzz_gbt", v.name + "-blocks.bin", joined);
    out.write("fuzz_telegram", v.name + "-gbt.bin", joined);
  }
  {
    const auto blocks = meter::core::encode_general_block_transfer(tagged.apdu, 100);
    Bytes gap;
    Bytes no_last;
    for (std::size_t i = 0; i < blocks.size(); ++i) {
      if (i != 1) gap.insert(gap.end(), blocks[i].begin(), blocks[i].end());
      if (i + 1 != blocks.size()) no_last.insert(no_last.end(), blocks[i].begin(), blocks[i].end());
    }
    out.write("fuzz_gbt", "broken-block-missing.bin", gap);
    out.write("fuzz_gbt", "broken-no-last-block.bin", no_last);
    out.write("fuzz_telegram", "broken-gbt-block-missing.bin", gap);
    const auto single = meter::core::encode_general_block_transfer(evn.apdu, evn.apdu.size());
    out.write("fuzz_gbt", "single-block.bin", single.at(0));
  }

  (void)std::printf("fuzz_make_corpus: wrote %zu files, %zu bytes to %s\n", out.files, out.bytes,
                    out.root.c_str());
  return 0;
}
