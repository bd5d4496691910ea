// SPDX-License-Identifier: Apache-2.0
#include "core/codec_string.hpp"

#include <gtest/gtest.h>

#include <string_view>
#include <vector>

namespace ve::core {
namespace {

std::string codecs(Codec c, std::vector<uint8_t> config) {
  auto r = codecs_parameter(c, config);
  return r ? *r : "error: " + r.error().message;
}

TEST(CodecString, H264FromAvcC) {
  EXPECT_EQ(codecs(Codec::H264, {1, 0x64, 0x00, 0x1f, 0xff}), "avc1.64001f");
  EXPECT_EQ(codecs(Codec::H264, {1, 0x4d, 0x40, 0x0a}), "avc1.4d400a");
}

TEST(CodecString, H264WithoutConfigIsAnError) {
  auto r = codecs_parameter(Codec::H264, std::vector<uint8_t>{});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::InvalidInput);
  EXPECT_NE(r.error().message.find("avcC"), std::string::npos);
  EXPECT_FALSE(codecs_parameter(Codec::H264, std::vector<uint8_t>{0, 0x64, 0, 0x1f}));  // wrong version
}

TEST(CodecString, HevcMainProfileLevel4) {
  // general_profile_space 0, tier Main, profile 1; compatibility flags 0x60000000; progressive and
  // frame-only constraint flags (0x90); level 120 (4.0).
  std::vector<uint8_t> hvcc = {1, 0x01, 0x60, 0x00, 0x00, 0x00, 0x90, 0, 0, 0, 0, 0, 120};
  EXPECT_EQ(codecs(Codec::Hevc, hvcc), "hvc1.1.6.L120.90");
}

TEST(CodecString, HevcMain10HighTierKeepsInnerZeroConstraintBytes) {
  std::vector<uint8_t> hvcc = {1, 0x22, 0x20, 0x00, 0x00, 0x00, 0xB0, 0x00, 0x01, 0, 0, 0, 153};
  EXPECT_EQ(codecs(Codec::Hevc, hvcc), "hvc1.2.4.H153.B0.0.1");
}

TEST(CodecString, HevcTruncatedIsAnError) {
  EXPECT_FALSE(codecs_parameter(Codec::Hevc, std::vector<uint8_t>{1, 0x01, 0x60}));
}

TEST(CodecString, Av1FromAv1C) {
  EXPECT_EQ(codecs(Codec::Av1, {0x81, 0x08, 0x0c, 0x00}), "av01.0.08M.08");
  EXPECT_EQ(codecs(Codec::Av1, {0x81, 0x2d, 0xc0, 0x00}), "av01.1.13H.10");
}

TEST(CodecString, AacObjectTypes) {
  EXPECT_EQ(codecs(Codec::Aac, {0x12, 0x10}), "mp4a.40.2");
  EXPECT_EQ(codecs(Codec::Aac, {0x2b, 0x92, 0x08, 0x00}), "mp4a.40.5");
  EXPECT_EQ(codecs(Codec::Aac, {0xf9, 0x40}), "mp4a.40.42");  // escape: 31 -> 32 + 10
  EXPECT_EQ(codecs(Codec::Aac, {}), "mp4a.40.2");
  EXPECT_FALSE(codecs_parameter(Codec::Aac, std::vector<uint8_t>{0x00, 0x00}));
}

TEST(CodecString, FixedStrings) {
  EXPECT_EQ(codecs(Codec::Ac3, {}), "ac-3");
  EXPECT_EQ(codecs(Codec::Eac3, {}), "ec-3");
  EXPECT_EQ(codecs(Codec::Opus, {}), "opus");
  EXPECT_EQ(codecs(Codec::Flac, {}), "fLaC");
  EXPECT_EQ(codecs(Codec::TrueHd, {}), "mlpa");
  EXPECT_EQ(codecs(Codec::Alac, {}), "alac");
}

// FFmpeg's muxer writes MPEG-1/2 audio as 'mp4a' with object type 0x6B (ISO/IEC 11172-3) above
// 24 kHz and 0x69 (ISO/IEC 13818-3, the MPEG-2 low sample rates) otherwise, whatever the layer.
TEST(CodecString, MpegAudioObjectTypeFollowsTheSampleRate) {
  auto at = [](Codec c, int rate) {
    auto r = codecs_parameter(c, {}, SampleEntryFacts{rate, {}});
    return r ? *r : r.error().message;
  };
  EXPECT_EQ(at(Codec::Mp3, 48000), "mp4a.6B");
  EXPECT_EQ(at(Codec::Mp3, 32000), "mp4a.6B");
  EXPECT_EQ(at(Codec::Mp3, 22050), "mp4a.69");
  EXPECT_EQ(at(Codec::Mp2, 44100), "mp4a.6B");
  EXPECT_EQ(at(Codec::Mp2, 24000), "mp4a.69");
  EXPECT_EQ(at(Codec::Mp2, 16000), "mp4a.69");
}

// DTS names the sample entry the init segment carries: its own 4CC, or mp4a's object type 0xA9.
TEST(CodecString, DtsNamesItsSampleEntry) {
  auto in = [](std::string_view entry) {
    auto r = codecs_parameter(Codec::Dts, {}, SampleEntryFacts{48000, entry});
    return r ? *r : "error: " + r.error().message;
  };
  EXPECT_EQ(in(""), "mp4a.a9");
  for (const char* entry : {"dtsc", "dtsh", "dtse", "dtsl", "dtsx"}) {
    EXPECT_EQ(in(entry), entry);
    EXPECT_TRUE(is_dts_sample_entry(entry));
  }
  EXPECT_EQ(in("mp4a"), "error: DTS in a 'mp4a' sample entry has no codecs value");
  EXPECT_EQ(in("DTS "), "error: DTS in a 'DTS ' sample entry has no codecs value");
  EXPECT_FALSE(is_dts_sample_entry("mp4a"));
  EXPECT_FALSE(is_dts_sample_entry("dts"));
}

}  // namespace
}  // namespace ve::core
