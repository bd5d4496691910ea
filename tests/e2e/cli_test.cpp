// SPDX-License-Identifier: Apache-2.0
// The video-encoder binary as a user runs it: several inputs at once, one of them corrupt.
#include <gtest/gtest.h>

#include "support/test_support.hpp"

namespace {

using ve::testing::quote;
using ve::testing::run;
using ve::testing::TempDir;

std::string binary() { return quote(VE_BINARY); }

TEST(Cli, BatchWithOneCorruptInputFinishesTheOthersAndFails) {
  TempDir tmp;
  ve::testing::write_bytes(tmp / "broken.mp4", "garbage that is not a video");
  const auto r = run(binary() + " package " + quote(ve::testing::shared_media("video.mp4").string()) + " " +
                     quote((tmp / "broken.mp4").string()) + " " +
                     quote(ve::testing::shared_media("bento4-video-h264-001.mp4").string()) + " --out " +
                     quote((tmp / "out").string()) + " --jobs 2 --verify");
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_EQ(ve::testing::list_names(tmp / "out"), (std::vector<std::string>{"bento4-video-h264-001", "video"}));
  EXPECT_TRUE(std::filesystem::exists(tmp / "out/video/manifest.mpd"));
  // Summary table: a row per input with its status; the failure names the file and the reason.
  EXPECT_NE(r.output.find("file"), std::string::npos);
  EXPECT_NE(r.output.find("segments"), std::string::npos);
  EXPECT_NE(r.output.find("ok (verified)"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find((tmp / "broken.mp4").string() + ": not a valid MP4 file"), std::string::npos) << r.output;
  // Not a terminal: plain progress lines.
  EXPECT_NE(r.output.find("video.mp4: started"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("video.mp4: done in"), std::string::npos) << r.output;
}

TEST(Cli, AllGoodExitsZero) {
  TempDir tmp;
  const auto r = run(binary() + " package " + quote(ve::testing::shared_media("sar_2x1.mp4").string()) + " " +
                     quote(ve::testing::shared_media("multiple-aac-tracks.mp4").string()) + " -o " +
                     quote((tmp / "out").string()) + " --segment-duration 2 -q");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(std::filesystem::exists(tmp / "out/sar_2x1/manifest.mpd"));
  EXPECT_TRUE(std::filesystem::exists(tmp / "out/multiple-aac-tracks/init-audio1.mp4"));
  EXPECT_EQ(r.output.find("started"), std::string::npos) << "quiet prints no progress";
}

TEST(Cli, ProgressBarsOnATerminal) {
  TempDir tmp;
  // script(1) gives the program a pseudo-terminal.
  const std::string cmd = binary() + " package " + quote(ve::testing::shared_media("video.mp4").string()) + " -o " +
                          quote((tmp / "out").string());
  const auto r = run("script -qec " + quote(cmd) + " /dev/null");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("[##############################] 100% done"), std::string::npos) << r.output;
}

TEST(Cli, UsageErrorsAreExplained) {
  auto r = run(binary() + " package " + quote(ve::testing::shared_media("video.mp4").string()));
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find("--out"), std::string::npos) << r.output;
  r = run(binary() + " package x.mp4 -o /tmp/x --segment-duration 0");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find("segment-duration"), std::string::npos) << r.output;
  r = run(binary() + " package x.mp4 -o /tmp/x --jobs 0");
  EXPECT_NE(r.exit_code, 0);
}

TEST(Cli, MissingInputIsNamed) {
  TempDir tmp;
  const auto r = run(binary() + " package " + quote((tmp / "nope.mp4").string()) + " -o " + quote((tmp / "o").string()));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.output.find((tmp / "nope.mp4").string() + ": no such file"), std::string::npos) << r.output;
  EXPECT_FALSE(std::filesystem::exists(tmp / "o/nope"));
}

}  // namespace
