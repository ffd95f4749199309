// SPDX-License-Identifier: MIT
// `smartmeter run` reading the meter from a serial device (SMARTMETER_SERIAL): a pseudo-terminal
// stands in for the USB M-Bus adapter. Real telegrams arrive in pieces with junk and cut frames
// between them; every complete one is stored exactly once and published, nothing from the raw
// MQTT topic is taken, the service runs without a broker, and it survives an unplug and replug.
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <termios.h>
#include <unistd.h>

#include <future>
#include <random>
#include <thread>

#include "it_fixture.h"

namespace meter::it {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

// A pseudo-terminal pair: the test writes the meter's bytes to the master; the service opens
// the slave by its path. The test keeps the slave open too, in raw mode, so that bytes are
// buffered exactly as sent until the service reads them.
class Pty {
 public:
  Pty() {
    master_ = ::posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
    EXPECT_GE(master_, 0);
    EXPECT_EQ(::grantpt(master_), 0);
    EXPECT_EQ(::unlockpt(master_), 0);
    char name[128] = {};
    EXPECT_EQ(::ptsname_r(master_, name, sizeof name), 0);
    slave_path_ = name;
    slave_ = ::open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
    EXPECT_GE(slave_, 0);
    termios tty{};
    ::tcgetattr(slave_, &tty);
    ::cfmakeraw(&tty);
    ::tcsetattr(slave_, TCSANOW, &tty);
  }
  ~Pty() { close(); }
  Pty(const Pty&) = delete;
  Pty& operator=(const Pty&) = delete;

  const std::string& slave_path() const { return slave_path_; }

  void write_all(const std::vector<std::uint8_t>& bytes) {
    std::size_t at = 0;
    while (at < bytes.size()) {
      const ssize_t n = ::write(master_, bytes.data() + at, bytes.size() - at);
      ASSERT_GT(n, 0) << "writing to the pty master failed";
      at += static_cast<std::size_t>(n);
    }
  }

  // The adapter unplugged: the service's reads fail with EIO.
  void close() {
    if (master_ >= 0) ::close(master_);
    if (slave_ >= 0) ::close(slave_);
    master_ = slave_ = -1;
  }

 private:
  int master_ = -1;
  int slave_ = -1;
  std::string slave_path_;
};

// Points `link` at `target`, replacing it atomically (as udev's /dev/serial/by-id links do).
void point_link(const std::filesystem::path& link, const std::string& target) {
  const auto fresh = link.string() + ".new";
  std::filesystem::remove(fresh);
  std::filesystem::create_symlink(target, fresh);
  std::filesystem::rename(fresh, link);
}

// The meter's byte stream for telegrams [first, first + count): before each one but the last,
// junk bytes (with stray 0x68 and 0x16) and a frame cut in the middle, whose telegram must never
// be stored. A cut frame's header announces more bytes than follow, so the telegram after it
// comes out when the next bytes arrive (on the line: the meter's next telegram); the last one
// is sent clean, as the next telegram after noise is in the field.
std::vector<std::uint8_t> noisy_stream(const TestMeter& meter, std::size_t first, std::size_t count,
                                       std::mt19937& random) {
  std::vector<std::uint8_t> stream;
  for (std::size_t i = first; i + 1 < first + count; ++i) {
    const std::size_t junk = 5 + random() % 40;
    for (std::size_t j = 0; j < junk; ++j) {
      const auto byte = static_cast<std::uint8_t>(random());
      stream.push_back(j % 7 == 0 ? 0x68 : (j % 11 == 0 ? 0x16 : byte));
    }
    const std::vector<std::uint8_t> cut = meter.telegram(1000 + i).bytes;
    stream.insert(stream.end(), cut.begin(),
                  cut.begin() + static_cast<std::ptrdiff_t>(10 + random() % (cut.size() - 20)));
    const std::vector<std::uint8_t> whole = meter.telegram(i).bytes;
    stream.insert(stream.end(), whole.begin(), whole.end());
  }
  const std::vector<std::uint8_t> last = meter.telegram(first + count - 1).bytes;
  stream.insert(stream.end(), last.begin(), last.end());
  return stream;
}

// Writes `stream` in pieces of 1..64 bytes with short pauses, as a slow line delivers it.
void feed_in_pieces(Pty& pty, const std::vector<std::uint8_t>& stream, std::mt19937& random) {
  std::size_t at = 0;
  while (at < stream.size()) {
    const std::size_t piece = std::min<std::size_t>(1 + random() % 64, stream.size() - at);
    pty.write_all({stream.begin() + static_cast<std::ptrdiff_t>(at),
                   stream.begin() + static_cast<std::ptrdiff_t>(at + piece)});
    at += piece;
    if (random() % 4 == 0) std::this_thread::sleep_for(milliseconds(2));
  }
}

class SerialTest : public ServiceTest {
 protected:
  void SetUp() override {
    ServiceTest::SetUp();
    link_ = dir_ / "ttyMeter";
    point_link(link_, pty_->slave_path());
    env_["SMARTMETER_SERIAL"] = link_.string();
    env_["SMARTMETER_SERIAL_FORMAT"] = "2400 8E1";
    ASSERT_TRUE(use_backend(Backend::kSqlite));
  }

