// SPDX-License-Identifier: Apache-2.0
#include "adapters/media/cpu_features.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "adapters/media/filter_chain.hpp"

extern "C" {
#include <libavutil/cpu.h>
#include <libavutil/frame.h>
}

namespace ve::adapters::media {
namespace {

constexpr int kWidth = 1920, kHeight = 1080;

// A 1080p yuv420p picture with detail in every direction (no flat areas a scaler could get right
// by accident).
Frame test_picture() {
  Frame f(av_frame_alloc());
  f->format = AV_PIX_FMT_YUV420P;
  f->width = kWidth;
  f->height = kHeight;
  f->pts = 0;
  EXPECT_EQ(av_frame_get_buffer(f.get(), 0), 0);
  for (int plane = 0; plane < 3; ++plane) {
    const int w = plane == 0 ? kWidth : kWidth / 2, h = plane == 0 ? kHeight : kHeight / 2;
    for (int y = 0; y < h; ++y) {
      for (int x = 0; x < w; ++x) {
        f->data[plane][y * f->linesize[plane] + x] = static_cast<uint8_t>((x * 7 + y * 13 + (x * y) / 5 + plane * 61) & 0xff);
      }
    }
  }
  return f;
}

// The picture scaled as a rung's chain scales it (bicubic), one plane after another.
std::vector<uint8_t> scaled(const AVFrame& picture, int width, int height) {
  VideoFormat in;
  in.width = kWidth;
  in.height = kHeight;
  in.pixel_format = AV_PIX_FMT_YUV420P;
  in.sample_aspect_ratio = {1, 1};
  in.time_base = {1, 25};
  in.frame_rate = {25, 1};
  auto chain = FilterChain::video(in, "scale=w=" + std::to_string(width) + ":h=" + std::to_string(height) +
                                          ":flags=bicubic");
  EXPECT_TRUE(chain) << (chain ? "" : chain.error().message);
  if (!chain) return {};
  EXPECT_TRUE(chain->push(const_cast<AVFrame*>(&picture)));
  Frame out(av_frame_alloc());
  EXPECT_EQ(chain->pull(out.get()), 0);
  std::vector<uint8_t> bytes;
  for (int plane = 0; plane < 3; ++plane) {
    const int w = plane == 0 ? width : width / 2, h = plane == 0 ? height : height / 2;
    for (int y = 0; y < h; ++y) {
      const uint8_t* row = out->data[plane] + y * out->linesize[plane];
      bytes.insert(bytes.end(), row, row + w);
    }
  }
  return bytes;
}

class AvoidSlowGathers : public ::testing::Test {
 protected:
  void TearDown() override { av_force_cpu_flags(-1); }  // back to what libavutil detects
};

TEST_F(AvoidSlowGathers, KeepsEveryDetectedFeatureAndAddsTheFlag) {
  const int detected = av_get_cpu_flags();
  avoid_slow_gathers();
  EXPECT_EQ(av_get_cpu_flags(), detected | AV_CPU_FLAG_SLOW_GATHER);
}

TEST_F(AvoidSlowGathers, TheScaledPicturesAreTheSameByteForByte) {
  const Frame picture = test_picture();
  const int detected = av_get_cpu_flags();
  if (!(detected & AV_CPU_FLAG_AVX2)) GTEST_SKIP() << "no AVX2 here: both runs would take the same code";
  for (const auto& [w, h] : {std::pair{1280, 720}, std::pair{854, 480}, std::pair{640, 360}}) {
    av_force_cpu_flags(detected & ~AV_CPU_FLAG_SLOW_GATHER);
    const std::vector<uint8_t> with_gathers = scaled(*picture, w, h);
    avoid_slow_gathers();
    const std::vector<uint8_t> without = scaled(*picture, w, h);
    ASSERT_EQ(with_gathers.size(), static_cast<size_t>(w * h * 3 / 2)) << w << "x" << h;
    EXPECT_TRUE(with_gathers == without) << w << "x" << h << ": the scalers disagree";
  }
}

}  // namespace
}  // namespace ve::adapters::media
