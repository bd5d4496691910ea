// SPDX-License-Identifier: Apache-2.0
#include "core/sample_entry.hpp"

#include "unit/core/box_bytes.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

namespace ve::core {
namespace {

using namespace box_bytes;

// How a test box writes its size: 32-bit, 64-bit (size field 1) or 0 (to the end of its parent).
enum class Size { Small, Large, ToEnd };

Bytes box(const char* type, const Bytes& payload, Size size = Size::Small) {
  Bytes b;
  put32(b, size == Size::Small ? 8 + payload.size() : size == Size::Large ? 1 : 0);
  append_type(b, type);
  if (size == Size::Large) {
    put32(b, 0);
    put32(b, 16 + payload.size());
  }
  append(b, payload);
  return b;
}

Bytes full(const char* type, const Bytes& fields) { return box(type, cat({Bytes{0, 0, 0, 0}, fields})); }

// An AudioSampleEntry: reserved, data_reference_index 1, channels 2, 16 bits, 48 kHz; then boxes.
Bytes audio_entry(const char* type, const Bytes& config) {
  Bytes fields(28, 0);
  fields[7] = 1;
  fields[17] = 2;
  fields[19] = 16;
  fields[24] = 0xbb;
  fields[25] = 0x80;
  return box(type, cat({fields, config}));
}

const Bytes kEsds = full("esds", Bytes{3, 4, 0, 1, 0, 4, 0xa9});
const Bytes kDdts = box("ddts", Bytes(20, 0x5a));
const Bytes kMp4a = audio_entry("mp4a", kEsds);
const Bytes kDtsh = audio_entry("dtsh", cat({kDdts, box("btrt", Bytes(12, 1))}));

Bytes stsd(std::initializer_list<Bytes> entries, uint32_t count) {
  Bytes fields;
  put32(fields, count);
  for (const auto& e : entries) append(fields, e);
  return full("stsd", fields);
}

struct Layout {
  Size moov = Size::Small;
  Size stbl = Size::Small;
};

// ftyp, then moov/mvhd + trak(tkhd id, mdia/mdhd + minf/stbl/stsd + stts) + mvex, shaped like
// libavformat's init segments.
Bytes movie(const Bytes& stsd_box, uint32_t track_id = 1, Layout layout = {}) {
  Bytes tkhd_fields(20, 0);
  tkhd_fields[11] = static_cast<uint8_t>(track_id);
  const Bytes stbl = box("stbl", cat({stsd_box, full("stts", Bytes(4, 0))}), layout.stbl);
  const Bytes trak = box("trak", cat({full("tkhd", tkhd_fields),
                                      box("mdia", cat({full("mdhd", Bytes(20, 0)),
                                                       box("minf", cat({full("smhd", Bytes(4, 0)), stbl}))}))}));
  return cat({box("ftyp", Bytes(8, 'f')),
              box("moov", cat({full("mvhd", Bytes(96, 0)), trak, box("mvex", full("trex", Bytes(20, 0)))}),
                  layout.moov)});
}

std::string replaced(const Bytes& init, const Bytes& entry, Bytes* out = nullptr) {
  auto r = replace_first_sample_entry(init, entry);
  if (!r) return "error: " + r.error().message;
  if (out) *out = *r;
  return "ok";
}

TEST(SampleEntry, ReplacingTheEntryFixesEveryEnclosingSize) {
  Bytes out;
  ASSERT_EQ(replaced(movie(stsd({kMp4a}, 1)), kDtsh, &out), "ok");
  EXPECT_EQ(out, movie(stsd({kDtsh}, 1)));
  // And back: a smaller entry shrinks them.
  ASSERT_EQ(replaced(out, kMp4a, &out), "ok");
  EXPECT_EQ(out, movie(stsd({kMp4a}, 1)));
}

TEST(SampleEntry, SixtyFourBitAndOpenEndedSizesKeepTheirForm) {
  Bytes out;
  const Layout large{Size::Large, Size::Large};
  ASSERT_EQ(replaced(movie(stsd({kMp4a}, 1), 1, large), kDtsh, &out), "ok");
  EXPECT_EQ(out, movie(stsd({kDtsh}, 1), 1, large));
  const Layout open_ended{Size::ToEnd, Size::Small};
  ASSERT_EQ(replaced(movie(stsd({kMp4a}, 1), 1, open_ended), kDtsh, &out), "ok");
  EXPECT_EQ(out, movie(stsd({kDtsh}, 1), 1, open_ended));
}

TEST(SampleEntry, OnlyTheFirstEntryIsReplaced) {
  Bytes out;
  ASSERT_EQ(replaced(movie(stsd({kMp4a, kMp4a}, 2)), kDtsh, &out), "ok");
  EXPECT_EQ(out, movie(stsd({kDtsh, kMp4a}, 2)));
}

TEST(SampleEntry, AnEntryThatIsNotOneBoxIsRefused) {
  const Bytes init = movie(stsd({kMp4a}, 1));
  EXPECT_NE(replaced(init, Bytes{}), "ok");
  EXPECT_NE(replaced(init, Bytes{0, 0, 0, 8, 'd', 't'}), "ok");
  Bytes short_size = kDtsh;
  short_size[3] -= 1;  // claims one byte less than given
  EXPECT_NE(replaced(init, short_size), "ok");
  EXPECT_NE(replaced(init, cat({kDtsh, kDtsh})), "ok");
  EXPECT_NE(replaced(init, box("dtsh", Bytes(28, 0), Size::ToEnd)), "ok");
  EXPECT_NE(replaced(init, audio_entry("dtsh", box("free", Bytes(kMaxSampleEntryBytes, 0)))), "ok");
  EXPECT_EQ(replaced(init, box("dtsh", Bytes(28, 0), Size::Large)), "ok");
}

TEST(SampleEntry, MalformedInitSegmentsAreRefused) {
  const Bytes good = movie(stsd({kMp4a}, 1));
  EXPECT_EQ(replaced(Bytes{}, kDtsh), "error: the init segment has no readable moov/trak");
  EXPECT_EQ(replaced(box("ftyp", Bytes(8, 0)), kDtsh), "error: the init segment has no readable moov/trak");
  Bytes truncated = good;
  truncated.resize(truncated.size() - 1);  // moov claims one byte more than there is
  EXPECT_EQ(replaced(truncated, kDtsh), "error: the init segment has no readable moov/trak");
  EXPECT_EQ(replaced(movie(stsd({}, 0)), kDtsh),
            "error: the init segment: its sample description box (stsd) has no entry");
  EXPECT_EQ(replaced(movie(stsd({}, 1)), kDtsh),
            "error: the init segment: its sample description box (stsd) holds no whole entry");
  Bytes overrun = stsd({kMp4a}, 1);
  overrun[19] += 1;  // the entry's size reaches past its stsd
  EXPECT_EQ(replaced(movie(overrun), kDtsh),
            "error: the init segment: its sample description box (stsd) holds no whole entry");
  const Bytes no_stbl = cat({box("ftyp", Bytes(8, 'f')), box("moov", box("trak", box("mdia", box("minf", Bytes{}))))});
  EXPECT_EQ(replaced(no_stbl, kDtsh), "error: the init segment: no readable 'stbl' box in its trak");
}

ReadAt reader(const Bytes& file) {
  return [&file](uint64_t offset, std::span<uint8_t> into) {
    if (offset > file.size() || into.size() > file.size() - offset) return false;
    std::memcpy(into.data(), file.data() + offset, into.size());
    return true;
  };
}

std::string first_entry(const Bytes& file, uint32_t track_id, Bytes* out = nullptr) {
  auto r = read_first_sample_entry(reader(file), file.size(), track_id);
  if (!r) return "error: " + r.error().message;
  if (out) *out = *r;
  return "ok";
}

// A file of two tracks: ID 1 video, ID 2 DTS-HD audio; the movie box after the media data.
Bytes two_track_file(const Bytes& audio_stsd) {
  const Bytes video = movie(stsd({box("avc1", Bytes(78, 0))}, 1), 1);
  const Bytes audio = movie(audio_stsd, 2);
  // Each movie() is ftyp + moov(mvhd, trak, mvex): take the audio trak into the video's moov.
  auto trak_of = [](const Bytes& m) {
    const size_t at = 16 + 8 + 108;  // ftyp, moov header, mvhd
    size_t size = 0;
    for (size_t i = 0; i < 4; ++i) size = (size << 8) | m[at + i];
    return Bytes(m.begin() + static_cast<std::ptrdiff_t>(at), m.begin() + static_cast<std::ptrdiff_t>(at + size));
  };
  return cat({box("ftyp", Bytes(8, 'f')), box("mdat", Bytes(100, 7)),
              box("moov", cat({full("mvhd", Bytes(96, 0)), trak_of(video), trak_of(audio)}))});
}

TEST(SampleEntry, ReadsTheFirstEntryOfTheTrackWithTheGivenId) {
  Bytes entry;
  const Bytes file = two_track_file(stsd({kDtsh, kMp4a}, 2));
  ASSERT_EQ(first_entry(file, 2, &entry), "ok");
  EXPECT_EQ(entry, kDtsh);
  EXPECT_EQ(sample_entry_type(entry), "dtsh");
  ASSERT_EQ(first_entry(file, 1, &entry), "ok");
  EXPECT_EQ(sample_entry_type(entry), "avc1");
  EXPECT_EQ(first_entry(file, 3), "error: no track with ID 3 in the movie header (moov)");
}

TEST(SampleEntry, BrokenOrHugeInputEntriesAreRefused) {
  EXPECT_EQ(first_entry(two_track_file(stsd({}, 0)), 2),
            "error: track with ID 2: its sample description box (stsd) has no entry");
  EXPECT_EQ(first_entry(Bytes(100, 0xff), 2), "error: no track with ID 2 in the movie header (moov)");
  const Bytes huge = audio_entry("dtsh", box("free", Bytes(kMaxSampleEntryBytes, 0)));
  EXPECT_EQ(first_entry(two_track_file(stsd({huge}, 1)), 2),
            "error: track with ID 2: its sample entry 'dtsh' is larger than 65536 bytes");
  Bytes truncated = two_track_file(stsd({kDtsh}, 1));
  truncated.resize(truncated.size() - 4);
  EXPECT_EQ(first_entry(truncated, 2), "error: no track with ID 2 in the movie header (moov)");
  EXPECT_EQ(sample_entry_type(Bytes{0, 0, 0, 8}), "");
}

}  // namespace
}  // namespace ve::core
