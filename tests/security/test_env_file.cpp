// SPDX-License-Identifier: MIT
// The env file holds the meter key: readable by others, or by a group that is not the service's
// own, `smartmeter run` warns, naming the file and the fix (chmod 600); owner-only files and the
// package's 640 with the service's group give no warning.
#include <sys/stat.h>
#include <unistd.h>

#include "sec_support.h"

namespace meter::it {
namespace {

using std::chrono::seconds;

struct ModeCase {
  ::mode_t mode;
  bool foreign_group;  // the file's group is not the service's
  bool warns;
};

class EnvFileMode : public ServiceTest, public ::testing::WithParamInterface<ModeCase> {};

TEST_P(EnvFileMode, WarnsOnlyWhenOthersCanRead) {
  write_env_file(env_file_, env_);
  ASSERT_EQ(::chmod(env_file_.c_str(), GetParam().mode), 0);
  if (GetParam().foreign_group) {
    const ::gid_t other = ::getegid() == 65534 ? 0 : 65534;
    ASSERT_EQ(::chown(env_file_.c_str(), static_cast<::uid_t>(-1), other), 0)
        << "changing the file's group needs root";
  }
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
                         ::testing::Values(ModeCase{0600, false, false},
                                           ModeCase{0400, false, false},
                                           ModeCase{0640, false, false}, ModeCase{0640, true, true},
                                           ModeCase{0604, false, true}, ModeCase{0644, false, true},
                                           ModeCase{0660, true, true}),
                         [](const ::testing::TestParamInfo<ModeCase>& param) {
                           const unsigned mode = param.param.mode;
                           return "Mode" + std::to_string((mode >> 6) & 7) +
                                  std::to_string((mode >> 3) & 7) + std::to_string(mode & 7) +
                                  (param.param.foreign_group ? "OtherGroup" : "OwnGroup");
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