  // Starts the service and waits until it reads the device.
  void start_reading(bool with_broker = true) {
    if (with_broker) {
      ASSERT_TRUE(start_service());
    } else {
      write_env();
      service().start();
    }
    ASSERT_TRUE(service().wait_for_log("serial: reading", seconds(20)));
  }

  // The line the service logs at exit: "serial: N bytes, N frames, N telegrams, ...".
  std::string serial_summary() {
    const std::string log = service().log();
    const auto at = log.rfind("serial: ");
    if (at == std::string::npos) return "";
    return log.substr(at, log.find('\n', at) - at);
  }

  std::filesystem::path link_;
  std::unique_ptr<Pty> pty_ = std::make_unique<Pty>();
  std::mt19937 random_{20261202};
  TestMeter meter_;
};

TEST_F(SerialTest, EveryCompleteTelegramIsStoredOncePublishedAndJunkIsCounted) {
  start_reading();
  const std::size_t from = mqtt().count(values_topic_);
  feed_in_pieces(*pty_, noisy_stream(meter_, 0, 20, random_), random_);
  ASSERT_TRUE(wait_rows(20, seconds(20)));

  // The raw MQTT topic is not read while the meter comes from the serial port.
  publish_text(meter_.telegram(500).hex);
  feed_in_pieces(*pty_, noisy_stream(meter_, 20, 1, random_), random_);
  ASSERT_TRUE(wait_rows(21, seconds(20)));
  std::this_thread::sleep_for(milliseconds(500));
  EXPECT_EQ(counts(), std::make_pair(std::int64_t{21}, std::int64_t{21}));
  expect_history_is(meter_.telegrams(0, 21), meter_);
  EXPECT_TRUE(mqtt().wait_count(values_topic_, from + 21, seconds(10)));

  ASSERT_EQ(stop_service(), 0);
  const std::string summary = serial_summary();
  EXPECT_NE(summary.find(" 21 telegrams"), std::string::npos) << summary;
  EXPECT_EQ(summary.find(" 0 bytes skipped"), std::string::npos) << summary;
  EXPECT_EQ(summary.find(" 0 checksum errors"), std::string::npos) << summary;
}

TEST_F(SerialTest, RunsAndStoresWithoutABroker) {
  env_["MQTT_PORT"] = "1";  // nothing listens there
  start_reading(false);
  feed_in_pieces(*pty_, noisy_stream(meter_, 0, 5, random_), random_);
  ASSERT_TRUE(wait_rows(5, seconds(20)));
  expect_history_is(meter_.telegrams(0, 5), meter_);
  EXPECT_TRUE(service().running());
  ASSERT_EQ(stop_service(), 0);
}

TEST_F(SerialTest, ReadsAgainAfterTheAdapterIsUnpluggedAndPluggedIn) {
  start_reading();
  feed_in_pieces(*pty_, noisy_stream(meter_, 0, 5, random_), random_);
  ASSERT_TRUE(wait_rows(5, seconds(20)));

  // Unplugged in the middle of a telegram: the device fails, then the path vanishes.
  const std::size_t lost_from = service().log().size();
  const std::vector<std::uint8_t> cut = meter_.telegram(5).bytes;
  pty_->write_all({cut.begin(), cut.begin() + 30});
  pty_->close();
  std::filesystem::remove(link_);
  ASSERT_TRUE(service().wait_for_log("serial: ", seconds(10), lost_from));
  ASSERT_TRUE(service().wait_for_log("lost", seconds(10), lost_from));
  std::this_thread::sleep_for(milliseconds(2500));  // a few reopen attempts
  EXPECT_TRUE(service().running());

  // Plugged in again: a new device behind the same path.
  pty_ = std::make_unique<Pty>();
  point_link(link_, pty_->slave_path());
  ASSERT_TRUE(service().wait_for_log("is back", seconds(10), lost_from));
  feed_in_pieces(*pty_, noisy_stream(meter_, 5, 5, random_), random_);
  ASSERT_TRUE(wait_rows(10, seconds(20)));
  EXPECT_EQ(counts(), std::make_pair(std::int64_t{10}, std::int64_t{10}));
  expect_history_is(meter_.telegrams(0, 10), meter_);

  // One line for losing it and one for failing to open it, not one per attempt.
  const std::string after = service().log().substr(lost_from);
  std::size_t open_failures = 0;
  for (auto at = after.find("cannot open"); at != std::string::npos;
       at = after.find("cannot open", at + 1)) {
    ++open_failures;
  }
  EXPECT_LE(open_failures, 2u) << after;
  ASSERT_EQ(stop_service(), 0);
  const std::string summary = serial_summary();
  EXPECT_NE(summary.find(" 10 telegrams"), std::string::npos) << summary;
  EXPECT_NE(summary.find(" 1 reconnects"), std::string::npos) << summary;
}

// `smartmeter check --serial`: the first-setup report, against the same pseudo-terminal.
class SerialCheckTest : public ::testing::Test {
 protected:
  // Runs `smartmeter check --serial <pty> args...` while `feed` writes the meter's bytes.
  CommandResult check(const std::vector<std::string>& args, const std::function<void()>& feed) {
    std::vector<std::string> all = {"check", "--serial", pty_.slave_path()};
    all.insert(all.end(), args.begin(), args.end());
    auto running = std::async(std::launch::async, [&] {
      return run_smartmeter(all, std::filesystem::temp_directory_path(), "", seconds(60));
    });
    std::this_thread::sleep_for(milliseconds(300));  // it opens the device first
    feed();
    return running.get();
  }

