// SPDX-License-Identifier: Apache-2.0
#include "core/mp4_sample_tables.hpp"

#include "unit/core/box_bytes.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

namespace ve::core {
namespace {

using namespace box_bytes;

Bytes box(const char* type, const Bytes& payload) {
  Bytes b;
  put32(b, 8 + payload.size());
  append_type(b, type);
  append(b, payload);
  return b;
}

// A box written with a 64-bit size (size field 1).
Bytes large_box(const char* type, const Bytes& payload) {
  Bytes b;
  put32(b, 1);
  append_type(b, type);
  put64(b, 16 + payload.size());
  append(b, payload);
  return b;
}

Bytes full_box(const char* type, uint8_t version, const std::vector<uint64_t>& fields32) {
  Bytes p{version, 0, 0, 0};
  for (uint64_t f : fields32) put32(p, f);
  return box(type, p);
}

Bytes tkhd_v0(uint32_t id) { return full_box("tkhd", 0, {0, 0, id, 0, 0}); }
Bytes tkhd_v1(uint32_t id) { return full_box("tkhd", 1, {0, 0, 0, 0, id, 0, 0, 0}); }
Bytes elst(uint32_t entries) { return full_box("elst", 0, {entries}); }
Bytes stsz(uint32_t size, uint32_t count) { return full_box("stsz", 0, {size, count}); }

Bytes trak(const Bytes& header, const Bytes& edits, const Bytes& table) {
  return box("trak", cat({header, edits.empty() ? Bytes{} : box("edts", edits),
                          box("mdia", box("minf", box("stbl", cat({full_box("stsd", 0, {0}), table}))))}));
}

std::vector<DeclaredTrack> scan(const Bytes& file) {
  return scan_declared_tracks(
      [&](uint64_t offset, std::span<uint8_t> into) {
        if (offset > file.size() || into.size() > file.size() - offset) return false;
        std::memcpy(into.data(), file.data() + offset, into.size());
        return true;
      },
      file.size());
}

TEST(Mp4SampleTablesTest, ReadsEachTracksIdSampleTableAndEditList) {
  const Bytes file = cat({box("ftyp", Bytes(8, 'x')),
                          box("moov", cat({full_box("mvhd", 0, {0, 0, 1000, 0}),
                                           trak(tkhd_v0(1), elst(2), stsz(0, 300)),
                                           trak(tkhd_v1(7), {}, stsz(4, 1000))})),
                          box("mdat", Bytes(64, 0))});
  const auto tracks = scan(file);
  ASSERT_EQ(tracks.size(), 2u);
  EXPECT_EQ(tracks[0].track_id, 1u);
  EXPECT_EQ(tracks[0].sample_count, 300u);
  EXPECT_EQ(tracks[0].constant_sample_size, 0u);
  EXPECT_EQ(tracks[0].edit_entries, 2u);
  EXPECT_EQ(tracks[1].track_id, 7u);
  EXPECT_EQ(tracks[1].sample_count, 1000u);
  EXPECT_EQ(tracks[1].constant_sample_size, 4u);
  EXPECT_EQ(tracks[1].edit_entries, 0u);
}

TEST(Mp4SampleTablesTest, ReadsCompactSampleSizesAndBoxesWithSixtyFourBitSizes) {
  const Bytes stz2 = full_box("stz2", 0, {8, 12345});  // reserved + field size 8, then the count
  const Bytes file = cat({box("ftyp", Bytes(8, 'x')), large_box("moov", trak(tkhd_v0(3), {}, stz2))});
  const auto tracks = scan(file);
  ASSERT_EQ(tracks.size(), 1u);
  EXPECT_EQ(tracks[0].track_id, 3u);
  EXPECT_EQ(tracks[0].sample_count, 12345u);
  EXPECT_EQ(tracks[0].constant_sample_size, 0u);
}

TEST(Mp4SampleTablesTest, AMovieBoxWithSizeZeroRunsToTheEndOfTheFile) {
  Bytes moov = box("moov", trak(tkhd_v0(2), elst(1), stsz(1, 10)));
  moov[0] = moov[1] = moov[2] = moov[3] = 0;
  const auto tracks = scan(cat({box("ftyp", Bytes(8, 'x')), moov}));
  ASSERT_EQ(tracks.size(), 1u);
  EXPECT_EQ(tracks[0].sample_count, 10u);
}

TEST(Mp4SampleTablesTest, BrokenOrForeignBytesYieldWhatCouldBeRead) {
  EXPECT_TRUE(scan(Bytes{}).empty());
  EXPECT_TRUE(scan(Bytes(1000, 0xff)).empty());                     // box size beyond the file
  EXPECT_TRUE(scan(Bytes{'G', 0x40, 0x00, 0x10, 0, 0, 0}).empty());  // MPEG-TS, shorter than a header

  // The movie box claims more than the file holds: nothing inside it is trusted.
  Bytes file = cat({box("ftyp", Bytes(8, 'x')), box("moov", trak(tkhd_v0(1), {}, stsz(1, 10)))});
  file.resize(file.size() - 3);
  EXPECT_TRUE(scan(file).empty());

  // A sample size box too short for its fields leaves the track's counts at zero.
  const Bytes stub = box("stsz", Bytes{0, 0, 0, 0, 0, 0});
  const auto tracks = scan(cat({box("moov", trak(tkhd_v0(5), {}, stub))}));
  ASSERT_EQ(tracks.size(), 1u);
  EXPECT_EQ(tracks[0].track_id, 5u);
  EXPECT_EQ(tracks[0].sample_count, 0u);
}

TEST(Mp4SampleTablesTest, AFileOfCountlessTinyBoxesIsWalkedOnlySoFar) {
  Bytes many;
  for (int i = 0; i < 150000; ++i) {
    const Bytes free_box = box("free", {});
    append(many, free_box);
  }
  const Bytes file = cat({many, box("moov", trak(tkhd_v0(1), {}, stsz(1, 10)))});
  EXPECT_TRUE(scan(file).empty());  // the movie box lies past the first 100,000 boxes
}

TEST(Mp4SampleTablesTest, SamplesOfAFixedSizeMustFitInTheFile) {
  const DeclaredTrack video{1, 1000, 0, 1};  // listed sizes: never judged here
  const DeclaredTrack audio{2, 250, 4, 0};   // 1,000 bytes
  EXPECT_TRUE(check_declared_tracks({video, audio}, 1000).has_value());

  const DeclaredTrack more_audio{3, 1, 1, 0};
  const auto refused = check_declared_tracks({video, audio, more_audio}, 1000);
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().kind, ErrorKind::InvalidInput);
  EXPECT_NE(refused.error().message.find("track 2 declares 1 samples of 1 bytes"), std::string::npos)
      << refused.error().message;
  EXPECT_NE(refused.error().message.find("(1000 bytes)"), std::string::npos) << refused.error().message;
}

TEST(Mp4SampleTablesTest, HugeDeclaredCountsDoNotWrapAround) {
  const DeclaredTrack huge{0, 0xffffffffu, 0xffffffffu, 0};
  const auto refused = check_declared_tracks({huge, huge, huge}, UINT64_MAX - 1);
  ASSERT_FALSE(refused.has_value());
  EXPECT_NE(refused.error().message.find("track 1 declares 4294967295 samples"), std::string::npos)
      << refused.error().message;
  EXPECT_TRUE(check_declared_tracks({DeclaredTrack{0, 0xffffffffu, 0, 0}}, 10).has_value());
}

TEST(Mp4SampleTablesTest, EditListsLongerThanTheLimitAreRefused) {
  EXPECT_TRUE(check_declared_tracks({DeclaredTrack{4, 10, 0, kMaxEditEntries}}, 100).has_value());
  const auto refused = check_declared_tracks({DeclaredTrack{4, 10, 0, kMaxEditEntries + 1}}, 100);
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().kind, ErrorKind::InvalidInput);
  EXPECT_NE(refused.error().message.find("track 0 has an edit list of 65 entries; at most 64"), std::string::npos)
      << refused.error().message;
}

}  // namespace
}  // namespace ve::core
