// SPDX-License-Identifier: Apache-2.0
#include "core/fmp4_fragment.hpp"

#include <gtest/gtest.h>

#include <map>
#include <string>

namespace ve::core {
namespace {

uint32_t u32(const std::vector<uint8_t>& b, size_t at) {
  return (uint32_t(b[at]) << 24) | (uint32_t(b[at + 1]) << 16) | (uint32_t(b[at + 2]) << 8) | b[at + 3];
}

// Offsets of each box by path ("moof/traf/trun"), walking the containers this writer uses.
std::map<std::string, size_t> boxes(const std::vector<uint8_t>& b) {
  std::map<std::string, size_t> out;
  auto walk = [&](auto& self, size_t begin, size_t end, const std::string& prefix) -> void {
    for (size_t at = begin; at + 8 <= end;) {
      const uint32_t size = u32(b, at);
      const std::string type(b.begin() + at + 4, b.begin() + at + 8);
      out[prefix + type] = at;
      if (type == "moof" || type == "traf") self(self, at + 8, at + size, prefix + type + "/");
      if (type == "mdat") break;  // only its header is here
      at += size;
    }
  };
  walk(walk, 0, b.size(), "");
  return out;
}

TEST(Fmp4Fragment, LayoutAndTrunFields) {
  const std::vector<FragmentSample> samples = {{512, 1000, true, 1024}, {512, 200, false, 0}, {512, 300, false, 512}};
  const auto bytes = build_fragment_header(7, 123456789012ull, samples);
  const auto at = boxes(bytes);
  ASSERT_TRUE(at.count("styp") && at.count("moof") && at.count("moof/mfhd") && at.count("moof/traf/tfhd") &&
              at.count("moof/traf/tfdt") && at.count("moof/traf/trun") && at.count("mdat"));

  EXPECT_EQ(u32(bytes, at.at("moof/mfhd") + 12), 7u);
  const size_t tfhd = at.at("moof/traf/tfhd");
  EXPECT_EQ(u32(bytes, tfhd + 8) & 0xffffff, 0x020000u);  // default-base-is-moof
  EXPECT_EQ(u32(bytes, tfhd + 12), 1u);                   // track_ID
  const size_t tfdt = at.at("moof/traf/tfdt");
  EXPECT_EQ(bytes[tfdt + 8], 1);  // version 1: 64-bit time
  EXPECT_EQ((uint64_t(u32(bytes, tfdt + 12)) << 32) | u32(bytes, tfdt + 16), 123456789012ull);

  const size_t trun = at.at("moof/traf/trun");
  EXPECT_EQ(bytes[trun + 8], 0);  // no negative offsets: version 0
  EXPECT_EQ(u32(bytes, trun + 8) & 0xffffff, 0xf01u);
  EXPECT_EQ(u32(bytes, trun + 12), 3u);
  const size_t moof = at.at("moof");
  const size_t mdat = at.at("mdat");
  // data_offset points from the start of moof to the first sample byte, just after the mdat header.
  EXPECT_EQ(u32(bytes, trun + 16), mdat + 8 - moof);
  EXPECT_EQ(u32(bytes, mdat), 8u + 1500u);
  EXPECT_EQ(bytes.size(), mdat + 8);
  // Second sample: duration, size, non-sync flags, offset 0.
  EXPECT_EQ(u32(bytes, trun + 20 + 16), 512u);
  EXPECT_EQ(u32(bytes, trun + 20 + 16 + 4), 200u);
  EXPECT_EQ(u32(bytes, trun + 20 + 16 + 8), 0x01010000u);
  EXPECT_EQ(u32(bytes, trun + 20 + 8), 0x02000000u);  // first sample is sync
  EXPECT_EQ(u32(bytes, trun + 20 + 12), 1024u);
}

TEST(Fmp4Fragment, NegativeCompositionOffsetsUseVersion1) {
  const std::vector<FragmentSample> samples = {{10, 5, true, 0}, {10, 5, false, -10}};
  const auto bytes = build_fragment_header(1, 0, samples);
  const size_t trun = boxes(bytes).at("moof/traf/trun");
  EXPECT_EQ(bytes[trun + 8], 1);
  EXPECT_EQ(static_cast<int32_t>(u32(bytes, trun + 20 + 16 + 12)), -10);
}

TEST(Fmp4Fragment, NoCompositionOffsetsOmitsTheField) {
  const std::vector<FragmentSample> samples = {{1024, 300, true, 0}, {1024, 301, true, 0}};
  const auto bytes = build_fragment_header(2, 2048, samples);
  const auto at = boxes(bytes);
  const size_t trun = at.at("moof/traf/trun");
  EXPECT_EQ(u32(bytes, trun + 8) & 0xffffff, 0x701u);
  EXPECT_EQ(u32(bytes, trun), 20u + 2 * 12u);
  EXPECT_EQ(u32(bytes, at.at("mdat")), 8u + 601u);
}

}  // namespace
}  // namespace ve::core
