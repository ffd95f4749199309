// SPDX-License-Identifier: MIT
// The real `smartmeter simulate` publishing to a real mosquitto (started by tools/test-servers.sh
// on a free loopback port, data in a temporary directory); what arrives on the raw topic must
// decode with `smartmeter decode --key <printed key>`.
#include <mqtt/async_client.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

namespace {

namespace fs = std::filesystem;

constexpr const char* kRawTopic = "test/simulate/raw";

struct ProcessResult {
  int status = -1;
  std::string out;
};

// Runs a shell command; stdout captured, stderr to the test log.
ProcessResult run(const std::string& command) {
  ProcessResult result;
  std::fflush(stdout);
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return result;
  char buffer[4096];
  for (std::size_t n; (n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0;) {
    result.out.append(buffer, n);
  }
  const int raw = ::pclose(pipe);
  result.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
  return result;
}

class Broker : public ::testing::Environment {
 public:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "meter-simulate-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) return;
    dir_ = pattern;
    started_ = control("start");
    std::ifstream(dir_ / "port") >> port_;
  }
  void TearDown() override {
    if (dir_.empty()) return;
    control("stop");
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
  }
  unsigned port() const { return started_ ? port_ : 0; }
  const fs::path& dir() const { return dir_; }
  // Stops the broker and starts it again on the same port.
  bool restart() { return control("restart"); }

 private:
  bool control(const std::string& action) {
    return run("'" METER_TEST_SERVERS "' " + action + " mosquitto '" + dir_.string() + "' >&2")
               .status == 0;
  }

  fs::path dir_;
  bool started_ = false;
  unsigned port_ = 0;
};

Broker* g_broker = nullptr;

// A clean-session subscriber that has its SUBACK before the simulator starts.
class Subscriber {
 public:
  explicit Subscriber(unsigned port, const std::string& client_id = "test-simulate-sub")
      : client_("tcp://127.0.0.1:" + std::to_string(port), client_id, nullptr) {}
  ~Subscriber() {
    try {
      if (client_.is_connected()) client_.disconnect()->wait();
    } catch (const mqtt::exception&) {
    }
  }
  bool subscribe(const std::string& topic) {
    try {
      client_.start_consuming();
      client_.connect(mqtt::connect_options_builder().clean_session(true).finalize())->wait();
      client_.subscribe(topic, 1)->wait();
      return true;
    } catch (const mqtt::exception& error) {
      ADD_FAILURE() << error.what();
      return false;
    }
  }
  std::vector<std::string> receive(std::size_t count) {
    std::vector<std::string> payloads;
    while (payloads.size() < count) {
      mqtt::const_message_ptr message;
      if (!client_.try_consume_message_for(&message, std::chrono::seconds(20))) break;
      if (message) payloads.push_back(message->get_payload_str());
    }
    return payloads;
  }

