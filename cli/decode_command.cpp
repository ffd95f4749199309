// SPDX-License-Identifier: MIT
// `smartmeter decode`: hex telegram(s) from a file or stdin -> JSON (or text) on stdout.
//
// Streams: the input is read as it arrives and each telegram is printed (and flushed) as soon as
// its line is complete, so `mosquitto_sub ... | smartmeter decode` prints as the telegrams come
// and memory stays bounded whatever the input's size. Text input is read line by line (one hex
// telegram per line, several back to back on a line, or one telegram wrapped over several
// lines: a line that ends inside a telegram waits for the next). Binary input (raw bytes from a
// serial capture) goes through the streaming frame assembler.
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <iostream>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "commands.h"
#include "meter/app/config.h"
#include "meter/core/apdu.h"
#include "meter/core/gbt.h"
#include "meter/core/telegram_decoder.h"
#include "meter/crypto/openssl_gcm_cipher.h"
#include "meter/json/telegram_json.h"

namespace meter::cli {
namespace {

struct DecodeOptions {
  std::string key_hex;
  std::string auth_key_hex;
  std::string format = "json";
  std::string input = "-";
  std::string operator_id;
};

constexpr std::size_t kReadBytes = 64 * 1024;

// A failure that more input may cure: the line ended inside a telegram.
bool is_cut(const core::Status& status) {
  if (status) return false;
  const core::DecodeError code = status.failure().code;
  return code == core::DecodeError::kTruncated || code == core::DecodeError::kIncomplete ||
         code == core::DecodeError::kHdlcNoClosingFlag;
}

bool is_text_byte(unsigned char c) {
  return (c >= 0x20 && c < 0x7F) || c == '\n' || c == '\r' || c == '\t';
}

class StreamDecoder {
 public:
  StreamDecoder(core::TelegramDecoder& decoder, bool text_format)
      : decoder_(decoder),
        text_format_(text_format),
        telegram_(std::make_unique<core::Telegram>()) {}

  // Feeds the next bytes of the input, in any chunking.
  void feed(const char* data, std::size_t size) {
    if (!mode_decided_ && size > 0) decide_mode(data, size);
    if (binary_) {
      feed_binary(reinterpret_cast<const std::uint8_t*>(data), size);
      return;
    }
    for (std::size_t at = 0; at < size;) {
      const char* newline = static_cast<const char*>(std::memchr(data + at, '\n', size - at));
      const std::size_t end = newline == nullptr ? size : static_cast<std::size_t>(newline - data);
      append_partial(data + at, end - at);
      if (newline == nullptr) break;
      line_complete();
      at = end + 1;
    }
  }

  // End of input: the last line without a newline, a telegram still waiting for more lines.
  void finish() {
    if (binary_) {
      finish_binary();
    } else {
      if (!partial_.empty() || partial_too_long_) line_complete();
      take_pending_failure();
      flush_deferred();
    }
    if (outcomes_ == 0 && deferred_.empty()) {
      std::cerr << "smartmeter decode: no input (expected a telegram as hex text)\n";
      failed_ = true;
    }
  }

  bool failed() const { return failed_; }

 private:
  void decide_mode(const char* data, std::size_t size) {
    mode_decided_ = true;
    for (std::size_t i = 0; i < size; ++i) {
      if (!is_text_byte(static_cast<unsigned char>(data[i]))) {
        binary_ = true;
        assembler_ = std::make_unique<core::FrameAssembler>();
        return;
      }
    }
  }

  void append_partial(const char* data, std::size_t size) {
    if (partial_too_long_) return;
    if (partial_.size() + size > core::kMaxHexChars) {
      partial_too_long_ = true;  // read on to the newline, keep nothing
      partial_.clear();
      return;
    }
    partial_.append(data, size);
  }

  void line_complete() {
    ++line_;
    std::string line = std::move(partial_);
    partial_.clear();
    const bool too_long = partial_too_long_;
    partial_too_long_ = false;
    if (too_long) {
      take_pending_failure();
      outcome(core::failure_at(core::DecodeError::kTooLarge, core::kMaxHexChars), line_);
      return;
    }
    if (line.find_first_not_of(" \t\r") == std::string::npos) return;
    ++filled_lines_;
    if (filled_lines_ == 2) flush_deferred();
    if (!pending_.empty()) {
      // The pending line ended inside a telegram: this line may be its continuation.
      std::string joined = pending_ + " " + line;
      if (joined.size() <= core::kMaxHexChars && decode_text(joined, pending_line_, true)) {
        return;
      }
      take_pending_failure();
    }
    decode_text(line, line_, false);
  }

  // The pending text's own failure is its outcome.
  void take_pending_failure() {
    if (pending_.empty()) return;
    outcome(pending_status_, pending_line_);
    pending_.clear();
  }

