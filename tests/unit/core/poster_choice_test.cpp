// SPDX-License-Identifier: Apache-2.0
#include "core/poster_choice.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace ve::core {
namespace {

constexpr LumaStats kBlack{3, 1, 0.5};
constexpr LumaStats kWhite{250, 4, 1};
constexpr LumaStats kFlatGrey{128, 3, 0.5};
constexpr LumaStats kScene{110, 55, 9};
constexpr LumaStats kDetailedScene{115, 60, 20};

// A fade from black into `scene`: every figure scaled by `level` (0..1).
LumaStats faded(const LumaStats& scene, double level) {
  return {scene.mean * level, scene.stddev * level, scene.edge * level};
}

// The times wants() says yes to, for frames at `fps` over `seconds`.
std::vector<double> wanted_times(PosterPicker& picker, double fps, double seconds) {
  std::vector<double> out;
  for (int n = 0; n < seconds * fps; ++n) {
    if (picker.wants(n / fps)) out.push_back(n / fps);
  }
  return out;
}

TEST(PosterScore, RejectsBlackWhiteAndFlatFrames) {
  EXPECT_EQ(poster_score(kBlack), 0);
  EXPECT_EQ(poster_score(kWhite), 0);
  EXPECT_EQ(poster_score(kFlatGrey), 0);
  EXPECT_EQ(poster_score({19.9, 30, 10}), 0);
  EXPECT_EQ(poster_score({240.1, 30, 10}), 0);
  EXPECT_EQ(poster_score({128, 7.9, 10}), 0);
  EXPECT_GT(poster_score(kScene), 0);
}

TEST(PosterScore, PrefersDetailAndContrast) {
  EXPECT_GT(poster_score(kDetailedScene), poster_score(kScene));
  EXPECT_GT(poster_score({110, 55, 12}), poster_score({110, 55, 9}));
  EXPECT_GT(poster_score({110, 60, 9}), poster_score({110, 55, 9}));
  EXPECT_DOUBLE_EQ(poster_score({128, 40, 10}), 40 + 2 * 10);
}

TEST(PosterScore, FadeFramesScoreBelowTheScene) {
  double previous = 0;
  for (double level : {0.1, 0.2, 0.3, 0.5, 0.7, 1.0}) {
    const double score = poster_score(faded(kScene, level));
    EXPECT_GE(score, previous) << level;
    previous = score;
  }
  EXPECT_EQ(poster_score(faded(kScene, 0.1)), 0);
  EXPECT_LT(poster_score(faded(kScene, 0.5)), poster_score(kScene) / 2);
  // Towards white it ramps down too: a frame washed out at mean 230 counts a quarter.
  EXPECT_DOUBLE_EQ(poster_score({230, 20, 0}), 20 * 0.25);
}

TEST(PosterPicker, FirstFrameIsAlwaysTakenSoAOneFrameVideoHasAPoster) {
  for (double duration : {0.0, 0.04, 10.0}) {
    PosterPicker picker(duration);
    EXPECT_FALSE(picker.has_choice());
    ASSERT_TRUE(picker.wants(0)) << duration;
    EXPECT_TRUE(picker.offer(0, kBlack));
    EXPECT_TRUE(picker.has_choice());
    EXPECT_EQ(picker.chosen_seconds(), 0);
  }
}

TEST(PosterPicker, GoodFrameReplacesTheFallbackAndTheBestScoreWins) {
  PosterPicker picker(10);
  EXPECT_TRUE(picker.offer(0, kBlack));
  EXPECT_TRUE(picker.offer(1, faded(kScene, 0.5)));
  EXPECT_TRUE(picker.offer(2, kScene));
  EXPECT_FALSE(picker.offer(3, kFlatGrey));
  EXPECT_FALSE(picker.offer(4, kWhite));
  EXPECT_TRUE(picker.offer(5, kDetailedScene));
  EXPECT_FALSE(picker.offer(6, kScene));
  EXPECT_FALSE(picker.offer(7, kDetailedScene));  // a tie keeps the earlier frame
  EXPECT_FALSE(picker.offer(8, kBlack));
  EXPECT_EQ(picker.chosen_seconds(), 5);
}

TEST(PosterPicker, WhenNothingIsUsableTheFirstBrightestFrameWins) {
  PosterPicker picker(10);
  EXPECT_TRUE(picker.offer(0, {2, 1, 0}));
  EXPECT_TRUE(picker.offer(1, {12, 5, 1}));
  EXPECT_FALSE(picker.offer(2, {5, 3, 1}));
  EXPECT_FALSE(picker.offer(3, {12, 6, 2}));  // as bright: the earlier stays
  EXPECT_TRUE(picker.offer(4, {15, 2, 0}));
  EXPECT_EQ(picker.chosen_seconds(), 4);
  // Once a frame is usable, brightness alone no longer wins.
  EXPECT_TRUE(picker.offer(5, kScene));
  EXPECT_FALSE(picker.offer(6, {200, 2, 0}));
  EXPECT_EQ(picker.chosen_seconds(), 5);
}

TEST(PosterPicker, KnownDurationSpreadsCandidatesOverFiveToEightyPercent) {
  PosterPicker picker(100, 12);
  const auto times = wanted_times(picker, 25, 100);
  ASSERT_EQ(times.size(), 13u);  // the first frame, then the 12 candidates
  EXPECT_EQ(times[0], 0);
  for (int i = 0; i < 12; ++i) {
    const double candidate = 5 + 75.0 * i / 11;
    EXPECT_GE(times[i + 1], candidate - 1e-9) << i;
    EXPECT_LT(times[i + 1], candidate + 0.04 + 1e-9) << i;  // the first frame at or after it
  }
  EXPECT_TRUE(picker.done());
}

TEST(PosterPicker, UnknownDurationTakesOneEveryTwoSecondsOfTheFirstMinute) {
  PosterPicker picker(0);
  EXPECT_FALSE(picker.done());
  const auto times = wanted_times(picker, 30, 300);
  ASSERT_EQ(times.size(), 31u);
  EXPECT_EQ(times[0], 0);
  for (int i = 0; i < 30; ++i) EXPECT_NEAR(times[i + 1], 1 + 2 * i, 1.0 / 30 + 1e-9) << i;
  EXPECT_TRUE(picker.done());
}

TEST(PosterPicker, SparseFramesAreWantedOnceEach) {
  // Frames 10 s apart in a 60 s video: each passes several candidates but is measured once.
  PosterPicker picker(60, 12);
  int wanted = 0;
  for (int t = 0; t < 60; t += 10) wanted += picker.wants(t) ? 1 : 0;
  EXPECT_EQ(wanted, 6);  // 0 (first) and 10..50 each pass at least one candidate
  EXPECT_TRUE(picker.done());
  EXPECT_FALSE(picker.wants(59));
}

TEST(PosterPicker, OneCandidateSitsMidRange) {
  PosterPicker picker(10, 1);
  EXPECT_TRUE(picker.wants(0));
  EXPECT_FALSE(picker.wants(4.2));
  EXPECT_TRUE(picker.wants(4.25));
  EXPECT_TRUE(picker.done());
}

}  // namespace
}  // namespace ve::core
