// SPDX-License-Identifier: Apache-2.0
#include "core/encoder_threads.hpp"

#include <gtest/gtest.h>

namespace ve::core {
namespace {

constexpr int64_t k1080 = 1920 * 1080, k720 = 1280 * 720, k480 = 854 * 480, k360 = 640 * 360;

TEST(EncoderThreads, ShareTheCoresByPixelsSoTheTallestRungGetsMost) {
  EXPECT_EQ(encoder_threads({k1080, k720, k480, k360}, 2), (std::vector<int>{2, 1, 1, 1}));
  // 8 cores: 12 threads in all, shared 57 %, 25 %, 11 %, 6 %, rounded up.
  EXPECT_EQ(encoder_threads({k1080, k720, k480, k360}, 8), (std::vector<int>{7, 4, 2, 1}));
}

TEST(EncoderThreads, ALoneRungGetsWhatLibx264WouldGiveItself) {
  EXPECT_EQ(encoder_threads({k1080}, 2), (std::vector<int>{3}));
  EXPECT_EQ(encoder_threads({k360}, 16), (std::vector<int>{24}));
  EXPECT_EQ(encoder_threads({k720}, 1), (std::vector<int>{1}));
}

TEST(EncoderThreads, EveryRungGetsAtLeastOneThread) {
  EXPECT_EQ(encoder_threads({k1080, 16 * 16}, 1), (std::vector<int>{1, 1}));
  EXPECT_EQ(encoder_threads({0, 0}, 4), (std::vector<int>{1, 1}));
}

TEST(EncoderThreads, ZeroCoresCountsAsOne) {
  EXPECT_EQ(encoder_threads({k1080, k720}, 0), encoder_threads({k1080, k720}, 1));
}

TEST(EncoderThreads, NoRungsNoThreads) { EXPECT_TRUE(encoder_threads({}, 4).empty()); }

}  // namespace
}  // namespace ve::core
