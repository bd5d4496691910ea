// SPDX-License-Identifier: Apache-2.0
#include "core/ladder.hpp"

#include <gtest/gtest.h>

namespace ve::core {
namespace {

SourceVideo h264_1080p(int64_t bitrate = 4'000'000) {
  SourceVideo s;
  s.width = 1920;
  s.height = 1080;
  s.bitrate = bitrate;
  return s;
}

std::vector<int> heights(const std::vector<PlannedRendition>& plan) {
  std::vector<int> out;
  for (const auto& r : plan) out.push_back(r.size.height);
  return out;
}

TEST(Renditions, ParsesSourceAutoAndLists) {
  EXPECT_EQ(parse_renditions("source")->mode, RenditionMode::Source);
  EXPECT_EQ(parse_renditions(" AUTO ")->mode, RenditionMode::Auto);
  const auto list = parse_renditions("480p:1400k, 1080p:5M,720p:2800000");
  ASSERT_TRUE(list) << list.error().message;
  EXPECT_EQ(list->mode, RenditionMode::List);
  EXPECT_EQ(list->rungs, (std::vector<Rung>{{1080, 5'000'000}, {720, 2'800'000}, {480, 1'400'000}}));
}

TEST(Renditions, RefusesBadListsNamingThePart) {
  for (const char* bad : {"", "best", "720:2800k", "721p:2800k", "8p:100k", "4400p:20M", "720p:", "720p:0",
                          "720p:10k", "720p:300M", "720p:2800x", "720p:2800k,720p:1M", "720p:2800k,"}) {
    const auto r = parse_renditions(bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().kind, ErrorKind::InvalidInput) << bad;
  }
  EXPECT_NE(parse_renditions("720p:2800k,720p:1M").error().message.find("720p is listed twice"), std::string::npos);
  EXPECT_NE(parse_renditions("721p:1M").error().message.find("'721p:1M'"), std::string::npos);
}

TEST(Renditions, DisplaySizeAppliesAspectRatioAndRotation) {
  SourceVideo s;
  s.width = 640;
  s.height = 360;
  s.sample_aspect_ratio = {2, 1};
  EXPECT_EQ(display_size(s), (PictureSize{1280, 360}));
  s = h264_1080p();
  s.rotation = 90;
  EXPECT_EQ(display_size(s), (PictureSize{1080, 1920}));
  s.rotation = 270;
  EXPECT_EQ(display_size(s), (PictureSize{1080, 1920}));
  s.rotation = 180;
  EXPECT_EQ(display_size(s), (PictureSize{1920, 1080}));
}

TEST(Renditions, WidthsAreEvenAndKeepTheAspect) {
  EXPECT_EQ(even_width_for(720, {1920, 1080}), 1280);
  EXPECT_EQ(even_width_for(360, {1920, 1080}), 640);
  EXPECT_EQ(even_width_for(480, {1920, 1080}), 854);  // 853.33 -> nearest even
  EXPECT_EQ(even_width_for(720, {1080, 1920}), 406);  // portrait: 405 -> 406
  EXPECT_EQ(even_width_for(360, {1280, 360}), 1280);
}

TEST(Renditions, ListDropsTallerRungsAndNeverUpscales) {
  const auto list = *parse_renditions("1080p:5000k,720p:2800k,480p:1400k,360p:800k");
  SourceVideo s = h264_1080p();
  s.width = 1280;
  s.height = 720;
  const auto plan = plan_renditions(s, list);
  EXPECT_EQ(heights(plan), (std::vector<int>{720, 480, 360}));
  EXPECT_EQ(plan[0], (PlannedRendition{{1280, 720}, 2'800'000, 4'200'000, 5'600'000, false}));
  // Smaller than every rung: one rendition at its own size, the smallest rung's rate.
  s.width = 320;
  s.height = 181;
  const auto tiny = plan_renditions(s, list);
  ASSERT_EQ(tiny.size(), 1u);
  EXPECT_EQ(tiny[0].size, (PictureSize{318, 180}));  // 320x181 shown at an even height, aspect kept
  EXPECT_EQ(tiny[0].bitrate, 800'000);
  EXPECT_FALSE(tiny[0].keep_source);
}

TEST(Renditions, AutoKeepsABrowserSafeSourceAndEncodesOnlyBelowIt) {
  const RenditionsSetting automatic;
  const auto plan = plan_renditions(h264_1080p(), automatic);
  EXPECT_EQ(heights(plan), (std::vector<int>{1080, 720, 480, 360}));
  EXPECT_TRUE(plan[0].keep_source);
  EXPECT_FALSE(plan[1].keep_source);
  // A 1000-line source is judged against the 1080p rung and kept at its own size.
  SourceVideo s = h264_1080p();
  s.width = 1778;
  s.height = 1000;
  EXPECT_EQ(heights(plan_renditions(s, automatic)), (std::vector<int>{1000, 720, 480, 360}));
  EXPECT_TRUE(plan_renditions(s, automatic)[0].keep_source);
}

// Below a kept source the rungs are spaced by bit rate: 1.5x to 2.25x between neighbours.
TEST(Renditions, AutoSpacesTheRungsBelowAKeptSourceByItsBitRate) {
  const RenditionsSetting automatic;
  const auto rates = [](const std::vector<PlannedRendition>& plan) {
    std::vector<std::pair<int, int64_t>> out;
    for (const auto& r : plan) out.emplace_back(r.size.height, r.bitrate);
    return out;
  };
  using Plan = std::vector<std::pair<int, int64_t>>;
  // 5 Mb/s: the default ladder's own rates already sit 1.75x to 2x apart.
  EXPECT_EQ(rates(plan_renditions(h264_1080p(5'000'000), automatic)),
            (Plan{{1080, 5'000'000}, {720, 2'800'000}, {480, 1'400'000}, {360, 800'000}}));
  // 4 Mb/s: 720p is capped at 2/3 of it, still 1.9x above 480p.
  EXPECT_EQ(rates(plan_renditions(h264_1080p(4'000'000), automatic)),
            (Plan{{1080, 4'000'000}, {720, 2'666'666}, {480, 1'400'000}, {360, 800'000}}));
  // 2.86 Mb/s (the sample video.mp4): 720p at 2.8 Mb/s would be the source's rate at a smaller
  // size, and capped (1.91 Mb/s) it would sit 1.36x above 480p: it is left out, and 480p is 2.04x
  // below the source.
  EXPECT_EQ(rates(plan_renditions(h264_1080p(2'862'000), automatic)),
            (Plan{{1080, 2'862'000}, {480, 1'400'000}, {360, 800'000}}));
  // 1 Mb/s: only the smallest rung, at 2/3 of the source.
  EXPECT_EQ(rates(plan_renditions(h264_1080p(1'000'000), automatic)), (Plan{{1080, 1'000'000}, {360, 666'666}}));
  // An unknown rate leaves the ladder as it is.
  EXPECT_EQ(rates(plan_renditions(h264_1080p(0), automatic)),
            (Plan{{1080, 0}, {720, 2'800'000}, {480, 1'400'000}, {360, 800'000}}));
  // A list is taken as it is, whatever the source's rate.
  EXPECT_EQ(heights(plan_renditions(h264_1080p(1'000'000), *parse_renditions("1080p:5000k,720p:4800k"))),
            (std::vector<int>{1080, 720}));
}

TEST(Renditions, SpacedRungsStayBetweenOneAndAHalfAndTwoAndAQuarterApart) {
  const std::vector<Rung>& ladder = default_ladder();
  for (int64_t top = 300'000; top <= 30'000'000; top += 37'000) {
    const auto rungs = spaced_below(top, ladder);
    ASSERT_FALSE(rungs.empty()) << top;
    EXPECT_EQ(rungs.back().height, ladder.back().height) << top;
    int64_t above = top;
    for (const Rung& r : rungs) {
      EXPECT_LE(r.bitrate * 3, above * 2) << top << " " << r.height;      // at least 1.5x below
      EXPECT_LE(above * 4, r.bitrate * 9 + 9) << top << " " << r.height;  // at most 2.25x below
      above = r.bitrate;
    }
  }
  // As auto plans it: kept 1080p sources at every browser-safe rate. Only the gap the source's own
  // rate makes above 720p's 2.8 Mb/s may exceed 2.25x.
  for (int64_t top = 300'000; top <= 7'500'000; top += 23'000) {
    const auto plan = plan_renditions(h264_1080p(top), RenditionsSetting{});
    ASSERT_TRUE(plan.front().keep_source) << top;
    EXPECT_EQ(plan.back().size.height, 360) << top;
    for (size_t i = 1; i < plan.size(); ++i) {
      const int64_t above = plan[i - 1].bitrate, rate = plan[i].bitrate;
      EXPECT_LE(rate * 3, above * 2) << top << " " << plan[i].size.height;
      const bool sources_own_gap = i == 1 && above * 4 > 2'800'000 * 9;  // above 6.3 Mb/s
      if (!sources_own_gap) {
        EXPECT_LE(above * 4, rate * 9 + 9) << top << " " << plan[i].size.height;
      }
    }
  }
}

TEST(Renditions, AutoEncodesEverythingWhenTheSourceIsNotBrowserSafe) {
  const RenditionsSetting automatic;
  SourceVideo hevc = h264_1080p();
  hevc.codec = Codec::Hevc;
  SourceVideo ten_bit = h264_1080p();
  ten_bit.h264_profile = 110;
  ten_bit.bit_depth = 10;
  SourceVideo interlaced = h264_1080p();
  interlaced.interlaced = true;
  SourceVideo fat = h264_1080p(12'000'000);  // far above the 1080p rung's 5 Mb/s
  SourceVideo chroma = h264_1080p();
  chroma.chroma_420 = false;
  for (const SourceVideo& s : {hevc, ten_bit, interlaced, fat, chroma}) {
    const auto plan = plan_renditions(s, automatic);
    EXPECT_EQ(heights(plan), (std::vector<int>{1080, 720, 480, 360}));
    for (const auto& r : plan) EXPECT_FALSE(r.keep_source);
  }
  EXPECT_TRUE(is_browser_safe(h264_1080p(7'500'000), 5'000'000));
  EXPECT_FALSE(is_browser_safe(h264_1080p(7'500'001), 5'000'000));
}

TEST(Renditions, SourceModeKeepsTheSourceOnly) {
  const auto plan = plan_renditions(h264_1080p(), {RenditionMode::Source, {}});
  ASSERT_EQ(plan.size(), 1u);
  EXPECT_TRUE(plan[0].keep_source);
  EXPECT_EQ(plan[0].size, (PictureSize{1920, 1080}));
}

TEST(H264Level, LowestLevelThatFitsTableA1) {
  EXPECT_EQ(h264_level({1920, 1080}, {25, 1}, 7'500'000, 10'000'000), 40);
  EXPECT_EQ(h264_level({1280, 720}, {30, 1}, 4'200'000, 5'600'000), 31);
  EXPECT_EQ(h264_level({1920, 1080}, {60, 1}, 7'500'000, 10'000'000), 42);  // macroblock rate
  EXPECT_EQ(h264_level({1920, 1080}, {25, 1}, 30'000'000, 40'000'000), 41);  // bit rate
  EXPECT_EQ(h264_level({3840, 2160}, {30, 1}, 24'000'000, 32'000'000), 51);
  EXPECT_EQ(h264_level({640, 360}, {30000, 1001}, 1'200'000, 1'600'000), 30);
  EXPECT_EQ(h264_level({8192, 8192}, {60, 1}, 1'000'000, 1'000'000), 0);  // beyond every level
}

}  // namespace
}  // namespace ve::core

namespace ve::core {
namespace {

TEST(Ladder, KeepsASourceOnlyWhenItsKeyFramesAreCloseEnoughToCutSegments) {
  SourceVideo s;
  s.width = 1280;
  s.height = 720;
  s.bitrate = 2'000'000;
  s.longest_keyframe_gap_seconds = 8.0;
  EXPECT_TRUE(is_browser_safe(s, 2'800'000, 4.0));
  EXPECT_TRUE(is_browser_safe(s, 2'800'000));  // no segment duration given: no limit
  s.longest_keyframe_gap_seconds = 8.5;
  EXPECT_FALSE(is_browser_safe(s, 2'800'000, 4.0));
  const auto plan = plan_renditions(s, {RenditionMode::Auto, {}}, 4.0);
  ASSERT_FALSE(plan.empty());
  EXPECT_FALSE(plan.front().keep_source);
  EXPECT_EQ(plan.front().size, (PictureSize{1280, 720}));
}

}  // namespace
}  // namespace ve::core