  // Decodes every telegram of `text` (line `line` of the input). A text that ends inside its
  // first telegram becomes pending instead. With `joined`, a failure other than that is left to
  // the caller (false) and nothing is reported.
  bool decode_text(const std::string& text, std::size_t line, bool joined) {
    core::Telegram& telegram = *telegram_;
    core::Status status = decoder_.load_hex(text);
    if (!status) {
      if (joined) return false;
      outcome(status, line);
      return true;
    }
    std::size_t offset = 0;
    bool first = true;
    do {
      status = decoder_.decode_loaded(offset, telegram);
      if (first && is_cut(status)) {
        pending_ = text;
        pending_line_ = line;
        pending_status_ = status;
        return true;
      }
      if (first && joined && !status) return false;
      if (joined) pending_.clear();
      first = false;
      outcome(status, line);
    } while (decoder_.frame_starts_at(offset));
    return true;
  }

  void feed_binary(const std::uint8_t* data, std::size_t size) {
    core::FrameAssembler& assembler = *assembler_;
    if (bare_apdu_ || (binary_bytes_ == 0 && size > 0 && is_apdu_start(data[0]))) {
      // A bare APDU has no end marker: it is the whole (bounded) input.
      bare_apdu_ = true;
      const std::size_t room =
          core::kMaxTelegramBytes - std::min(core::kMaxTelegramBytes, apdu_.size());
      apdu_.insert(apdu_.end(), data, data + std::min(room, size));
      binary_bytes_ += size;
      return;
    }
    binary_bytes_ += size;
    while (size > 0) {
      const core::FrameAssembler::PushResult pushed = assembler.push(data, size);
      data += pushed.consumed;
      size -= pushed.consumed;
      take_binary(pushed.event);
      if (pushed.consumed == 0 && pushed.event != core::FrameAssembler::Event::kTelegram) break;
    }
    // Telegrams already complete in the assembler's look-ahead.
    for (;;) {
      const auto pushed = assembler.push(nullptr, 0);
      if (pushed.event != core::FrameAssembler::Event::kTelegram) break;
      take_binary(pushed.event);
    }
  }

  void take_binary(core::FrameAssembler::Event event) {
    const core::FrameAssembler& assembler = *assembler_;
    if (event == core::FrameAssembler::Event::kTelegram) {
      core::Telegram& telegram = *telegram_;
      outcome(decoder_.decode_frames({assembler.telegram(), assembler.telegram_size()}, telegram),
              0);
    } else if (event == core::FrameAssembler::Event::kError) {
      outcome(core::Status(assembler.last_error()), 0);
    }
  }

  void finish_binary() {
    if (bare_apdu_) {
      if (binary_bytes_ > core::kMaxTelegramBytes) {
        outcome(core::failure_at(core::DecodeError::kTooLarge, core::kMaxTelegramBytes), 0);
      } else {
        outcome(decoder_.decode_frames(apdu_, *telegram_), 0);
      }
      return;
    }
    if (outcomes_ == 0) outcome(core::Status(assembler_->finish()), 0);
  }

  static bool is_apdu_start(std::uint8_t byte) {
    return byte == core::kGeneralGloCiphering || byte == core::kGeneralBlockTransfer ||
           byte == core::kDataNotification;
  }

  // A telegram's outcome: its JSON line (flushed), or its failure on stderr. The first line's
  // failure waits for a second line: only input of several lines names the line.
  void outcome(const core::Status& status, std::size_t line) {
    ++outcomes_;
    if (status) {
      flush_deferred();
      print(*telegram_);
      return;
    }
    failed_ = true;
    if (!binary_ && filled_lines_ < 2) {
      deferred_.push_back({status, line});
      return;
    }
    report(status, line);
  }

  void report(const core::Status& status, std::size_t line) {
    failed_ = true;
    std::cerr << "smartmeter decode: ";
    if (line > 0 && filled_lines_ >= 2) std::cerr << "line " << line << ": ";
    std::cerr << core::describe(status.failure()) << "\n";
  }

  void flush_deferred() {
    for (const auto& [status, line] : deferred_) report(status, line);
    deferred_.clear();
  }

  void print(const core::Telegram& telegram) {
    if (text_format_) {
      if (printed_ > 0) std::cout << "\n";
      std::cout << json::telegram_to_text(telegram);
    } else {
      std::cout << json::telegram_to_json_line(telegram) << "\n";
    }
    std::cout.flush();
    ++printed_;
  }

