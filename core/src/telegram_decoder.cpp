// SPDX-License-Identifier: MIT
#include "meter/core/telegram_decoder.h"

#include <algorithm>
#include <array>

#include "meter/core/apdu.h"
#include "meter/core/gbt.h"
#include "meter/core/hex.h"
#include "meter/core/p1_text.h"

namespace meter::core {
namespace {

bool is_apdu_tag(std::uint8_t byte) {
  return byte == kGeneralGloCiphering || byte == kGeneralBlockTransfer || byte == kDataNotification;
}

bool is_text_start(std::uint8_t byte) { return byte == '/'; }

}  // namespace

TelegramDecoder::TelegramDecoder(GcmCipher& cipher, KeyRing keys, DecoderOptions options)
    : cipher_(cipher),
      keys_(std::move(keys)),
      options_(options),
      bytes_(kMaxHexChars / 2),
      apdu_(kMaxTelegramBytes),
      joined_(kMaxTelegramBytes),
      assembler_(std::make_unique<FrameAssembler>()),
      items_(std::make_unique<AxdrItems>()) {}

Status TelegramDecoder::decode_hex(std::string_view text, Telegram& out) {
  if (auto loaded = load_hex(text); !loaded) return loaded;
  return decode_frames({bytes_.data(), loaded_size_}, out);
}

Status TelegramDecoder::load_hex(std::string_view text) {
  loaded_size_ = 0;
  if (text.size() > kMaxHexChars) return failure_at(DecodeError::kTooLarge, kMaxHexChars);
  const HexDecodeResult decoded =
      meter::core::decode_hex(text.data(), text.size(), bytes_.data(), bytes_.size());
  if (!decoded.ok) return failure_at(decoded.error, decoded.offset);
  loaded_size_ = decoded.size;
  return Status::success();
}

Status TelegramDecoder::decode_loaded(std::size_t& offset, Telegram& out) {
  const std::span<const std::uint8_t> rest{bytes_.data() + offset, loaded_size_ - offset};
  std::size_t consumed = 0;
  const Status status = decode_frames_from(rest, out, consumed);
  // A telegram that was framed but failed later (a wrong key, an unknown layout) does not hide
  // the telegrams after it; a framing failure ends the bytes.
  offset = consumed > 0 ? offset + consumed : loaded_size_;
  return status;
}

bool TelegramDecoder::frame_starts_at(std::size_t offset) const {
  if (offset >= loaded_size_) return false;
  const std::uint8_t* header = bytes_.data() + offset;
  const std::size_t left = loaded_size_ - offset;
  if (is_text_start(header[0])) {
    // '/' and the three letters of the manufacturer, as the assembler frames a text telegram.
    const auto is_letter = [](std::uint8_t c) {
      return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
    };
    return left >= 4 && is_letter(header[1]) && is_letter(header[2]) && is_letter(header[3]);
  }
  if (header[0] == kHdlcFlag) return left >= 2 && (header[1] & 0xF0U) == 0xA0U;
  return left >= kMbusHeaderBytes && header[0] == kMbusStart && header[3] == kMbusStart &&
         header[1] == header[2];
}

Status TelegramDecoder::decode_frames(std::span<const std::uint8_t> bytes, Telegram& out) {
  std::size_t consumed = 0;
  return decode_frames_from(bytes, out, consumed);
}

Status TelegramDecoder::decode_frames_from(std::span<const std::uint8_t> bytes, Telegram& out,
                                           std::size_t& consumed) {
  // The whole input as what a link layer carries, without one.
  const auto decode_unframed = [&](Framing framing) -> Status {
    if (bytes.size() > apdu_.size()) return failure_at(DecodeError::kTooLarge, apdu_.size());
    std::copy(bytes.begin(), bytes.end(), apdu_.begin());
    consumed = bytes.size();
    auto status = decode_payload({apdu_.data(), bytes.size()}, out);
    out.framing = framing;
    return status;
  };
  // A bare APDU without a link layer (a capture of the APDU alone, a test's input).
  if (!bytes.empty() && is_apdu_tag(bytes[0])) return decode_unframed(Framing::kApdu);
  FrameAssembler& assembler = *assembler_;
  assembler.reset();
  const FrameAssembler::PushResult pushed = assembler.push(bytes.data(), bytes.size());
  if (pushed.event != FrameAssembler::Event::kTelegram) {
    // Text that the assembler does not frame (no CR LF after the CRC, a cut or damaged
    // telegram): the text parser says what is wrong with it.
    if (!bytes.empty() && is_text_start(bytes[0])) return decode_unframed(Framing::kText);
    return assembler.finish();
  }
  consumed = pushed.consumed;
  const std::size_t size = assembler.copy_apdu(apdu_.data(), apdu_.size());
  if (size == 0) return failure_at(DecodeError::kUnsupportedApdu, 0);
  auto status = decode_payload({apdu_.data(), size}, out);
  out.framing = assembler.framing();
  out.segment_count = static_cast<std::uint8_t>(assembler.segment_count());
  out.length_quirk = assembler.length_quirk();
  return status;
}

Status TelegramDecoder::decode_payload(std::span<std::uint8_t> payload, Telegram& out) {
  if (!payload.empty() && is_text_start(payload[0])) {
    out.clear();
    return parse_p1_text(payload, 0, out);
  }
  if (!payload.empty() && payload[0] == kGeneralBlockTransfer) {
    GbtJoined joined;
    if (auto status = join_general_block_transfer(payload, joined_, joined); !status) {
      out.clear();
      return status;
    }
    auto status = decode_apdu({joined_.data(), joined.size}, out);
    out.block_count = joined.block_count;
    return status;
  }
  return decode_apdu(payload, out);
}

Status TelegramDecoder::decode_apdu(std::span<std::uint8_t> apdu, Telegram& out) {
  if (!apdu.empty() && apdu[0] == kDataNotification) return decode_plaintext(apdu, out);
  out.clear();
  CipheredApdu ciphered_apdu;
  if (auto parsed = parse_general_glo_ciphering(apdu, ciphered_apdu); !parsed) return parsed;
  CipheredApdu* ciphered = &ciphered_apdu;
  out.system_title = ciphered->system_title;
  out.security_control = ciphered->security_control;
  out.frame_counter = ciphered->frame_counter;

  const MeterKeys* keys = keys_.find(ciphered->system_title);
  if (keys == nullptr) return failure_at(DecodeError::kNoKey, 2);

  // Without an authentication key a tag cannot be checked, but the frame still decrypts: GCM's
  // keystream does not depend on the tag. The telegram says so (tag_unverified), and a wrong
  // encryption key then shows only in what it decrypts to, as on an encryption-only frame.
  const bool check_tag = ciphered->authenticated() && keys->authentication.has_value();
  const auto iv = ciphered->iv();
  const std::span<std::uint8_t> to_decrypt =
      ciphered->encrypted() ? ciphered->payload : std::span<std::uint8_t>{};
  CipherResult result = CipherResult::kOk;
  if (check_tag) {
    // AAD = SC || AK, followed by the plaintext when it is authenticated but not encrypted.
    std::array<std::uint8_t, 1 + kAesKeyBytes> aad_head{};
    aad_head[0] = ciphered->security_control;
    std::copy(keys->authentication->bytes.begin(), keys->authentication->bytes.end(),
              aad_head.begin() + 1);
    std::span<const std::uint8_t> aad = aad_head;
    std::vector<std::uint8_t> aad_with_data;
    if (!ciphered->encrypted()) {
      aad_with_data.assign(aad_head.begin(), aad_head.end());
      aad_with_data.insert(aad_with_data.end(), ciphered->payload.begin(), ciphered->payload.end());
      aad = aad_with_data;
    }
    result = cipher_.decrypt(keys->encryption, iv, aad, to_decrypt, ciphered->tag);
  } else if (!to_decrypt.empty()) {
    result = cipher_.decrypt_unverified(keys->encryption, iv, to_decrypt);
  }
  if (result == CipherResult::kTagMismatch) {
    return failure_at(DecodeError::kAuthFailed,
                      ciphered->payload_offset + ciphered->payload.size());
  }
  if (result != CipherResult::kOk) {
    return failure_at(DecodeError::kUnsupportedSecurity, ciphered->payload_offset - 5);
  }
  out.encrypted = ciphered->encrypted();
  out.authenticated = check_tag;
  out.tag_unverified = ciphered->authenticated() && !check_tag;

  auto status = fill_from_plaintext(ciphered->payload, out, ciphered->payload_offset);
  if (!status && out.encrypted && !out.authenticated &&
      status.failure().code != DecodeError::kUnknownLayout) {
    // No tag proved the key: bytes that do not parse are what a wrong key produces. A body that
    // parsed completely but matches no layout was decrypted with the right key.
    return failure_at(DecodeError::kWrongKey, status.failure().offset);
  }
  return status;
}

Status TelegramDecoder::decode_plaintext(std::span<const std::uint8_t> plaintext, Telegram& out,
                                         std::size_t base_offset) {
  out.clear();
  return fill_from_plaintext(plaintext, out, base_offset);
}

Status TelegramDecoder::fill_from_plaintext(std::span<const std::uint8_t> plaintext, Telegram& out,
                                            std::size_t base_offset) {
  if (!plaintext.empty() && is_text_start(plaintext[0])) {
    // P1 companion standard: a text telegram inside the ciphered APDU (Energienetze Steiermark).
    return parse_p1_text(plaintext, base_offset, out);
  }
  DataNotification parsed;
  if (auto status = parse_data_notification(plaintext, base_offset, parsed); !status) {
    return status;
  }
  const DataNotification* notification = &parsed;
  out.invoke_id = notification->invoke_id;
  if (notification->has_date_time) {
    out.has_time = true;
    out.meter_time = notification->date_time;
    out.timestamp_utc = notification->date_time.to_utc_epoch();
  }
  AxdrItems& items = *items_;
  items.size = 0;
  ByteReader body(notification->body, notification->body_offset);
  if (auto s = walk_axdr(body, items); !s) return s;
  if (!body.at_end()) return body.fail(DecodeError::kTrailingBytes);
  return map_values(items.view(), out, options_.layout);
}

PayloadReader::PayloadReader(TelegramDecoder& decoder, std::string_view payload)
    : decoder_(decoder), payload_(payload) {
  // Line by line only when at least two lines hold something, and only text has lines: binary
  // junk that happens to hold a newline byte stays one (bad) payload.
  const bool text = std::all_of(payload_.begin(), payload_.end(), [](char c) {
    return (c >= 0x20 && c < 0x7F) || c == '\n' || c == '\r' || c == '\t';
  });
  std::size_t filled = 0;
  for (std::size_t at = 0; text && at < payload_.size() && filled < 2;) {
    std::size_t end = payload_.find('\n', at);
    if (end == std::string_view::npos) end = payload_.size();
    if (payload_.substr(at, end - at).find_first_not_of(" \t\r") != std::string_view::npos) {
      ++filled;
    }
    at = end + 1;
  }
  by_line_ = filled >= 2;
}

bool PayloadReader::next_line(std::string_view& line) {
  while (line_start_ < payload_.size()) {
    std::size_t end = payload_.find('\n', line_start_);
    if (end == std::string_view::npos) end = payload_.size();
    line = payload_.substr(line_start_, end - line_start_);
    line_start_ = end + 1;
    ++line_;
    if (line.find_first_not_of(" \t\r") != std::string_view::npos) return true;
  }
  return false;
}

bool PayloadReader::next(Telegram& out, Status& status) {
  if (bytes_left_ && decoder_.frame_starts_at(byte_offset_)) {
    status = decoder_.decode_loaded(byte_offset_, out);
    return true;
  }
  bytes_left_ = false;
  if (!started_ && by_line_) {
    // A hex dump: its first line is the start of a frame that goes on in the next lines.
    std::string_view first;
    next_line(first);
    const Status alone = decoder_.decode_hex(first, out);
    by_line_ = alone || (alone.failure().code != DecodeError::kTruncated &&
                         alone.failure().code != DecodeError::kIncomplete);
    line_start_ = 0;
    line_ = 0;
  }
  started_ = true;
  std::string_view text;
  if (by_line_) {
    if (!next_line(text)) return false;
  } else {
    if (whole_taken_) return false;
    whole_taken_ = true;
    text = payload_;
    line_ = 1;
  }
  status = decoder_.load_hex(text);
  if (!status) return true;
  byte_offset_ = 0;
  status = decoder_.decode_loaded(byte_offset_, out);
  bytes_left_ = true;
  return true;
}

}  // namespace meter::core
