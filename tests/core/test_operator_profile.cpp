// SPDX-License-Identifier: MIT
#include "meter/core/operator_profile.h"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <string_view>

#include "meter/core/value_layout.h"

namespace meter::core {
namespace {

// The firmware picks its profile at compile time; the lookup must work in a constant expression.
static_assert(find_operator_profile("evn", 3)->line.baud == 2400);
static_assert(find_operator_profile("wiener-netze", 12)->line.baud == 9600);
static_assert(find_operator_profile("ev", 2) == nullptr);
static_assert(find_operator_profile("evnx", 4) == nullptr);

TEST(OperatorProfile, IdsAreUniqueAndEveryLayoutNameIsAProviderLayout) {
  std::set<std::string> ids;
  for (const OperatorProfile& profile : kOperatorProfiles) {
    EXPECT_TRUE(ids.insert(profile.id).second) << profile.id;
    EXPECT_TRUE(provider_layout_from_name(profile.layout).has_value())
        << profile.id << ": " << profile.layout;
    EXPECT_NE(std::string_view(profile.key_from), "") << profile.id;
  }
}

TEST(OperatorProfile, ReadableProfilesHaveALineAFramingAndABuffer) {
  for (const OperatorProfile& profile : kOperatorProfiles) {
    if (!operator_readable(profile)) continue;
    EXPECT_NE(profile.plug, Plug::kNone) << profile.id;
    EXPECT_NE(std::string_view(profile.framing), "") << profile.id;
    EXPECT_NE(profile.keys, KeysSent::kNotDlms) << profile.id;
    EXPECT_TRUE(profile.line.parity == 'N' || profile.line.parity == 'E') << profile.id;
    // At least one second of bytes at the line's rate (10-11 bits a byte), so that a telegram
    // survives a short MQTT stall.
    EXPECT_GE(profile.receive_buffer * 11u, profile.line.baud / 10) << profile.id;
  }
}

TEST(OperatorProfile, TheDocumentedLineSettings) {
  const auto line = [](const char* id) {
    const OperatorProfile* profile = find_operator_profile(id, std::string_view(id).size());
    EXPECT_NE(profile, nullptr) << id;
    return profile == nullptr ? LineSettings{} : profile->line;
  };
  EXPECT_EQ(line("evn").baud, 2400u);
  EXPECT_EQ(line("evn").parity, 'E');
  EXPECT_EQ(line("tinetz").baud, 2400u);
  EXPECT_EQ(line("wiener-netze").baud, 9600u);
  EXPECT_EQ(line("wiener-netze").parity, 'N');
  EXPECT_EQ(line("energienetze-steiermark").baud, 115200u);
  EXPECT_STREQ(find_operator_profile("wiener-netze", 12)->layout, "wiener-netze");
  EXPECT_STREQ(find_operator_profile("netz-burgenland", 15)->layout, "netz-burgenland");
  EXPECT_STREQ(find_operator_profile("kaernten-netz", 13)->layout, "kaernten-netz");
  EXPECT_EQ(find_operator_profile("netz-burgenland", 15)->keys,
            KeysSent::kEncryptionAndAuthentication);
}

TEST(OperatorProfile, LinzAndOberoesterreichAreNotReadableAndSayWhatToDoInstead) {
  for (const char* id : {"linz-netz", "netz-ooe"}) {
    const OperatorProfile* profile = find_operator_profile(id, std::string_view(id).size());
    ASSERT_NE(profile, nullptr) << id;
    EXPECT_FALSE(operator_readable(*profile)) << id;
    EXPECT_EQ(profile->keys, KeysSent::kNotDlms);
    EXPECT_NE(std::string_view(profile->not_readable).find("not DLMS"), std::string_view::npos);
    EXPECT_NE(std::string_view(profile->not_readable).find("docs/operators.md"),
              std::string_view::npos);
  }
  EXPECT_NE(std::string_view(find_operator_profile("netz-ooe", 8)->not_readable).find("OMS"),
            std::string_view::npos);
  EXPECT_NE(std::string_view(find_operator_profile("linz-netz", 9)->not_readable).find("C12.19"),
            std::string_view::npos);
}

}  // namespace
}  // namespace meter::core