  core::TelegramDecoder& decoder_;
  bool text_format_;
  std::unique_ptr<core::Telegram> telegram_;
  bool mode_decided_ = false;
  bool binary_ = false;
  // Text: the line being read, and a line that ended inside a telegram.
  std::string partial_;
  bool partial_too_long_ = false;
  std::string pending_;
  std::size_t pending_line_ = 0;
  core::Status pending_status_ = core::Status::success();
  std::size_t line_ = 0;
  std::size_t filled_lines_ = 0;
  std::vector<std::pair<core::Status, std::size_t>> deferred_;  // at most the first line's
  // Binary.
  std::unique_ptr<core::FrameAssembler> assembler_;
  bool bare_apdu_ = false;
  std::vector<std::uint8_t> apdu_;
  std::size_t binary_bytes_ = 0;

  std::size_t outcomes_ = 0;
  std::size_t printed_ = 0;
  bool failed_ = false;
};

int run_decode(const DecodeOptions& options) {
  const auto keys = keys_from_options("decode", options.key_hex, options.auth_key_hex);
  if (!keys) return kExitUsage;
  const core::OperatorProfile* profile = nullptr;
  if (!operator_from_option("decode", options.operator_id, profile)) return kExitUsage;
  const core::DecoderOptions decoder_options = app::decoder_options_for(profile);

  int fd = STDIN_FILENO;
  if (options.input != "-") {
    fd = ::open(options.input.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      std::cerr << "smartmeter decode: cannot read " << options.input << "\n";
      return kExitUsage;
    }
  }
  crypto::OpenSslGcmCipher cipher;
  core::TelegramDecoder decoder(cipher, core::KeyRing(*keys), decoder_options);
  StreamDecoder stream(decoder, options.format == "text");
  std::vector<char> buffer(kReadBytes);
  for (;;) {
    const ssize_t got = ::read(fd, buffer.data(), buffer.size());
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) break;
    stream.feed(buffer.data(), static_cast<std::size_t>(got));
  }
  if (fd != STDIN_FILENO) ::close(fd);
  stream.finish();
  return stream.failed() ? kExitDecodeFailed : kExitOk;
}

}  // namespace

std::optional<core::MeterKeys> keys_from_options(const std::string& command,
                                                 const std::string& key_hex,
                                                 const std::string& auth_key_hex) {
  const auto key = core::AesKey::from_hex(key_hex);
  if (!key) {
    std::cerr << "smartmeter " << command
              << ": --key must be 32 hex digits (the 16-byte key from your grid operator, e.g. "
                 "EVN's customer portal)\n";
    return std::nullopt;
  }
  core::MeterKeys keys{*key, std::nullopt};
  if (!auth_key_hex.empty()) {
    keys.authentication = core::AesKey::from_hex(auth_key_hex);
    if (!keys.authentication) {
      std::cerr << "smartmeter " << command << ": --auth-key must be 32 hex digits\n";
      return std::nullopt;
    }
  }
  return keys;
}

bool refuse_unreadable_operator(const core::OperatorProfile* profile, const std::string& command) {
  if (profile == nullptr || core::operator_readable(*profile)) return false;
  std::cerr << "smartmeter " << command << ": operator " << profile->id << ": "
            << profile->not_readable << "\n";
  return true;
}

bool operator_from_option(const std::string& command, const std::string& id,
                          const core::OperatorProfile*& profile) {
  profile = id.empty() ? nullptr : core::find_operator_profile(id.c_str(), id.size());
  if (id.empty() || profile != nullptr) return true;
  std::cerr << "smartmeter " << command << ": --operator '" << id
            << "' is not a known operator; use one of: " << app::operator_ids() << "\n";
  return false;
}

void add_decode_command(CLI::App& app, int& exit_status) {
  auto options = std::make_shared<DecodeOptions>();
  CLI::App* command = app.add_subcommand(
      "decode",
      "Decode telegrams given as hex text (one per line) or raw bytes from FILE or stdin and "
      "print one JSON object per telegram, each as soon as it has arrived.");
  command
      ->add_option("--key", options->key_hex,
                   "The meter's 16-byte encryption key as 32 hex digits (from your grid "
                   "operator, e.g. EVN's customer portal)")
      ->required();
  command->add_option("--auth-key", options->auth_key_hex,
                      "Authentication key (32 hex digits), for meters that send a GCM tag "
                      "(security byte 0x30); not used by EVN");
  command->add_option("--format", options->format, "Output: json (default) or text")
      ->check(CLI::IsMember({"json", "text"}));
  command->add_option("--operator", options->operator_id,
                      "Your grid operator (wiener-netze, netz-burgenland, ...): the value layout "
                      "where the bytes cannot tell it (docs/operators.md)");
  command->add_option("FILE", options->input, "File with hex telegrams; - or none for stdin");
  command->footer(
      "Exit status: 0 all telegrams decoded, 1 at least one failed (reason on stderr), 2 usage.\n"
      "Example:\n  smartmeter decode --key 36C66639E48A8CA4D6BC8B282A793BBB telegram.hex");
  command->callback([options, &exit_status] { exit_status = run_decode(*options); });
}

}  // namespace meter::cli
