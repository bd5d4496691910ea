// SPDX-License-Identifier: Apache-2.0
#include "core/output_formats.hpp"

#include <gtest/gtest.h>

namespace ve::core {
namespace {

TEST(OutputFormatsTest, BothByDefault) {
  const OutputFormats f;
  EXPECT_TRUE(f.dash);
  EXPECT_TRUE(f.hls);
  EXPECT_EQ(to_string(f), "dash,hls");
}

TEST(OutputFormatsTest, ParsesEachFormAndOrder) {
  EXPECT_EQ(*parse_output_formats("dash,hls"), (OutputFormats{true, true}));
  EXPECT_EQ(*parse_output_formats(" HLS , dash "), (OutputFormats{true, true}));
  EXPECT_EQ(*parse_output_formats("dash"), (OutputFormats{true, false}));
  EXPECT_EQ(*parse_output_formats("hls"), (OutputFormats{false, true}));
  EXPECT_EQ(to_string(*parse_output_formats("hls")), "hls");
  EXPECT_EQ(to_string(*parse_output_formats("Dash")), "dash");
}

TEST(OutputFormatsTest, RefusesEmptyUnknownAndRepeated) {
  for (const char* bad : {"", " ", "dash,", ",hls", "smooth", "dash,hls,dash", "hls,hls", "dash;hls"}) {
    const auto r = parse_output_formats(bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().kind, ErrorKind::InvalidInput) << bad;
  }
  EXPECT_NE(parse_output_formats("smooth").error().message.find("unknown output format 'smooth'"), std::string::npos);
  EXPECT_NE(parse_output_formats("hls,hls").error().message.find("listed twice"), std::string::npos);
}

}  // namespace
}  // namespace ve::core