 private:
  mqtt::async_client client_;
};

// system title -> key, from the lines the simulator prints at start.
std::map<std::string, std::string> printed_keys(const std::string& out) {
  std::map<std::string, std::string> keys;
  const std::regex line(R"(system title ([0-9A-F]{16})  key ([0-9A-F]{32}))");
  for (std::sregex_iterator it(out.begin(), out.end(), line), end; it != end; ++it) {
    keys[(*it)[1]] = (*it)[2];
  }
  return keys;
}

ProcessResult decode(const std::string& hex, const std::string& key) {
  const fs::path file =
      fs::temp_directory_path() / ("meter-simulate-" + std::to_string(::getpid()) + ".hex");
  std::ofstream(file) << hex << "\n";
  ProcessResult result = run(std::string(METER_SMARTMETER_BIN) + " decode --key " + key +
                             " 2>/dev/null '" + file.string() + "'");
  fs::remove(file);
  return result;
}

// Without --state of its own, a run keeps its frame counters in a file of this test process,
// never in the user's home.
std::string simulate_command(unsigned port, const std::string& extra) {
  const std::string state =
      extra.find("--state") != std::string::npos
          ? ""
          : " --state '" +
                (fs::temp_directory_path() /
                 ("meter-simulate-" + std::to_string(::getpid()) + ".counters"))
                    .string() +
                "'";
  return std::string(METER_SMARTMETER_BIN) + " simulate --env /dev/null --host 127.0.0.1 --port " +
         std::to_string(port) + " --topic " + kRawTopic + " --interval 0.05 " + extra + state;
}

TEST(Simulate, PublishesTelegramsThatDecodeWithThePrintedKey) {
  ASSERT_NE(g_broker->port(), 0U) << "tools/test-servers.sh could not start mosquitto";
  Subscriber subscriber(g_broker->port());
  ASSERT_TRUE(subscriber.subscribe(kRawTopic));

  const ProcessResult sim =
      run(simulate_command(g_broker->port(), "--count 3 --start 2026-06-21T12:00"));
  ASSERT_EQ(sim.status, 0) << sim.out;
  const auto keys = printed_keys(sim.out);
  ASSERT_EQ(keys.size(), 1U) << sim.out;
  const auto& [title, key] = *keys.begin();
  EXPECT_NE(sim.out.find("SMARTMETER_KEYS=" + title + "=" + key), std::string::npos) << sim.out;

  const std::vector<std::string> telegrams = subscriber.receive(3);
  ASSERT_EQ(telegrams.size(), 3U);
  std::vector<std::string> times;
  for (const std::string& hex : telegrams) {
    const ProcessResult decoded = decode(hex, key);
    ASSERT_EQ(decoded.status, 0) << hex;
    EXPECT_NE(decoded.out.find("\"systemTitle\":\"" + title + "\""), std::string::npos);
    EXPECT_NE(decoded.out.find("\"WIn\":{\"value\":"), std::string::npos);
    std::smatch time;
    ASSERT_TRUE(std::regex_search(decoded.out, time, std::regex(R"re("meterTime":"([^"]+)")re")));
    times.push_back(time[1]);
  }
  // Meter time starts at --start and advances by the interval (0.05 s: the same second).
  EXPECT_EQ(times.front(), "2026-06-21T12:00:00+02:00");

  // A wrong key does not decode: the decode check above can fail.
  EXPECT_NE(decode(telegrams.front(), std::string(32, '1')).status, 0);
}

TEST(Simulate, SeveralMetersWithTheOldSagemcomFraming) {
  ASSERT_NE(g_broker->port(), 0U) << "tools/test-servers.sh could not start mosquitto";
  Subscriber subscriber(g_broker->port());
  ASSERT_TRUE(subscriber.subscribe(kRawTopic));

  const ProcessResult sim = run(simulate_command(
      g_broker->port(), "--count 2 --meters 3 --seed 5 --framing sagemcom-old --time-scale 600"));
  ASSERT_EQ(sim.status, 0) << sim.out;
  const auto keys = printed_keys(sim.out);
  ASSERT_EQ(keys.size(), 3U) << sim.out;

  const std::vector<std::string> telegrams = subscriber.receive(6);
  ASSERT_EQ(telegrams.size(), 6U);
  std::map<std::string, int> per_meter;
  for (const std::string& hex : telegrams) {
    // The old firmware's first frame: 68 01 01 68 (L + 256 = 257 bytes).
    EXPECT_EQ(hex.substr(0, 8), "68010168");
    int decoded_with = 0;
    for (const auto& [title, key] : keys) {
      const ProcessResult decoded = decode(hex, key);
      if (decoded.status != 0) continue;
      ++decoded_with;
      ++per_meter[title];
      EXPECT_NE(decoded.out.find(title), std::string::npos);
    }
    EXPECT_EQ(decoded_with, 1) << hex;
  }
  for (const auto& [title, key] : keys) EXPECT_EQ(per_meter[title], 2) << title;
}

// --format: what the raw topic carries starts as that kind of meter sends it, and decodes
// without a flag. mbus and apdu use today's encoders; hdlc, gbt and p1 need the HDLC, block
// transfer and P1 text encoders.
struct FormatCase {
  const char* args;
  const char* prefix;  // how the hex on the raw topic begins
};

// "--format mbus --layout ksm-west" -> "mbus_ksm_west"; gtest prints it instead of the bytes.
std::string format_case_name(const FormatCase& c) {
  std::string name;
  for (const char* at = c.args; *at != '\0'; ++at) {
    const char ch = *at;
    if ((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9')) {
      name += ch;
    } else if (!name.empty() && name.back() != '_') {
      name += '_';
    }
  }
  for (const char* flag : {"format_", "layout_"}) {
    for (std::size_t at; (at = name.find(flag)) != std::string::npos;) name.erase(at, 7);
  }
  return name;
}

void PrintTo(const FormatCase& c, std::ostream* out) { *out << c.args; }

std::string format_test_name(const ::testing::TestParamInfo<FormatCase>& info) {
  return format_case_name(info.param);
}

class SimulateFormat : public ::testing::TestWithParam<FormatCase> {};

TEST_P(SimulateFormat, TelegramsOnTheRawTopicDecode) {
  ASSERT_NE(g_broker->port(), 0U) << "tools/test-servers.sh could not start mosquitto";
  Subscriber subscriber(g_broker->port(), "test-simulate-format");
  ASSERT_TRUE(subscriber.subscribe(kRawTopic));
  const ProcessResult sim =
      run(simulate_command(g_broker->port(), std::string("--count 2 --seed 3 ") + GetParam().args));
  ASSERT_EQ(sim.status, 0) << sim.out;
  const auto keys = printed_keys(sim.out);
  ASSERT_EQ(keys.size(), 1U) << sim.out;
  const std::vector<std::string> telegrams = subscriber.receive(2);
  ASSERT_EQ(telegrams.size(), 2U);
  for (const std::string& hex : telegrams) {
    EXPECT_EQ(hex.rfind(GetParam().prefix, 0), 0U) << hex;
    const ProcessResult decoded = decode(hex, keys.begin()->second);
    ASSERT_EQ(decoded.status, 0) << hex;
    EXPECT_NE(decoded.out.find("\"WIn\":{\"value\":"), std::string::npos) << decoded.out;
  }
}

INSTANTIATE_TEST_SUITE_P(AllFormats, SimulateFormat,
                         ::testing::Values(FormatCase{"--format mbus", "68FAFA68"},
                                           FormatCase{"--format mbus --layout ksm-west", "68"},
                                           FormatCase{"--format apdu", "DB08"},
                                           FormatCase{"--format hdlc", "7EA"},
                                           FormatCase{"--format gbt", "7EA"},
                                           FormatCase{"--format p1", "DB08"}),
                         format_test_name);

// The frame counter of each telegram (all of one meter, decoded in one `smartmeter decode`).
std::vector<long> frame_counters(const std::vector<std::string>& telegrams,
                                 const std::string& key) {
  std::string lines;
  for (const std::string& hex : telegrams) lines += hex + "\n";
  const ProcessResult decoded = decode(lines, key);
  EXPECT_EQ(decoded.status, 0);
  std::vector<long> counters;
  const std::regex counter(R"("frameCounter":([0-9]+))");
  for (std::sregex_iterator it(decoded.out.begin(), decoded.out.end(), counter), end; it != end;
       ++it) {
    counters.push_back(std::stol((*it)[1]));
  }
  return counters;
}

// Runs faster than the meters' 5 s, one after the other: the second must use new counters only
// (the stored readings are keyed by meter and frame counter).
TEST(Simulate, RestartedRunsNeverReuseAFrameCounter) {
  ASSERT_NE(g_broker->port(), 0U) << "tools/test-servers.sh could not start mosquitto";
  const std::string state = (g_broker->dir() / "reuse-state").string();
  std::vector<long> seen;
  for (int run_index = 0; run_index < 2; ++run_index) {
    Subscriber subscriber(g_broker->port());
    ASSERT_TRUE(subscriber.subscribe(kRawTopic));
    const ProcessResult sim =
        run(simulate_command(g_broker->port(), "--count 20 --seed 9 --state '" + state + "'"));
    ASSERT_EQ(sim.status, 0) << sim.out;
    const auto keys = printed_keys(sim.out);
    ASSERT_EQ(keys.size(), 1U) << sim.out;
    const std::vector<std::string> telegrams = subscriber.receive(20);
    ASSERT_EQ(telegrams.size(), 20U);
    const std::vector<long> counters = frame_counters(telegrams, keys.begin()->second);
    ASSERT_EQ(counters.size(), 20U);
    for (const long counter : counters) {
      EXPECT_EQ(std::count(seen.begin(), seen.end(), counter), 0)
          << "run " << run_index + 1 << " reuses frame counter " << counter;
    }
    seen.insert(seen.end(), counters.begin(), counters.end());
  }
}

// The broker restarts while the simulator runs: it reconnects and goes on with new counters.
TEST(Simulate, ReconnectsAfterTheBrokerRestarts) {
  ASSERT_NE(g_broker->port(), 0U) << "tools/test-servers.sh could not start mosquitto";
  const std::string state = (g_broker->dir() / "restart-state").string();
  auto before = std::make_unique<Subscriber>(g_broker->port(), "test-simulate-before");
  ASSERT_TRUE(before->subscribe(kRawTopic));
  ProcessResult sim;
  std::thread simulator([&] {
    sim = run(simulate_command(g_broker->port(), "--count 200 --seed 11 --state '" + state + "'"));
  });
  const std::vector<std::string> first = before->receive(10);
  EXPECT_EQ(first.size(), 10U);
  before.reset();
  EXPECT_TRUE(g_broker->restart()) << "tools/test-servers.sh restart failed";
  Subscriber after(g_broker->port(), "test-simulate-after");
  const bool subscribed = after.subscribe(kRawTopic);
  const std::vector<std::string> later =
      subscribed ? after.receive(10) : std::vector<std::string>{};
  simulator.join();  // 200 rounds of 0.05 s: about 10 s
  ASSERT_TRUE(subscribed);
  EXPECT_EQ(sim.status, 0) << "the simulator did not go on after the broker restart";
  ASSERT_EQ(later.size(), 10U) << "nothing arrived after the broker restart";
  const auto keys = printed_keys(sim.out);
  ASSERT_EQ(keys.size(), 1U) << sim.out;
  const std::vector<long> old_counters = frame_counters(first, keys.begin()->second);
  const std::vector<long> new_counters = frame_counters(later, keys.begin()->second);
  ASSERT_FALSE(old_counters.empty());
  ASSERT_FALSE(new_counters.empty());
  EXPECT_GT(new_counters.front(), old_counters.back());
}

}  // namespace

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  g_broker = new Broker;
  ::testing::AddGlobalTestEnvironment(g_broker);
  return RUN_ALL_TESTS();
}
