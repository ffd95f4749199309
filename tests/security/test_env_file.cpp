// SPDX-License-Identifier: MIT
// The env file holds the meter key: readable by group or others, `smartmeter run` warns, naming
// the file and the fix (chmod 600); owner-only files give no warning.
#include <sys/stat.h>

#include "sec_support.h"

namespace meter::it {
namespace {

using std::chrono::seconds;

struct ModeCase {
  ::mode_t mode;
  bool warns;
};

class EnvFileMode : public ServiceTest, public ::testing::WithParamInterface<ModeCase> {};

TEST_P(EnvFileMode, WarnsOnlyWhenOthersCanRead) {
  write_env_file(env_file_, env_);
  ASSERT_EQ(::chmod(env_file_.c_str(), GetParam().mode), 0);
  const CommandResult run =
      run_smartmeter({"run", "--env", env_file_.string(), "--print-config"}, dir_, "", seconds(10));
  ASSERT_EQ(run.status, 0) << run.err;
  const std::string output = run.out + run.err;
  const std::string warning = env_file_.string() + " can be read by other users";
  if (GetParam().warns) {
    EXPECT_NE(output.find(warning), std::string::npos) << output;
    EXPECT_NE(output.find("chmod 600 " + env_file_.string()), std::string::npos) << output;
  } else {
    EXPECT_EQ(output.find("can be read by other users"), std::string::npos) << output;
    EXPECT_EQ(output.find("chmod"), std::string::npos) << output;
  }
  EXPECT_NE(run.out.find("SMARTMETER_KEY=(set)"), std::string::npos) << "settings not read";
}

INSTANTIATE_TEST_SUITE_P(Modes, EnvFileMode,
                         ::testing::Values(ModeCase{0600, false}, ModeCase{0400, false},
                                           ModeCase{0640, true}, ModeCase{0604, true},
                                           ModeCase{0644, true}, ModeCase{0660, true}),
                         [](const ::testing::TestParamInfo<ModeCase>& param) {
                           const unsigned mode = param.param.mode;
                           return "Mode" + std::to_string((mode >> 6) & 7) +
                                  std::to_string((mode >> 3) & 7) + std::to_string(mode & 7);
                         });

// The running service (not only --print-config) warns in its log.
class EnvFileService : public ServiceTest {};

TEST_F(EnvFileService, TheServiceLogWarnsAboutAReadableEnvFile) {
  USE_BACKEND(Backend::kSqlite);
  env_["SMARTMETER_HTTP_LISTEN"] = "off";
  write_env();
  ASSERT_EQ(::chmod(env_file_.c_str(), 0644), 0);
  ASSERT_TRUE(start_service(seconds(20), false));
  const std::string log = service().log();
  EXPECT_NE(log.find(env_file_.string() + " can be read by other users"), std::string::npos) << log;
  EXPECT_NE(log.find("chmod 600"), std::string::npos) << log;
  EXPECT_EQ(stop_service(), 0);
}

}  // namespace
}  // namespace meter::it
