// SPDX-License-Identifier: Apache-2.0
#include "core/encoder_threads.hpp"

#include <gtest/gtest.h>

namespace ve::core {
namespace {

constexpr int64_t k2160 = 3840 * 2160, k1440 = 2560 * 1440, k1080 = 1920 * 1080, k720 = 1280 * 720,
                  k480 = 854 * 480, k360 = 640 * 360;

TEST(EncodeThreads, ALadderThatFillsTheCoresRunsOneThreadPerRungBehindTheHeaviest) {
  // 2 cores, 1080p..360p from 1080p: the 1080p rung is 57 % of the pixels, 43 % of the work.
  // 480p and 360p are small enough for a second thread at little cost (kSmallRungPixels).
  const EncodeThreads t = encode_threads(k1080, {k1080, k720, k480, k360}, 2);
  EXPECT_EQ(t.rungs, (std::vector<int>{1, 1, 2, 2}));
  EXPECT_EQ(t.yields, (std::vector<bool>{false, true, true, true}));
  EXPECT_EQ(t.decoder, 1);
}

TEST(EncodeThreads, TheHeaviestRungKeepsItsPriorityWhereverItIsInTheLadder) {
  const EncodeThreads t = encode_threads(k1080, {k360, k1080, k720}, 2);
  EXPECT_EQ(t.yields, (std::vector<bool>{true, false, true}));
}

TEST(EncodeThreads, AKeptSourceLeavesTheEncodedRungsOneThreadEachAndTheDecoderOne) {
  // `auto` on a browser-safe 1080p source: 720p, 480p and 360p encoded, the decoder's work (half a
  // rung pixel per source pixel at most) within one core's share.
  const EncodeThreads t = encode_threads(k1080, {k720, k480, k360}, 2);
  EXPECT_EQ(t.rungs, (std::vector<int>{1, 2, 2}));
  EXPECT_EQ(t.yields, (std::vector<bool>{false, true, true}));
  EXPECT_EQ(t.decoder, 1);
}

TEST(EncodeThreads, A4kSourceWithTheWholeLadderStillFitsOneThreadPerRung) {
  const EncodeThreads t = encode_threads(k2160, {k2160, k1440, k1080, k720, k480, k360}, 2);
  EXPECT_EQ(t.rungs, (std::vector<int>{1, 1, 1, 1, 2, 2}));
  EXPECT_EQ(t.decoder, 1);
}

TEST(EncodeThreads, ADecoderWithMoreWorkThanOneCoresShareKeepsItsThreads) {
  // A 4K source down to 1080p..360p: the rungs fill the cores one thread each, but decoding 4K may
  // take more than one core's share.
  const EncodeThreads t = encode_threads(k2160, {k1080, k720, k480, k360}, 2);
  EXPECT_EQ(t.rungs, (std::vector<int>{1, 1, 2, 2}));
  EXPECT_EQ(t.decoder, 0);
  // One core: nothing to gain from decoder threads, however heavy the decoding.
  EXPECT_EQ(encode_threads(k2160, {k360}, 1).decoder, 1);
}

TEST(EncodeThreads, MoreCoresThanTheRungsCanFillShareOutLibx264sThreadsByPixels) {
  // 8 cores: 12 threads in all, shared 57 %, 25 %, 11 %, 6 %, rounded up (360p's one raised to
  // two); the decoder chooses.
  const EncodeThreads t = encode_threads(k1080, {k1080, k720, k480, k360}, 8);
  EXPECT_EQ(t.rungs, (std::vector<int>{7, 4, 2, 2}));
  EXPECT_EQ(t.yields, (std::vector<bool>(4, false)));
  EXPECT_EQ(t.decoder, 0);
}

TEST(EncodeThreads, ALoneRungGetsWhatLibx264WouldGiveItself) {
  EXPECT_EQ(encode_threads(k1080, {k1080}, 2).rungs, (std::vector<int>{3}));
  EXPECT_EQ(encode_threads(k360, {k360}, 16).rungs, (std::vector<int>{24}));
  EXPECT_EQ(encode_threads(k1080, {k1080}, 2).yields, (std::vector<bool>{false}));
}

TEST(EncodeThreads, OneCoreRunsEverythingOneThreadEach) {
  const EncodeThreads t = encode_threads(k720, {k720}, 1);
  EXPECT_EQ(t.rungs, (std::vector<int>{1}));
  EXPECT_EQ(t.yields, (std::vector<bool>{false}));
  EXPECT_EQ(t.decoder, 1);
  EXPECT_EQ(encode_threads(k1080, {k1080, 16 * 16}, 1).rungs, (std::vector<int>{1, 1}));
}

TEST(EncodeThreads, EveryRungGetsAtLeastOneThread) {
  EXPECT_EQ(encode_threads(0, {0, 0}, 1).rungs, (std::vector<int>{1, 1}));
  EXPECT_EQ(encode_threads(k1080, {k1080, k720}, 2).rungs, (std::vector<int>{3, 1}));  // 720p: 31 % of 3
}

TEST(EncodeThreads, SmallRungsNeverRunLibx264InOneThreadOnTwoCoresOrMore) {
  // One thread blurs a stream's first frames; a second costs a small rung little.
  EXPECT_EQ(encode_threads(k1080, {k1080, 1024 * 576, k480, 640 * 480, k360}, 2).rungs,
            (std::vector<int>{1, 1, 2, 2, 2}));
  EXPECT_EQ(encode_threads(k1080, {k1080, k720, k480, k360}, 2).rungs, (std::vector<int>{1, 1, 2, 2}));
  EXPECT_EQ(encode_threads(k480, {k480}, 1).rungs, (std::vector<int>{1}));  // one core: one thread
  EXPECT_EQ(encode_threads(k480, {k480}, 2).rungs, (std::vector<int>{3}));  // libx264's own count stays
}

TEST(EncodeThreads, ZeroCoresCountsAsOne) {
  const EncodeThreads zero = encode_threads(k1080, {k1080, k720}, 0);
  const EncodeThreads one = encode_threads(k1080, {k1080, k720}, 1);
  EXPECT_EQ(zero.rungs, one.rungs);
  EXPECT_EQ(zero.yields, one.yields);
  EXPECT_EQ(zero.decoder, one.decoder);
}

TEST(EncodeThreads, NoRungsNoThreads) {
  const EncodeThreads t = encode_threads(k1080, {}, 4);
  EXPECT_TRUE(t.rungs.empty());
  EXPECT_TRUE(t.yields.empty());
}

}  // namespace
}  // namespace ve::core
