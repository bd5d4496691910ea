// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "core/mp4_boxes.hpp"

namespace ve::core {

// The largest sample entry carried from an input into an init segment. Real ones are tens of
// bytes (an AudioSampleEntry with its configuration box); more is refused, not read.
inline constexpr uint64_t kMaxSampleEntryBytes = 64 * 1024;

// The 4CC of a sample entry (a whole box: size, type, ...); empty when it is shorter than a header.
std::string sample_entry_type(std::span<const uint8_t> entry);

// The whole first sample entry of the stsd of the track with this track_ID (tkhd) in an MP4 file
// of file_size bytes: moov/trak/mdia/minf/stbl/stsd, walked like scan_declared_tracks (box headers
// only, at most 100,000 boxes, 8 deep). InvalidInput when there is no such track or its stsd is
// missing, empty or broken, or the entry is larger than kMaxSampleEntryBytes.
Result<std::vector<uint8_t>> read_first_sample_entry(const ReadAt& read, uint64_t file_size, uint32_t track_id);

// init (an initialization segment: ftyp, moov with one trak) with the first entry of its stsd
// (moov/trak/mdia/minf/stbl/stsd) replaced by entry, a whole sample entry box, and the sizes of
// stsd, stbl, minf, mdia, trak and moov changed to match, in the 32- or 64-bit field each has.
// Nothing else moves: an init segment has no samples, so no chunk offset points past the entry.
// InvalidInput when init has no such stsd, a box on the way does not fit its parent, entry is not
// one box of at most kMaxSampleEntryBytes, or a 32-bit size would overflow.
Result<std::vector<uint8_t>> replace_first_sample_entry(std::span<const uint8_t> init, std::span<const uint8_t> entry);

}  // namespace ve::core
