// SPDX-License-Identifier: MIT
// Every reason a telegram can be rejected, and the one place their text lives.
// Freestanding (firmware uses it): <stdint.h> only.
#pragma once

#include <stdint.h>

namespace meter::core {

enum class DecodeError : uint8_t {
  kNotHex,               // text input holds something that is not hex
  kOddHexDigits,         // half a byte at the end of the hex text
  kNoFrame,              // no `68 L L 68` frame start anywhere in the input
  kTruncated,            // input ended inside an M-Bus frame
  kBadStartByte,         // header is not `68 L L 68`
  kLengthMismatch,       // the two L bytes differ
  kBadChecksum,          // M-Bus checksum does not match
  kBadStopByte,          // M-Bus frame does not end in 0x16
  kNotDlms,              // CI field outside the DLMS range 0x00..0x1F
  kBadSegmentSequence,   // segment number does not follow the previous one
  kIncomplete,           // last segment (FIN bit) never arrived
  kTooLarge,             // telegram exceeds the assembler's bounds
  kUnsupportedApdu,      // neither general-glo-ciphering (0xDB) nor data-notification (0x0F)
  kBadSystemTitle,       // system-title length is not 8
  kBadLength,            // malformed BER length
  kApduLengthMismatch,   // APDU length field differs from the bytes present
  kUnsupportedSecurity,  // compression, an unknown suite, or no encryption bit
  kNoKey,                // no key configured for this system title
  kNoAuthKey,            // frame has an authentication tag but no authentication key is configured
  kAuthFailed,           // GCM tag mismatch
  kWrongKey,             // decrypted bytes are not a data-notification: probably the wrong key
  kTooDeep,              // A-XDR nesting beyond kMaxAxdrDepth
  kTooManyValues,        // more A-XDR items than kMaxAxdrItems
  kBadValue,             // unknown A-XDR type or a value that runs past the end
  kTrailingBytes,        // bytes left after the data-notification body
  kBadDateTime,          // COSEM date-time that is not a real point in time
  // Appended (the numbers of the codes above are counters' indices and stay as they are).
  kHdlcBadFormat,      // 7E not followed by frame format type 3 (A0..A7)
  kHdlcBadHcs,         // HDLC header check sequence wrong
  kHdlcBadFcs,         // HDLC frame check sequence wrong
  kHdlcNoClosingFlag,  // HDLC frame does not end with the flag 7E
  kHdlcNoLlc,          // first HDLC frame of a message without the LLC header E6 E7 00
  kHdlcBadSegment,     // HDLC segment that does not continue the message being joined
  kGbtBlockMissing,    // general block transfer: a block number skipped (detail: see describe)
  kGbtBadBlock,        // general block transfer: malformed block header or length
  kTextBadCrc,         // text telegram (/ .. !CRC): CRC-16 wrong
  kTextBadLine,        // text telegram: a line that is not OBIS(value[*unit])
  kOmsTelegram,        // an OMS / wireless M-Bus application layer (Netz OÖ): not DLMS
  kUnknownLayout,      // values without OBIS codes in an order no provider layout describes
};

constexpr const char* to_string(DecodeError error) {
  switch (error) {
    case DecodeError::kNotHex:
      return "input is not hex text";
    case DecodeError::kOddHexDigits:
      return "odd number of hex digits (half a byte missing)";
    case DecodeError::kNoFrame:
      return "no telegram found (no M-Bus 68 L L 68, HDLC 7E A0, DLMS APDU or text /...!)";
    case DecodeError::kTruncated:
      return "incomplete telegram: input ended inside a frame";
    case DecodeError::kBadStartByte:
      return "bad M-Bus frame header (expected 68 L L 68)";
    case DecodeError::kLengthMismatch:
      return "M-Bus frame's two length bytes differ";
    case DecodeError::kBadChecksum:
      return "M-Bus checksum mismatch (line noise or a damaged frame)";
    case DecodeError::kBadStopByte:
      return "M-Bus frame does not end with the stop byte 16";
    case DecodeError::kNotDlms:
      return "M-Bus CI field is not a DLMS segment";
    case DecodeError::kBadSegmentSequence:
      return "M-Bus segment out of sequence (first segment missing)";
    case DecodeError::kIncomplete:
      return "incomplete telegram: last segment missing";
    case DecodeError::kTooLarge:
      return "telegram too large";
    case DecodeError::kUnsupportedApdu:
      return "unsupported APDU (expected general-glo-ciphering 0xDB or data-notification 0x0F)";
    case DecodeError::kBadSystemTitle:
      return "system title length is not 8";
    case DecodeError::kBadLength:
      return "malformed length field";
    case DecodeError::kApduLengthMismatch:
      return "APDU length field does not match the bytes received";
    case DecodeError::kUnsupportedSecurity:
      return "unsupported security control byte";
    case DecodeError::kNoKey:
      return "no decryption key configured for this meter's system title";
    case DecodeError::kNoAuthKey:
      return "frame carries an authentication tag but no authentication key is configured";
    case DecodeError::kAuthFailed:
      return "authentication tag wrong: check the authentication key (or the frame was changed)";
    case DecodeError::kWrongKey:
      return "decrypted data is not a valid data-notification: probably the wrong key";
    case DecodeError::kTooDeep:
      return "A-XDR data nested too deep";
    case DecodeError::kTooManyValues:
      return "too many values in one telegram";
    case DecodeError::kBadValue:
      return "malformed A-XDR value";
    case DecodeError::kTrailingBytes:
      return "unexpected bytes after the data-notification";
    case DecodeError::kBadDateTime:
      return "invalid COSEM date-time";
    case DecodeError::kHdlcBadFormat:
      return "HDLC frame: not frame format type 3 (expected 7E A0..A7)";
    case DecodeError::kHdlcBadHcs:
      return "HDLC frame: header check sequence (HCS) wrong";
    case DecodeError::kHdlcBadFcs:
      return "HDLC frame: FCS wrong (line noise or a damaged frame)";
    case DecodeError::kHdlcNoClosingFlag:
      return "HDLC frame does not end with the flag 7E";
    case DecodeError::kHdlcNoLlc:
      return "HDLC frame without the LLC header E6 E7 00";
    case DecodeError::kHdlcBadSegment:
      return "HDLC segment out of sequence (first segment missing)";
    case DecodeError::kGbtBlockMissing:
      return "general block transfer: a block is missing";
    case DecodeError::kGbtBadBlock:
      return "general block transfer: malformed block";
    case DecodeError::kTextBadCrc:
      return "text telegram CRC wrong (line noise or a damaged telegram)";
    case DecodeError::kTextBadLine:
      return "text telegram: a line is not OBIS(value*unit)";
    case DecodeError::kOmsTelegram:
      return "this looks like an OMS telegram (Netz OÖ, AMIS): not DLMS, cannot be read this way";
    case DecodeError::kUnknownLayout:
      return "values without OBIS codes in an order no provider table describes "
             "(SMARTMETER_OPERATOR chooses the operator's table where one is published)";
  }
  return "unknown error";
}

// Short stable name, for metrics labels and counters.
constexpr const char* error_name(DecodeError error) {
  switch (error) {
    case DecodeError::kNotHex:
      return "not_hex";
    case DecodeError::kOddHexDigits:
      return "odd_hex_digits";
    case DecodeError::kNoFrame:
      return "no_frame";
    case DecodeError::kTruncated:
      return "truncated";
    case DecodeError::kBadStartByte:
      return "bad_start_byte";
    case DecodeError::kLengthMismatch:
      return "length_mismatch";
    case DecodeError::kBadChecksum:
      return "checksum";
    case DecodeError::kBadStopByte:
      return "stop_byte";
    case DecodeError::kNotDlms:
      return "not_dlms";
    case DecodeError::kBadSegmentSequence:
      return "segment_sequence";
    case DecodeError::kIncomplete:
      return "incomplete";
    case DecodeError::kTooLarge:
      return "too_large";
    case DecodeError::kUnsupportedApdu:
      return "unsupported_apdu";
    case DecodeError::kBadSystemTitle:
      return "bad_system_title";
    case DecodeError::kBadLength:
      return "bad_length";
    case DecodeError::kApduLengthMismatch:
      return "apdu_length_mismatch";
    case DecodeError::kUnsupportedSecurity:
      return "unsupported_security";
    case DecodeError::kNoKey:
      return "no_key";
    case DecodeError::kNoAuthKey:
      return "no_auth_key";
    case DecodeError::kAuthFailed:
      return "auth_failed";
    case DecodeError::kWrongKey:
      return "wrong_key";
    case DecodeError::kTooDeep:
      return "too_deep";
    case DecodeError::kTooManyValues:
      return "too_many_values";
    case DecodeError::kBadValue:
      return "bad_value";
    case DecodeError::kTrailingBytes:
      return "trailing_bytes";
    case DecodeError::kBadDateTime:
      return "bad_date_time";
    case DecodeError::kHdlcBadFormat:
      return "hdlc_format";
    case DecodeError::kHdlcBadHcs:
      return "hdlc_hcs";
    case DecodeError::kHdlcBadFcs:
      return "hdlc_fcs";
    case DecodeError::kHdlcNoClosingFlag:
      return "hdlc_flag";
    case DecodeError::kHdlcNoLlc:
      return "hdlc_llc";
    case DecodeError::kHdlcBadSegment:
      return "hdlc_segment";
    case DecodeError::kGbtBlockMissing:
      return "block_missing";
    case DecodeError::kGbtBadBlock:
      return "bad_block";
    case DecodeError::kTextBadCrc:
      return "text_crc";
    case DecodeError::kTextBadLine:
      return "text_line";
    case DecodeError::kOmsTelegram:
      return "oms_telegram";
    case DecodeError::kUnknownLayout:
      return "unknown_layout";
  }
  return "unknown";
}

inline constexpr int kDecodeErrorCount = static_cast<int>(DecodeError::kUnknownLayout) + 1;

// Hex-text errors count characters; all others count bytes.
constexpr bool is_text_error(DecodeError error) {
  return error == DecodeError::kNotHex || error == DecodeError::kOddHexDigits;
}

// Errors of the link layer (the frame assembler's): their offsets count raw telegram bytes.
// A line problem (noise, a cut telegram, a wrong interface or a meter that is not DLMS), never
// a key or layout problem.
constexpr bool is_framing_error(DecodeError error) {
  switch (error) {
    case DecodeError::kNoFrame:
    case DecodeError::kTruncated:
    case DecodeError::kBadStartByte:
    case DecodeError::kLengthMismatch:
    case DecodeError::kBadChecksum:
    case DecodeError::kBadStopByte:
    case DecodeError::kNotDlms:
    case DecodeError::kBadSegmentSequence:
    case DecodeError::kIncomplete:
    case DecodeError::kHdlcBadFormat:
    case DecodeError::kHdlcBadHcs:
    case DecodeError::kHdlcBadFcs:
    case DecodeError::kHdlcNoClosingFlag:
    case DecodeError::kHdlcNoLlc:
    case DecodeError::kHdlcBadSegment:
    case DecodeError::kOmsTelegram:
      return true;
    default:
      return false;
  }
}

// What went wrong and where: `offset` counts bytes from the start of the layer's input
// (raw telegram bytes for framing errors, APDU bytes from the APDU on, characters for hex).
struct DecodeFailure {
  DecodeError code;
  uint32_t offset;
  // What the code needs beyond the offset (0 when nothing): kGbtBlockMissing: the missing block
  // number in the low byte, the last block's number in the high byte (0: not seen).
  uint16_t detail = 0;
};

}  // namespace meter::core