  Pty pty_;
  std::mt19937 random_{20261202};
  TestMeter meter_;
};

TEST_F(SerialCheckTest, WithoutAKeyShowsTheMetersHeaderOfEachTelegram) {
  const auto result = check({"--telegrams", "2", "--seconds", "20"}, [&] {
    feed_in_pieces(pty_, noisy_stream(meter_, 0, 2, random_), random_);
  });
  EXPECT_EQ(result.status, 0) << result.out << result.err;
  EXPECT_NE(result.out.find("telegram 1: "), std::string::npos) << result.out;
  EXPECT_NE(result.out.find("telegram 2: "), std::string::npos) << result.out;
  EXPECT_NE(result.out.find("system title " + meter_.system_title() + " (KFM)"), std::string::npos)
      << result.out;
  EXPECT_NE(result.out.find("frame counter " + std::to_string(meter_.first_counter)),
            std::string::npos)
      << result.out;
  EXPECT_NE(result.out.find("Give the key"), std::string::npos) << result.out;
}

TEST_F(SerialCheckTest, WithTheKeyShowsTheValues) {
  const auto result = check({"--telegrams", "1", "--seconds", "20", "--key", kKey}, [&] {
    feed_in_pieces(pty_, noisy_stream(meter_, 0, 1, random_), random_);
  });
  EXPECT_EQ(result.status, 0) << result.out << result.err;
  EXPECT_NE(result.out.find(meter_.meter_number()), std::string::npos) << result.out;
  EXPECT_NE(result.out.find("OK: telegrams arrive and 1 of 1 decoded"), std::string::npos)
      << result.out;
}

TEST_F(SerialCheckTest, WithTheWrongKeySaysSo) {
  const auto result = check({"--telegrams", "1", "--seconds", "20", "--key", kOtherKey}, [&] {
    feed_in_pieces(pty_, noisy_stream(meter_, 0, 1, random_), random_);
  });
  EXPECT_EQ(result.status, 1) << result.out << result.err;
  EXPECT_NE(result.out.find("wrong key"), std::string::npos) << result.out;
  EXPECT_NE(result.out.find("none decoded with this key"), std::string::npos) << result.out;
}

TEST_F(SerialCheckTest, BytesWithoutFramesPointAtTheSerialFormat) {
  // What a wrong baud rate looks like: bytes, but nothing that frames.
  std::vector<std::uint8_t> noise(600);
  for (auto& byte : noise) byte = static_cast<std::uint8_t>(0x80 | (random_() & 0x0F));
  const auto result = check({"--seconds", "2"}, [&] { pty_.write_all(noise); });
  EXPECT_EQ(result.status, 1) << result.out << result.err;
  EXPECT_NE(result.out.find("600 bytes arrived, but no M-Bus, HDLC or P1 text frame"),
            std::string::npos)
      << result.out;
  EXPECT_NE(result.out.find("2400 8E1"), std::string::npos) << result.out;
}

TEST_F(SerialCheckTest, NothingArrivingNamesTheLikelyCauses) {
  const auto result = check({"--seconds", "1"}, [] {});
  EXPECT_EQ(result.status, 1) << result.out << result.err;
  EXPECT_NE(result.out.find("No bytes arrived in 1 s"), std::string::npos) << result.out;
  EXPECT_NE(result.out.find("customer interface"), std::string::npos) << result.out;
}

TEST(SerialCheck, AMissingDeviceIsAClearErrorAtOnce) {
  const auto result = run_smartmeter({"check", "--serial", "/dev/ttyNoSuchAdapter"},
                                     std::filesystem::temp_directory_path(), "", seconds(20));
  EXPECT_EQ(result.status, 1) << result.out << result.err;
  EXPECT_NE(result.err.find("cannot open /dev/ttyNoSuchAdapter: No such file or directory"),
            std::string::npos)
      << result.err;
  EXPECT_LT(result.took, seconds(5));
}

}  // namespace
}  // namespace meter::it
